package io.connectmqtt.entitysync.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterMatcher;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The subscription index only ever skips subscriptions that cannot match: for random filters and
 * rows (numbers, numeric text, other text, booleans, nulls, huge and tiny exponents), every
 * subscription the full matcher accepts is among the candidates.
 */
class SubscriptionIndexTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object[] VALUES = {
    0,
    1,
    5,
    5.0,
    "5",
    "5.00",
    " 5 ",
    70.25,
    "70.25",
    "007",
    "7",
    7,
    new BigDecimal("7.000"),
    -0.0,
    "-0",
    new BigDecimal("1E+999999999"),
    "1e999999999",
    "1E+999999999",
    new BigDecimal("1E-999999999"),
    "1e100000000",
    "1e99999999999",
    "abc",
    "ABC",
    "",
    true,
    false,
    "true",
    "FALSE",
    "2024-01-01T10:00",
    "2024-01-01T10:00:00",
    "2024-01-01T10:00:00.000",
    "NaN",
    null
  };
  private static final String[] OPERATORS = {"eq", "eq", "eq", "neq", "gt", "in", "like", "isnull"};

  @Test
  void candidatesAlwaysIncludeEverySubscriptionThatMatches() throws Exception {
    check(false);
  }

  /**
   * Subscription records of version 1: each column's type (or none) and database decide the
   * equality keys.
   */
  @Test
  void typedCandidatesAlwaysIncludeEverySubscriptionThatMatches() throws Exception {
    check(true);
  }

  private static final ColumnType[] TYPES = {
    null,
    ColumnType.TEXT,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.FLOAT,
    ColumnType.BOOLEAN,
    ColumnType.TIMESTAMP
  };

  private static void check(boolean typed) throws Exception {
    Random random = new Random(42);
    SubscriptionIndex index = new SubscriptionIndex();
    Map<String, Subscription> all = new HashMap<>();
    int indexed = 0;
    for (int i = 0; i < 2_000; i++) {
      List<Map<String, Object>> filters = new ArrayList<>();
      int count = 1 + random.nextInt(3);
      for (int f = 0; f < count; f++) {
        Map<String, Object> filter = new HashMap<>();
        filter.put("column", random.nextBoolean() ? "a" : "b");
        String operator = OPERATORS[random.nextInt(OPERATORS.length)];
        filter.put("operator", operator);
        Object value = VALUES[random.nextInt(VALUES.length)];
        if (operator.equals("in")) {
          filter.put(
              "value",
              List.of(VALUES[random.nextInt(VALUES.length - 1)], VALUES[random.nextInt(3)]));
        } else if (operator.equals("like")) {
          filter.put("value", "a%");
        } else if (!operator.equals("isnull")) {
          filter.put("value", value);
        }
        if (f > 0 && random.nextInt(4) == 0) {
          filter.put("logic_operator", "OR");
        }
        filters.add(filter);
      }
      List<Filter> parsed;
      try {
        parsed = Filter.parseAll(JSON.valueToTree(filters));
      } catch (io.connectmqtt.common.protocol.ProtocolException refused) {
        continue;
      }
      Subscription subscription = untyped("s" + i, "spec/c/notify/s" + i, parsed);
      if (typed) {
        Map<String, ColumnType> types = new HashMap<>();
        for (String column : List.of("a", "b")) {
          ColumnType type = TYPES[random.nextInt(TYPES.length)];
          if (type != null) {
            types.put(column, type);
          }
        }
        Database database = random.nextBoolean() ? Database.H2 : null;
        subscription =
            new Subscription(
                subscription.id(),
                "c",
                "public",
                "users",
                subscription.notifyTopic(),
                parsed,
                types,
                database,
                FilterMatcher.of(parsed, types, database),
                null);
      }
      if (SubscriptionIndex.keys(parsed).isPresent()) {
        indexed++;
      }
      index.add(subscription);
      all.put(subscription.id(), subscription);
    }
    assertThat(indexed).as("the index is used at all").isGreaterThan(200);
    int checked = 0;
    for (int r = 0; r < 500; r++) {
      Map<String, Object> values = new HashMap<>();
      values.put("a", VALUES[random.nextInt(VALUES.length)]);
      values.put("b", VALUES[random.nextInt(VALUES.length)]);
      // As the sink reads a change event's row.
      Map<String, Object> row = Filter.row(JSON.valueToTree(values));
      Set<String> candidates =
          new HashSet<>(index.candidates("USERS", java.util.Arrays.asList(row, null)));
      for (Subscription subscription : all.values()) {
        if (subscription.matcher().matches(row)) {
          checked++;
          assertThat(candidates)
              .as(subscription.filters() + " matches " + row)
              .contains(subscription.id());
        }
      }
    }
    assertThat(checked).isGreaterThan(100);
  }

  @Test
  void removedSubscriptionsAreNoLongerCandidates() throws Exception {
    SubscriptionIndex index = new SubscriptionIndex();
    Subscription subscription =
        untyped(
            "s1",
            "t",
            Filter.parseAll(
                JSON.readTree("[{\"column\":\"bucket\",\"operator\":\"eq\",\"value\":7}]")));
    index.add(subscription);
    Map<String, Object> row = Map.of("bucket", new BigDecimal("7.0"));
    assertThat(index.candidates("users", List.of(row))).containsExactly("s1");
    assertThat(index.candidates("users", List.of(Map.of("bucket", 8)))).isEmpty();
    index.remove(subscription);
    assertThat(index.candidates("users", List.of(row))).isEmpty();
  }

  /**
   * Issue 11: "1e999999999" was indexed as a plain-string number and the index ran out of memory.
   */
  @Test
  void numericLookingTextWithHugeExponentsIsIndexedAsWhatItIs() throws Exception {
    SubscriptionIndex index = new SubscriptionIndex();
    Subscription text =
        untyped(
            "text",
            "t",
            Filter.parseAll(
                JSON.readTree(
                    "[{\"column\":\"code\",\"operator\":\"eq\",\"value\":\"1e999999999\"}]")));
    Subscription padded =
        untyped(
            "padded",
            "t",
            Filter.parseAll(
                JSON.readTree("[{\"column\":\"code\",\"operator\":\"eq\",\"value\":\"007\"}]")));
    index.add(text);
    index.add(padded);
    assertThat(index.candidates("users", List.of(Map.of("code", "1e999999999"))))
        .containsExactly("text");
    assertThat(index.candidates("users", List.of(Map.of("code", "1E+999999999"))))
        .as("text is text")
        .isEmpty();
    assertThat(index.candidates("users", List.of(Map.of("code", new BigDecimal("1E+999999999")))))
        .as("a numeric column compares numerically")
        .containsExactly("text");
    assertThat(index.candidates("users", List.of(Map.of("code", "1e100000000")))).isEmpty();
    assertThat(index.candidates("users", List.of(Map.of("code", "7"))))
        .as("'7' is not '007'")
        .isEmpty();
    assertThat(index.candidates("users", List.of(Map.of("code", 7L)))).containsExactly("padded");
    index.remove(text);
    assertThat(index.candidates("users", List.of(Map.of("code", "1e999999999")))).isEmpty();
  }

  /** A subscription of client c to public.users whose column types are inferred, not expiring. */
  private static Subscription untyped(String id, String notifyTopic, List<Filter> filters) {
    return new Subscription(
        id,
        "c",
        "public",
        "users",
        notifyTopic,
        filters,
        Map.of(),
        null,
        FilterMatcher.of(filters),
        null);
  }
}
