package io.connectmqtt.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The matcher means what the SQL means: text compares as text, numbers as numbers (the row value's
 * JSON type stands for its column's type), and no value, however large its exponent, costs more
 * than its own length.
 */
class FilterSemanticsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Row values of every kind a change event carries, and filter values as subscriptions carry them.
   */
  private static final List<Object> ROW_VALUES =
      List.of(
          7L,
          0L,
          -3L,
          new BigDecimal("7.00"),
          new BigDecimal("-0.0"),
          new BigDecimal("1E+999999999"),
          new BigDecimal("1E-999999999"),
          new BigDecimal("1E+100000000"),
          new BigDecimal("70.25"),
          Double.POSITIVE_INFINITY,
          Double.NaN,
          "7",
          "007",
          "7.0",
          " 7 ",
          "-0",
          "0",
          "1e999999999",
          "1E+999999999",
          "1e100000000",
          "abc",
          "ABC",
          "",
          "true",
          "TRUE",
          "false",
          true,
          false);

  private static final List<Object> FILTER_VALUES =
      List.of(
          7L,
          0L,
          -3L,
          new BigDecimal("7.0"),
          new BigDecimal("-0.00"),
          new BigDecimal("1E+999999999"),
          new BigDecimal("1E-999999999"),
          new BigDecimal("70.250"),
          "7",
          "007",
          "7.0",
          " 7 ",
          "-0",
          "1e999999999",
          "1E+999999999",
          "1e100000000",
          "1e-2147483648",
          "1e99999999999",
          "abc",
          "",
          "TRUE",
          "false",
          true,
          false);

  @Test
  void textColumnsCompareAsText() {
    assertThat(FilterOperator.EQ.matches("7", "007")).as("text '7' = '007' is false").isFalse();
    assertThat(FilterOperator.EQ.matches("007", "007")).isTrue();
    assertThat(FilterOperator.EQ.matches("007", 7L))
        .as("a number against text is its text, '7'")
        .isFalse();
    assertThat(FilterOperator.EQ.matches("7", 7L)).isTrue();
    assertThat(FilterOperator.EQ.matches("5.00", 5L)).isFalse();
    assertThat(FilterOperator.GT.matches("9", "10")).as("'9' > '10' as text").isTrue();
    assertThat(FilterOperator.LT.matches("10", 9L)).as("'10' < '9' as text").isTrue();
    assertThat(FilterOperator.IN.matches("07", List.of(7L, "7"))).isFalse();
    assertThat(FilterOperator.NIN.matches("07", List.of(7L, "7"))).isTrue();
    assertThat(FilterOperator.BETWEEN.matches("10", List.of("1", "2")))
        .as("'1' <= '10' <= '2' as text")
        .isTrue();
    assertThat(FilterOperator.EQ.matches("true", true))
        .as("a boolean against text is 'true'")
        .isTrue();
    assertThat(FilterOperator.EQ.matches("1e999999999", "1E+999999999")).isFalse();
  }

  @Test
  void numericColumnsCompareAsNumbers() {
    assertThat(FilterOperator.EQ.matches(7L, "007"))
        .as("int_column = '007' is int_column = 7")
        .isTrue();
    assertThat(FilterOperator.EQ.matches(7L, " 7 ")).isTrue();
    assertThat(FilterOperator.EQ.matches(new BigDecimal("7.00"), 7L)).isTrue();
    assertThat(FilterOperator.EQ.matches(new BigDecimal("-0.0"), "0"))
        .as("negative zero is zero")
        .isTrue();
    assertThat(FilterOperator.EQ.matches(-0.0d, 0L)).isTrue();
    assertThat(FilterOperator.GT.matches(10L, "9")).isTrue();
    assertThat(FilterOperator.EQ.matches(7L, "abc")).as("not comparable: no match").isFalse();
    assertThat(FilterOperator.NEQ.matches(7L, "abc"))
        .as("not comparable: no match either")
        .isFalse();
    assertThat(FilterOperator.NIN.matches(7L, List.of("abc"))).isFalse();
    assertThat(FilterOperator.EQ.matches(1L, true)).as("a number is no boolean").isFalse();
    assertThat(FilterOperator.EQ.matches(true, "TRUE")).isTrue();
    assertThat(FilterOperator.LT.matches(false, true)).as("false < true").isTrue();
    assertThat(FilterOperator.GT.matches(Double.POSITIVE_INFINITY, new BigDecimal("1E+999999999")))
        .isTrue();
    assertThat(FilterOperator.LT.matches(Double.NEGATIVE_INFINITY, -3L)).isTrue();
  }

  @Test
  void hugeAndTinyExponentsCompareWithoutExpanding() {
    BigDecimal huge = new BigDecimal("1E+999999999");
    BigDecimal tiny = new BigDecimal("1E-999999999");
    assertThat(FilterOperator.EQ.matches(huge, "1e999999999")).isTrue();
    assertThat(FilterOperator.EQ.matches(new BigDecimal("10E+999999998"), huge)).isTrue();
    assertThat(FilterOperator.GT.matches(huge, Long.MAX_VALUE)).isTrue();
    assertThat(FilterOperator.GT.matches(tiny, 0L)).isTrue();
    assertThat(FilterOperator.LT.matches(tiny, new BigDecimal("1E-999999998"))).isTrue();
    assertThat(FilterOperator.EQ.matches(tiny, 0L)).isFalse();
    assertThat(FilterOperator.EQ.matches(7L, "1e99999999999"))
        .as("an exponent beyond a scale is no number")
        .isFalse();
    assertThat(FilterOperator.EQ.matches(7L, "1".repeat(1_001)))
        .as("longer than any JSON number")
        .isFalse();
    for (Object value : FILTER_VALUES) {
      for (Object key : FilterOperator.equalityKeys(value)) {
        assertThat(key.toString().length()).as("key of " + value).isLessThan(100);
      }
    }
    for (Object value : ROW_VALUES) {
      assertThat(FilterOperator.rowEqualityKey(value).map(Object::toString).orElse("").length())
          .isLessThan(100);
    }
  }

  @Test
  void equalValuesAlwaysShareAnEqualityKey() {
    int equalPairs = 0;
    for (Object row : ROW_VALUES) {
      for (Object value : FILTER_VALUES) {
        if (FilterOperator.EQ.matches(row, value)) {
          equalPairs++;
          assertThat(FilterOperator.equalityKeys(value))
              .as(row + " = " + value)
              .contains(FilterOperator.rowEqualityKey(row).orElseThrow());
        } else {
          assertThat(
                  FilterOperator.rowEqualityKey(row)
                      .map(k -> FilterOperator.equalityKeys(value).contains(k))
                      .orElse(false))
              .as("a shared key means equal: " + row + " vs " + value)
              .isFalse();
        }
      }
    }
    assertThat(equalPairs).isGreaterThan(20);
  }

  @Test
  void rowsKeepDecimalsExact() throws Exception {
    JsonMapper exact =
        JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    JsonNode row =
        exact.readTree(
            "{\"score\":0.10000000000000000001,\"big\":1e999999999,\"n\":-0.0,"
                + "\"json\":{\"a\":[1]},\"name\":\"007\"}");
    Map<String, Object> values = Filter.row(row);
    assertThat(values.get("score")).isEqualTo(new BigDecimal("0.10000000000000000001"));
    assertThat(
            Filter.matchesAll(
                filters("[{\"column\":\"score\",\"operator\":\"eq\",\"value\":0.1}]"), values))
        .isFalse();
    assertThat(
            Filter.matchesAll(
                filters("[{\"column\":\"big\",\"operator\":\"gt\",\"value\":1e300}]"), values))
        .isTrue();
    assertThat(
            Filter.matchesAll(
                filters("[{\"column\":\"n\",\"operator\":\"eq\",\"value\":0}]"), values))
        .isTrue();
    assertThat(values.get("json")).isEqualTo("{\"a\":[1]}");
    assertThat(
            Filter.matchesAll(
                filters("[{\"column\":\"name\",\"operator\":\"eq\",\"value\":7}]"), values))
        .isFalse();
  }

  @Test
  void filtersNoDatabaseCouldRunAreInvalid() {
    List<String> bad =
        new ArrayList<>(
            List.of(
                "[{\"column\":\"a\",\"operator\":\"eq\",\"value\":1e400}]",
                "[{\"column\":\"a\",\"operator\":\"in\",\"value\":[1,-1e400]}]",
                "[{\"column\":\"a\",\"operator\":\"like\",\"value\":\"abc\\\\\"}]",
                "[{\"column\":\"a\",\"operator\":\"ilike\",\"value\":\""
                    + "%a".repeat(501)
                    + "\"}]"));
    for (String json : bad) {
      assertThatThrownBy(() -> filters(json))
          .as(json)
          .isInstanceOf(ProtocolException.class)
          .satisfies(
              e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_FILTER));
    }
  }

  @Test
  void compiledMatcherAgreesWithOperatorByOperator() throws Exception {
    List<Filter> parsed =
        filters(
            "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"a%\"},"
                + "{\"column\":\"qty\",\"operator\":\"between\",\"value\":[1,\"5\"],\"logic_operator\":\"OR\"},"
                + "{\"column\":\"code\",\"operator\":\"nin\",\"value\":[\"x\",\"y\"]}]");
    FilterMatcher matcher = FilterMatcher.of(parsed);
    assertThat(matcher.matches(Map.of("name", "abc", "code", "z"))).isTrue();
    assertThat(matcher.matches(Map.of("name", "b", "qty", 5L, "code", "z"))).isTrue();
    assertThat(matcher.matches(Map.of("name", "b", "qty", 6L, "code", "z"))).isFalse();
    assertThat(matcher.matches(Map.of("name", "abc", "code", "x"))).isFalse();
    assertThat(matcher.matches(Map.of("name", "abc"))).as("NOT IN with NULL is not true").isFalse();
  }

  private static List<Filter> filters(String json) throws Exception {
    return Filter.parseAll(JSON.readTree(json));
  }
}
