package io.connectmqtt.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The in-memory meaning of each operator, which must agree with the SQL the request processor runs.
 */
class FilterTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<Filter> filters(String json) throws Exception {
    return Filter.parseAll(JSON.readTree(json));
  }

  @Test
  void operatorsMatchLikeSql() {
    assertThat(FilterOperator.EQ.matches(30L, 30L)).isTrue();
    assertThat(FilterOperator.EQ.matches(new BigDecimal("30.0"), 30L)).isTrue();
    assertThat(FilterOperator.EQ.matches(null, 30L)).as("NULL = x is not true").isFalse();
    assertThat(FilterOperator.NEQ.matches(null, 30L)).as("NULL <> x is not true either").isFalse();
    assertThat(FilterOperator.GT.matches(31L, 30L)).isTrue();
    assertThat(FilterOperator.LTE.matches("b", "b")).isTrue();
    assertThat(FilterOperator.LIKE.matches("user-12", "user-1%")).isTrue();
    assertThat(FilterOperator.LIKE.matches("USER-12", "user-1%")).isFalse();
    assertThat(FilterOperator.ILIKE.matches("USER-12", "user-1_")).isTrue();
    assertThat(FilterOperator.LIKE.matches("a.c", "a_c")).isTrue();
    assertThat(FilterOperator.LIKE.matches("abc", "a.c"))
        .as("regex characters are literal")
        .isFalse();
    assertThat(FilterOperator.IN.matches(21L, List.of(20L, 21L))).isTrue();
    assertThat(FilterOperator.NIN.matches(22L, List.of(20L, 21L))).isTrue();
    assertThat(FilterOperator.NIN.matches(null, List.of(20L))).isFalse();
    assertThat(FilterOperator.ISNULL.matches(null, null)).isTrue();
    assertThat(FilterOperator.NOTNULL.matches("x", null)).isTrue();
    assertThat(FilterOperator.BETWEEN.matches(35L, List.of(30L, 40L))).isTrue();
    assertThat(FilterOperator.BETWEEN.matches(40L, List.of(30L, 40L))).as("inclusive").isTrue();
    assertThat(FilterOperator.EQ.matches(true, "true")).isTrue();
  }

  @Test
  void consecutiveOrFiltersFormOneGroup() throws Exception {
    List<Filter> parsed =
        filters(
            "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"active\"},"
                + "{\"column\":\"age\",\"operator\":\"lt\",\"value\":25},"
                + "{\"column\":\"age\",\"operator\":\"gt\",\"value\":60,\"logic_operator\":\"OR\"}]");
    assertThat(Filter.groups(parsed)).hasSize(2);
    Map<String, Object> row = new HashMap<>(Map.of("status", "active", "age", 61L));
    assertThat(Filter.matchesAll(parsed, row)).isTrue();
    row.put("age", 30L);
    assertThat(Filter.matchesAll(parsed, row)).isFalse();
    row.put("age", 20L);
    row.put("status", "inactive");
    assertThat(Filter.matchesAll(parsed, row)).isFalse();
  }

  @Test
  void malformedFiltersAreInvalidFilterErrors() {
    for (String bad :
        List.of(
            "{}",
            "[{\"column\":\"a\",\"operator\":\"regex\",\"value\":1}]",
            "[{\"column\":\"a\",\"operator\":\"eq \",\"value\":1}]",
            "[{\"column\":\"a\",\"operator\":\"eq\"}]",
            "[{\"column\":\"a\",\"operator\":\"in\",\"value\":[]}]",
            "[{\"column\":\"a\",\"operator\":\"between\",\"value\":[1]}]",
            "[{\"operator\":\"eq\",\"value\":1}]",
            "[{\"column\":\"a\",\"operator\":\"eq\",\"value\":1,\"logic_operator\":\"XOR\"}]")) {
      assertThatThrownBy(() -> filters(bad))
          .as(bad)
          .isInstanceOf(ProtocolException.class)
          .satisfies(
              e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_FILTER));
    }
  }

  @Test
  void sqlUsesOnlyPlaceholdersForValues() {
    assertThat(FilterOperator.IN.sql("\"age\"", 3)).isEqualTo("\"age\" IN (?, ?, ?)");
    assertThat(FilterOperator.ILIKE.sql("\"name\"", 1)).isEqualTo("LOWER(\"name\") LIKE LOWER(?)");
    assertThat(FilterOperator.ISNULL.sql("\"status\"", 0)).isEqualTo("\"status\" IS NULL");
    assertThat(FilterOperator.BETWEEN.sql("\"age\"", 2)).isEqualTo("\"age\" BETWEEN ? AND ?");
  }
}
