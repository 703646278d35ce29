package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.protocol.Filter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The subscription index only ever skips subscriptions that cannot match: for random filters and rows (numbers,
 * numeric text, other text, booleans, nulls), every subscription the full matcher accepts is among the candidates.
 */
class SubscriptionIndexTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object[] VALUES = {0, 1, 5, 5.0, "5", "5.00", " 5 ", 70.25, "70.25", "abc", "ABC", "", true,
      false, "true", "FALSE", null};
  private static final String[] OPERATORS = {"eq", "eq", "eq", "neq", "gt", "in", "like", "isnull"};

  @Test
  void candidatesAlwaysIncludeEverySubscriptionThatMatches() throws Exception {
    Random random = new Random(42);
    SubscriptionTable.Index index = new SubscriptionTable.Index();
    Map<String, SubscriptionTable.Subscription> all = new HashMap<>();
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
          filter.put("value", List.of(VALUES[random.nextInt(VALUES.length - 1)], VALUES[random.nextInt(3)]));
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
      SubscriptionTable.Subscription subscription = new SubscriptionTable.Subscription("s" + i, "c", "public",
          "users", "spec/c/notify/s" + i, parsed, null);
      if (SubscriptionTable.Index.key(parsed).isPresent()) {
        indexed++;
      }
      index.add(subscription);
      all.put(subscription.id(), subscription);
    }
    assertThat(indexed).as("the index is used at all").isGreaterThan(200);
    int checked = 0;
    for (int r = 0; r < 500; r++) {
      Map<String, Object> row = new HashMap<>();
      row.put("a", JSON.convertValue(VALUES[random.nextInt(VALUES.length)], Object.class));
      row.put("b", JSON.convertValue(VALUES[random.nextInt(VALUES.length)], Object.class));
      Set<String> candidates = new HashSet<>(index.candidates("USERS", java.util.Arrays.asList(row, null)));
      for (SubscriptionTable.Subscription subscription : all.values()) {
        if (Filter.matchesAll(subscription.filters(), row)) {
          checked++;
          assertThat(candidates).as(subscription.filters() + " matches " + row).contains(subscription.id());
        }
      }
    }
    assertThat(checked).isGreaterThan(100);
  }

  @Test
  void removedSubscriptionsAreNoLongerCandidates() throws Exception {
    SubscriptionTable.Index index = new SubscriptionTable.Index();
    SubscriptionTable.Subscription subscription = new SubscriptionTable.Subscription("s1", "c", "public", "users",
        "t", Filter.parseAll(JSON.readTree("[{\"column\":\"bucket\",\"operator\":\"eq\",\"value\":7}]")), null);
    index.add(subscription);
    Map<String, Object> row = Map.of("bucket", new java.math.BigDecimal("7.0"));
    assertThat(index.candidates("users", List.of(row))).containsExactly("s1");
    assertThat(index.candidates("users", List.of(Map.of("bucket", 8)))).isEmpty();
    index.remove(subscription);
    assertThat(index.candidates("users", List.of(row))).isEmpty();
  }
}
