package io.connectmqtt.entitysync.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.BrokerAtStart;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.testkit.FakeSinkTaskContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The notify sink task never fails on what clients wrote: bad change events and bad subscription
 * records are skipped, counted, committed past, and reported as errant records when
 * errors.tolerance=all. Notifications are published on a {@link FakeMqttConnection}, offsets
 * committed once it acknowledged them, and the subscription table is fed directly: no broker, no
 * Kafka.
 */
class EntityNotifySinkTaskTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CHANGES = "entity-changes";

  private EntityNotifySinkTask task;
  private SubscriptionTable table;
  private FakeSinkTaskContext context;
  private final FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
  private long offset;

  private void start(boolean tolerateAll) {
    start(tolerateAll, broker);
  }

  private void start(boolean tolerateAll, FakeMqttConnection.Factory broker) {
    Map<String, String> props = new HashMap<>();
    props.put("name", "notify-unit-" + tolerateAll);
    props.put("mqtt.server.uris", "tcp://fake-broker:1883");
    props.put("entity.notify.subscriptions.bootstrap.servers", "127.0.0.1:1");
    if (tolerateAll) {
      props.put("errors.tolerance", "all");
      props.put("errors.deadletterqueue.topic.name", "notify-dlq");
    }
    context = new FakeSinkTaskContext(props, Set.of(new TopicPartition(CHANGES, 0)));
    task =
        new EntityNotifySinkTask(
            rejections -> {
              table = new SubscriptionTable("entity-subscriptions", rejections);
              return table;
            },
            broker);
    task.initialize(context);
    task.start(props);
  }

  @AfterEach
  void stop() {
    if (task != null) {
      task.stop();
    }
  }

  private void subscribe(String key, String value) {
    table.apply(
        new ConsumerRecord<>(
            "entity-subscriptions",
            0,
            offset++,
            key,
            value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
  }

  private static SinkRecord change(long offset, Object value) {
    return new SinkRecord(CHANGES, 0, null, "k" + offset, null, value, offset);
  }

  private static String event(String op, String after) {
    return "{\"op\":\""
        + op
        + "\",\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\"1\",\"before\":null,"
        + "\"after\":"
        + after
        + "}";
  }

  /**
   * Change events a client can bring about, or that are simply broken; none matches a subscription.
   */
  private static List<SinkRecord> badEvents() {
    return List.of(
        change(0, "{\"op\":".getBytes(StandardCharsets.UTF_8)),
        change(1, "[1,2,3]"),
        change(2, event("upsert", "{\"id\":1}")),
        change(3, "{\"op\":\"create\",\"after\":{\"id\":1}}"),
        change(4, event("create", "\"not a row\"")),
        change(5, event("create", "{\"id\":1,\"score\":1e99999999999}")),
        change(6, "[".repeat(5_000) + "]".repeat(5_000)),
        change(7, 42L));
  }

  @Test
  void badChangeEventsAreSkippedAndCommittedWithoutTolerance() {
    start(false);
    List<SinkRecord> records = new ArrayList<>(badEvents());
    records.add(change(8, event("create", "{\"id\":1,\"status\":\"1e999999999\"}")));
    subscribe("s1", subscription("s1", "status", "eq", "\"closed\""));
    task.put(records);
    TopicPartition partition = new TopicPartition(CHANGES, 0);
    Map<TopicPartition, OffsetAndMetadata> committable =
        task.preCommit(Map.of(partition, new OffsetAndMetadata(9)));
    assertThat(committable).containsEntry(partition, new OffsetAndMetadata(9));
    assertThat(task.metrics().value("errors-total")).isEqualTo(8.0);
    assertThat(context.reported)
        .as("no tolerance: Connect's reporter would fail the task")
        .isEmpty();
  }

  @Test
  void badChangeEventsAreReportedWithTheirReasonUnderTolerance() {
    start(true);
    task.put(badEvents());
    assertThat(context.reported)
        .extracting(SinkRecord::kafkaOffset)
        .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(context.reasons.get(0).getMessage()).contains("not JSON");
    assertThat(context.reasons.get(2).getMessage()).contains("unknown op 'upsert'");
    assertThat(context.reasons.get(3).getMessage()).contains("no entity");
    assertThat(context.reasons.get(4).getMessage()).contains("'after' is not an object");
    assertThat(context.reasons.get(7).getMessage()).contains("Long, not a JSON document");
    assertThat(task.metrics().value("errors-total")).isEqualTo(8.0);
  }

  @Test
  void badSubscriptionRecordsAreCountedAndReportedOnceFromTheTaskThread() {
    start(true);
    subscribe("bad-json", "{\"client_id\":");
    subscribe("bad-op", subscription("bad-op", "status", "regex", "\".*\""));
    subscribe("good", subscription("good", "status", "eq", "\"1e999999999\""));
    assertThat(task.metrics().value("subscriptions-skipped-total")).isEqualTo(2.0);
    assertThat(context.reported).as("reported on the task's thread, at the next put").isEmpty();
    task.put(List.of());
    assertThat(context.reported)
        .extracting(
            SinkRecord::topic,
            SinkRecord::kafkaPartition,
            SinkRecord::kafkaOffset,
            r -> (String) r.key())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("entity-subscriptions", 0, 0L, "bad-json"),
            org.assertj.core.groups.Tuple.tuple("entity-subscriptions", 0, 1L, "bad-op"));
    assertThat(context.reported.get(0).value()).isEqualTo("{\"client_id\":");
    assertThat(context.reasons.get(1).getMessage())
        .contains("entity-subscriptions-0@1")
        .contains("regex");
    task.put(List.of());
    assertThat(context.reported).as("once").hasSize(2);
  }

  @Test
  void aMatchingChangeIsPublishedAndItsOffsetCommittableOnlyOnceTheBrokerAcknowledged()
      throws Exception {
    start(false);
    FakeMqttConnection connection = broker.first();
    subscribe("open", subscription("open", "status", "eq", "\"open\""));
    TopicPartition partition = new TopicPartition(CHANGES, 0);

    task.put(
        List.of(
            change(0, event("create", "{\"id\":1,\"status\":\"open\"}")),
            change(1, event("create", "{\"id\":2,\"status\":\"closed\"}"))));

    assertThat(connection.published()).as("only the matching change").hasSize(1);
    OutboundMessage notification = connection.published().get(0).message();
    assertThat(notification.topic()).isEqualTo("spec/c1/notify/open");
    JsonNode body = JSON.readTree(notification.payload());
    assertThat(body.path("subscription_id").asText()).isEqualTo("open");
    assertThat(body.path("data").path("id").asInt()).isEqualTo(1);
    Map<TopicPartition, OffsetAndMetadata> current = Map.of(partition, new OffsetAndMetadata(2));
    assertThat(task.preCommit(current))
        .as("the notification of offset 0 not acknowledged yet")
        .doesNotContainKey(partition);
    connection.acknowledge(0);
    assertThat(task.preCommit(current)).containsEntry(partition, new OffsetAndMetadata(2));

    task.stop();
    task = null;
    assertThat(connection.closed()).as("stop closes the connection").isTrue();
  }

  @Test
  void aNotificationTheBrokerRefusesIsSkippedCountedAndCommittedPast() {
    start(false);
    FakeMqttConnection connection = broker.first();
    subscribe("open", subscription("open", "status", "eq", "\"open\""));
    TopicPartition partition = new TopicPartition(CHANGES, 0);

    task.put(List.of(change(0, event("create", "{\"id\":1,\"status\":\"open\"}"))));
    connection.refuse(0, "PUBACK NOT_AUTHORIZED");
    task.put(List.of(change(1, event("create", "{\"id\":2,\"status\":\"open\"}"))));
    connection.acknowledge(1);

    assertThat(connection.published()).as("the next change is still published").hasSize(2);
    assertThat(task.preCommit(Map.of(partition, new OffsetAndMetadata(2))))
        .as("the refused notification holds no offset back")
        .containsEntry(partition, new OffsetAndMetadata(2));
    assertThat(task.metrics().value("messages-refused-total")).isEqualTo(1.0);
    assertThat(task.metrics().value("messages-acknowledged-total")).isEqualTo(1.0);
    assertThat(context.reported).as("a refusal is skipped, not a bad record").isEmpty();
  }

  @Test
  void aConnectionRefusedForGoodAtStartFailsTheTask() {
    FakeMqttConnection.Factory refusing = BrokerAtStart.refusingTls();
    BrokerAtStart.assertRefusedForGood(
        () -> start(false, refusing), refusing, "notify-unit-false-0");
  }

  @Test
  void aConnectionLostForGoodFailsTheNextPut() {
    start(false);
    subscribe("open", subscription("open", "status", "eq", "\"open\""));
    broker.first().failFatally(new IllegalStateException("not authorized any more"));
    assertThatThrownBy(
            () -> task.put(List.of(change(0, event("create", "{\"id\":1,\"status\":\"open\"}")))))
        .isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("MQTT broker refused the connection for good")
        .hasMessageContaining("not authorized any more");
    assertThat(broker.first().published()).as("nothing published after").isEmpty();
  }

  @Test
  void goodSubscriptionsStillMatchWithSqlSemantics() throws Exception {
    start(false);
    subscribe("huge", subscription("huge", "status", "eq", "\"1e999999999\""));
    subscribe("padded", subscription("padded", "code", "eq", "\"007\""));
    subscribe("score", subscription("score", "score", "eq", "\"7\""));
    subscribe("like", subscription("like", "status", "like", "\"%a%a%a%a%a%a%a%a%a%a%a%a%b\""));
    assertThat(
            ids(
                task.messagesFor(
                    change(0, event("create", "{\"id\":1,\"status\":\"1e999999999\"}")))))
        .containsExactly("huge");
    assertThat(
            ids(
                task.messagesFor(
                    change(1, event("create", "{\"id\":1,\"status\":\"1E+999999999\"}")))))
        .as("text is text")
        .isEmpty();
    assertThat(
            ids(
                task.messagesFor(
                    change(2, event("create", "{\"id\":1,\"code\":\"7\",\"score\":7.00}")))))
        .as("'7' is not '007'; 7.00 = '7' for a numeric column")
        .containsExactly("score");
    assertThat(
            ids(
                task.messagesFor(
                    change(
                        3, event("create", "{\"id\":1,\"code\":\"007\",\"score\":1e-999999999}")))))
        .containsExactly("padded");
    String as = "a".repeat(10_000);
    assertThat(
            ids(
                task.messagesFor(
                    change(4, event("create", "{\"id\":1,\"status\":\"" + as + "\"}")))))
        .isEmpty();
    assertThat(
            ids(
                task.messagesFor(
                    change(5, event("create", "{\"id\":1,\"status\":\"" + as + "b\"}")))))
        .containsExactly("like");
    OutboundMessage message =
        task.messagesFor(change(6, event("create", "{\"id\":1,\"status\":\"1e999999999\"}")))
            .get(0);
    assertThat(message.topic()).isEqualTo("spec/c1/notify/huge");
    JsonNode notification = JSON.readTree(message.payload());
    assertThat(notification.path("data").path("status").asText()).isEqualTo("1e999999999");
  }

  /**
   * Version 1 events: a row moving out of a filter leaves with its key only, one moving in arrives
   * as a create.
   */
  @Test
  void aRowLeavingAFilterSaysSoWithItsKeyOnlyAndOneEnteringArrivesAsACreate() throws Exception {
    start(false);
    subscribe("tenant-a", typedSubscription("tenant-a", "tenant", "eq", "\"a\"", "text"));
    subscribe("tenant-b", typedSubscription("tenant-b", "tenant", "eq", "\"b\"", "text"));
    String moved =
        update(
            "{\"id\":1,\"tenant\":\"a\",\"secret\":\"old\"}",
            "{\"id\":1,\"tenant\":\"b\",\"secret\":\"new\"}");
    Map<String, JsonNode> byId = bySubscription(task.messagesFor(change(0, moved)));
    assertThat(byId).containsOnlyKeys("tenant-a", "tenant-b");
    assertThat(byId.get("tenant-a").path("operation").asText()).isEqualTo("leave");
    assertThat(byId.get("tenant-a").path("data").toString())
        .as("the key only: nothing of the row's new content")
        .isEqualTo("{\"id\":1}");
    assertThat(byId.get("tenant-b").path("operation").asText()).isEqualTo("create");
    assertThat(byId.get("tenant-b").path("data").path("secret").asText()).isEqualTo("new");
    String stays =
        update(
            "{\"id\":1,\"tenant\":\"b\",\"secret\":\"new\"}",
            "{\"id\":1,\"tenant\":\"b\",\"secret\":\"newer\"}");
    byId = bySubscription(task.messagesFor(change(1, stays)));
    assertThat(byId).containsOnlyKeys("tenant-b");
    assertThat(byId.get("tenant-b").path("operation").asText()).isEqualTo("update");
  }

  @Test
  void withoutARowBeforeTheUpdateOnlyAMatchingRowNotifiesAsAnUpdate() throws Exception {
    start(false);
    subscribe("tenant-a", typedSubscription("tenant-a", "tenant", "eq", "\"a\"", "text"));
    String debezium =
        "{\"op\":\"u\",\"source\":{\"schema\":\"public\",\"table\":\"users\"},\"before\":null,"
            + "\"after\":{\"id\":1,\"tenant\":\"%s\"}}";
    assertThat(ids(task.messagesFor(change(0, debezium.formatted("b")))))
        .as("left or never matched: unknown")
        .isEmpty();
    List<OutboundMessage> messages = task.messagesFor(change(1, debezium.formatted("a")));
    assertThat(JSON.readTree(messages.get(0).payload()).path("operation").asText())
        .isEqualTo("update");
  }

  @Test
  void debeziumLeavesCarryTheRecordKey() throws Exception {
    start(false);
    subscribe("tenant-a", subscription("tenant-a", "tenant", "eq", "\"a\""));
    String event =
        "{\"op\":\"u\",\"source\":{\"schema\":\"public\",\"table\":\"users\"},"
            + "\"before\":{\"id\":7,\"tenant\":\"a\"},\"after\":{\"id\":7,\"tenant\":\"b\"}}";
    SinkRecord record =
        new SinkRecord(
            CHANGES,
            0,
            null,
            "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":7}}",
            null,
            event,
            0);
    JsonNode leave = JSON.readTree(task.messagesFor(record).get(0).payload());
    assertThat(leave.path("operation").asText()).isEqualTo("leave");
    assertThat(leave.path("data").toString()).isEqualTo("{\"id\":7}");
  }

  /**
   * Version 1: column types in the subscription, decimals as exact text in the event, exact numbers
   * out.
   */
  @Test
  void typedSubscriptionsAndExactDecimals() throws Exception {
    start(false);
    subscribe("at", typedSubscription("at", "at", "eq", "\"2024-01-01T10:00:00\"", "timestamp"));
    subscribe(
        "big", typedSubscription("big", "score", "eq", "\"123456789012345678.25\"", "decimal"));
    subscribe("gt", typedSubscription("gt", "score", "gt", "\"123456789012345678.2\"", "decimal"));
    String event =
        "{\"v\":1,\"op\":\"create\",\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\"1\","
            + "\"primary_key\":\"id\",\"types\":{\"id\":\"integer\",\"score\":\"decimal\",\"at\":\"timestamp\"},"
            + "\"before\":null,\"after\":{\"id\":1,\"score\":\"123456789012345678.25\",\"at\":\"2024-01-01T10:00\"}}";
    Map<String, JsonNode> byId = bySubscription(task.messagesFor(change(0, event)));
    assertThat(byId)
        .as("10:00 is 10:00:00; 18 digits before the point kept")
        .containsOnlyKeys("at", "big", "gt");
    assertThat(
            new String(task.messagesFor(change(1, event)).get(0).payload(), StandardCharsets.UTF_8))
        .as("the decimal reaches the subscriber as an exact JSON number")
        .contains("\"score\":123456789012345678.25");
  }

  @Test
  void recordsOfAnUnknownVersionAreSkipped() throws Exception {
    start(false);
    subscribe(
        "future",
        typedSubscription("future", "tenant", "eq", "\"a\"", "text").replace("\"v\":1", "\"v\":2"));
    assertThat(task.metrics().value("subscriptions-skipped-total")).isEqualTo(1.0);
    String event =
        "{\"v\":2,\"op\":\"create\",\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\"1\","
            + "\"before\":null,\"after\":{\"id\":1}}";
    task.put(List.of(change(0, event)));
    assertThat(task.metrics().value("errors-total")).isEqualTo(1.0);
  }

  private static String update(String before, String after) {
    return "{\"v\":1,\"op\":\"update\",\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\"1\","
        + "\"primary_key\":\"id\",\"types\":{\"id\":\"integer\",\"tenant\":\"text\",\"secret\":\"text\"},"
        + "\"before\":"
        + before
        + ",\"after\":"
        + after
        + "}";
  }

  private static String typedSubscription(
      String id, String column, String operator, String value, String type) {
    return subscription(id, column, operator, value)
        .replace("{\"subscription_id\"", "{\"v\":1,\"subscription_id\"")
        .replaceFirst(
            "}$", ",\"database\":\"postgresql\",\"types\":{\"" + column + "\":\"" + type + "\"}}");
  }

  private static Map<String, JsonNode> bySubscription(List<OutboundMessage> messages)
      throws Exception {
    Map<String, JsonNode> byId = new HashMap<>();
    for (OutboundMessage message : messages) {
      JsonNode notification = JSON.readTree(message.payload());
      byId.put(notification.path("subscription_id").asText(), notification);
    }
    return byId;
  }

  private static String subscription(String id, String column, String operator, String value) {
    return "{\"subscription_id\":\""
        + id
        + "\",\"client_id\":\"c1\",\"schema\":\"public\",\"entity\":\"users\","
        + "\"notify_topic\":\"spec/c1/notify/"
        + id
        + "\",\"filters\":[{\"column\":\""
        + column
        + "\","
        + "\"operator\":\""
        + operator
        + "\",\"value\":"
        + value
        + "}]}";
  }

  private static List<String> ids(List<OutboundMessage> messages) throws Exception {
    List<String> ids = new ArrayList<>();
    for (OutboundMessage message : messages) {
      ids.add(JSON.readTree(message.payload()).path("subscription_id").asText());
    }
    return ids;
  }
}
