package io.connectmqtt.entitysync.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Records on the subscriptions topic that are no subscriptions are skipped one by one, with the
 * record and the reason, and never stop the table: the subscriptions around them are still served.
 */
class SubscriptionTableTest {

  private static final String GOOD =
      "{\"subscription_id\":\"%s\",\"client_id\":\"c1\",\"schema\":\"public\","
          + "\"entity\":\"users\",\"notify_topic\":\"spec/c1/notify/%s\",\"filters\":[{\"column\":\"status\","
          + "\"operator\":\"eq\",\"value\":\"%s\"}]}";

  private final List<SubscriptionTable.Rejected> told = new ArrayList<>();
  private final SubscriptionTable table = new SubscriptionTable("entity-subscriptions", told::add);
  private long offset;

  private void write(String key, String value) {
    table.apply(
        new ConsumerRecord<>(
            "entity-subscriptions",
            0,
            offset++,
            key,
            value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
  }

  private static String good(String id, String status) {
    return GOOD.formatted(id, id, status);
  }

  private List<String> candidatesFor(String status) {
    return table.candidates("public", "users", List.of(Map.of("status", status))).stream()
        .map(Subscription::id)
        .toList();
  }

  @Test
  void unreadableRecordsAreSkippedWithTheirReason() {
    Map<String, String> poison = new java.util.LinkedHashMap<>();
    poison.put("not-json", "{\"client_id\":");
    poison.put("array", "[1,2]");
    poison.put("no-client", "{\"entity\":\"users\",\"notify_topic\":\"t\"}");
    poison.put("number-entity", "{\"client_id\":\"c\",\"entity\":5,\"notify_topic\":\"t\"}");
    poison.put(
        "wildcard-topic", "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"spec/#\"}");
    poison.put("empty-topic", "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"\"}");
    poison.put(
        "filters-object",
        "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"t\",\"filters\":{}}");
    poison.put(
        "unknown-operator",
        "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"t\","
            + "\"filters\":[{\"column\":\"a\",\"operator\":\"regex\",\"value\":\".*\"}]}");
    poison.put(
        "infinite-number",
        "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"t\","
            + "\"filters\":[{\"column\":\"a\",\"operator\":\"gt\",\"value\":1e99999999999}]}");
    poison.put(
        "long-pattern",
        "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"t\","
            + "\"filters\":[{\"column\":\"a\",\"operator\":\"like\",\"value\":\""
            + "%a".repeat(600)
            + "\"}]}");
    poison.put(
        "bad-expiry",
        "{\"client_id\":\"c\",\"entity\":\"users\",\"notify_topic\":\"t\","
            + "\"expires_at\":\"tomorrow\"}");
    poison.put("deep", "[".repeat(5_000) + "]".repeat(5_000));
    write("good-1", good("good-1", "active"));
    poison.forEach(this::write);
    write(null, good("no-key", "active"));
    write("good-2", good("good-2", "active"));

    assertThat(candidatesFor("active")).containsExactlyInAnyOrder("good-1", "good-2");
    assertThat(told).hasSize(poison.size() + 1);
    List<SubscriptionTable.Rejected> pending = table.takeRejected();
    assertThat(pending)
        .extracting(r -> r.record().key())
        .containsExactlyElementsOf(
            () -> {
              List<String> keys = new ArrayList<>(poison.keySet());
              keys.add(null);
              return keys.iterator();
            });
    assertThat(pending.get(0).describe())
        .isEqualTo("subscription record entity-subscriptions-0@1 (key 'not-json')");
    assertThat(pending.get(0).reason()).contains("cannot be read as JSON");
    assertThat(reason(pending, "no-client")).contains("'client_id'");
    assertThat(reason(pending, "wildcard-topic")).contains("notify_topic").contains("spec/#");
    assertThat(reason(pending, "unknown-operator")).contains("unknown operator 'regex'");
    assertThat(reason(pending, "long-pattern")).contains("at most 1000");
    assertThat(reason(pending, "bad-expiry")).contains("expires_at");
    assertThat(table.takeRejected()).as("taken once").isEmpty();
  }

  @Test
  void hugeExponentsInTextFiltersAreOrdinarySubscriptions() {
    write("huge", good("huge", "1e999999999"));
    write("big", good("big", "1e100000000"));
    write("other", good("other", "active"));
    assertThat(told).isEmpty();
    assertThat(candidatesFor("1e999999999")).containsExactly("huge");
    assertThat(candidatesFor("1E+999999999")).isEmpty();
    assertThat(candidatesFor("active")).containsExactly("other");
  }

  @Test
  void anUnreadableVersionReplacesTheSubscriptionAndATombstoneRemovesIt() {
    write("s1", good("s1", "active"));
    write("s2", good("s2", "active"));
    assertThat(candidatesFor("active")).containsExactlyInAnyOrder("s1", "s2");
    write("s1", "{oops");
    write("s2", null);
    assertThat(candidatesFor("active")).isEmpty();
    assertThat(told).hasSize(1);
    write("s1", good("s1", "active"));
    assertThat(candidatesFor("active")).containsExactly("s1");
  }

  @Test
  void pendingRejectionsAreBounded() {
    for (int i = 0; i < SubscriptionTable.MAX_PENDING_REJECTIONS + 10; i++) {
      write("bad-" + i, "nope");
    }
    List<SubscriptionTable.Rejected> pending = table.takeRejected();
    assertThat(told).hasSize(SubscriptionTable.MAX_PENDING_REJECTIONS + 10);
    assertThat(pending).hasSize(SubscriptionTable.MAX_PENDING_REJECTIONS);
    assertThat(pending.get(pending.size() - 1).record().key())
        .isEqualTo("bad-" + (told.size() - 1));
  }

  private static String reason(List<SubscriptionTable.Rejected> rejected, String key) {
    return rejected.stream()
        .filter(r -> key.equals(r.record().key()))
        .findFirst()
        .orElseThrow()
        .reason();
  }
}
