package io.connectmqtt.entitysync.notify;

import static io.connectmqtt.testkit.KafkaTopics.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11: what clients write cannot fail the notify sink. Poison subscription records and change
 * events sit in the topics next to good ones; the broker's ACL refuses one subscriber's
 * notifications. The sink stays RUNNING, also after a restart (the compacted topic still holds the
 * poison), good subscribers get exactly their notifications (a sentinel subscription, last in line,
 * says when everything before it was processed), the bad records reach the dead letter topic and
 * the metrics count them.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; the
 * connector and topics are named {@code *-poison}/{@code poison-*}; mosquitto is the test's own.
 */
@ExtendWith(SharedFixtures.class)
class NotifyPoisonIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUBSCRIPTIONS = "poison-subscriptions";
  private static final String CHANGES = "poison-changes";
  private static final String DLQ = "poison-dlq";
  private static MosquittoBroker mosquitto;
  private static ConnectStack stack;

  @BeforeAll
  static void start() throws Exception {
    MosquittoBroker.assumeAvailable();
    Path acl = Files.createTempDirectory(ProjectLayout.scratch("acl-"), "acl").resolve("acl");
    // Anonymous subscribers read everything; the sink's user may not write to spec/denied/...
    Files.writeString(
        acl,
        """
        topic read spec/#
        user notify
        topic write spec/good/#
        topic write spec/sentinel/#
        """);
    mosquitto = MosquittoBroker.startWithAcl(acl, "notify", "notify-pw");
    stack = SharedFixtures.connectStack();
  }

  @AfterAll
  static void stop() {
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  private static String subscription(String id, String client, String filters) {
    return "{\"subscription_id\":\""
        + id
        + "\",\"client_id\":\""
        + client
        + "\",\"schema\":\"public\","
        + "\"entity\":\"users\",\"notify_topic\":\"spec/"
        + client
        + "/notify/"
        + id
        + "\",\"filters\":"
        + filters
        + "}";
  }

  private static String eq(String column, String value) {
    return "[{\"column\":\"" + column + "\",\"operator\":\"eq\",\"value\":" + value + "}]";
  }

  private static String created(long id, String status) {
    return "{\"op\":\"create\",\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\""
        + id
        + "\","
        + "\"before\":null,\"after\":{\"id\":"
        + id
        + ",\"status\":\""
        + status
        + "\"}}";
  }

  private static double metric(String name) throws Exception {
    return ((Number)
            ManagementFactory.getPlatformMBeanServer()
                .getAttribute(
                    new ObjectName(
                        "connect-mqtt:type=mqtt-sink-task-metrics,connector=notify-poison,task=0"),
                    name))
        .doubleValue();
  }

  @Test
  void poisonNeitherFailsNorStallsTheSinkAndGoodSubscribersAreNotified() throws Exception {
    stack.topics().createCompacted(SUBSCRIPTIONS);
    stack.topics().create(CHANGES, 1);
    List<ProducerRecord<byte[], byte[]>> subscriptions =
        new ArrayList<>(
            List.of(
                // The subscription that failed the sink for good: text equality with a huge
                // exponent.
                record(
                    SUBSCRIPTIONS,
                    "huge",
                    subscription("huge", "good", eq("status", "\"1e999999999\""))),
                record(
                    SUBSCRIPTIONS,
                    "big",
                    subscription("big", "good", eq("status", "\"1e100000000\""))),
                record(
                    SUBSCRIPTIONS,
                    "slow",
                    subscription(
                        "slow",
                        "good",
                        "[{\"column\":\"status\",\"operator\":\"like\",\"value\":\"%a%a%a%a%a%a%a%a%a%a%a%a%b\"}]")),
                record(
                    SUBSCRIPTIONS,
                    "active",
                    subscription("active", "good", eq("status", "\"active\""))),
                record(
                    SUBSCRIPTIONS,
                    "denied",
                    subscription("denied", "denied", eq("status", "\"active\""))),
                record(SUBSCRIPTIONS, "bad-json", "{\"client_id\":"),
                record(
                    SUBSCRIPTIONS,
                    "bad-operator",
                    subscription(
                        "bad-operator",
                        "good",
                        "[{\"column\":\"status\",\"operator\":\"regex\",\"value\":\".*\"}]")),
                record(
                    SUBSCRIPTIONS,
                    "bad-escape",
                    subscription(
                        "bad-escape",
                        "good",
                        "[{\"column\":\"status\",\"operator\":\"like\",\"value\":\"a\\\\\"}]")),
                record(
                    SUBSCRIPTIONS,
                    "bad-number",
                    subscription("bad-number", "good", eq("status", "1e99999999999"))),
                record(
                    SUBSCRIPTIONS,
                    "bad-topic",
                    "{\"client_id\":\"good\",\"entity\":\"users\",\"notify_topic\":\"spec/#\"}"),
                record(
                    SUBSCRIPTIONS,
                    "sentinel",
                    subscription("sentinel", "sentinel", eq("status", "\"sentinel\"")))));
    stack.topics().send(subscriptions);

    Map<String, String> config = new HashMap<>();
    config.put("connector.class", EntityNotifySinkConnector.class.getName());
    config.put("topics", CHANGES);
    config.put("mqtt.server.uris", mosquitto.uri());
    config.put("mqtt.username", "notify");
    config.put("mqtt.password", "notify-pw");
    config.put("entity.notify.subscriptions.topic", SUBSCRIPTIONS);
    config.put("entity.notify.subscriptions.bootstrap.servers", stack.bootstrapServers());
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("consumer.override.auto.offset.reset", "earliest");
    config.put("errors.tolerance", "all");
    config.put("errors.deadletterqueue.topic.name", DLQ);
    config.put("errors.deadletterqueue.topic.replication.factor", "1");
    config.put("errors.deadletterqueue.context.headers.enable", "true");

    // One subscriber for both subscriptions' topics. MQTT orders per topic only: every expected
    // notification is awaited, the sentinels among them.
    try (MqttRecorder subscriber =
            MqttRecorder.subscribe("poison-subscriber", mosquitto.port(), "spec/#");
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("notify-poison")) {
      stack.rest().createOrReplace("notify-poison", config);
      stack.rest().awaitRunning("notify-poison", 1, Duration.ofSeconds(90));
      stack
          .topics()
          .send(
              List.of(
                  record(CHANGES, "1", "{\"op\":"),
                  record(CHANGES, "2", created(2, "1e100000000")),
                  record(CHANGES, "3", "{\"op\":\"create\",\"entity\":\"users\",\"after\":[1]}"),
                  record(CHANGES, "4", created(4, "a".repeat(10_000))),
                  record(CHANGES, "5", created(5, "active")),
                  record(CHANGES, "6", created(6, "1e999999999")),
                  record(CHANGES, "7", created(7, "sentinel"))));
      List<String> expected = List.of("big:2", "active:5", "huge:6", "sentinel:7");
      awaitNotified(subscriber, expected);

      assertThat(stack.rest().taskState("notify-poison")).isEqualTo("RUNNING");
      assertThat(notified(subscriber.received())).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(metric("subscriptions-skipped-total")).isEqualTo(5.0);
      // Record 1 is no JSON: Connect's JsonConverter dead-letters it before the task sees it.
      assertThat(metric("errors-total")).as("the change event with a bad row").isEqualTo(1.0);
      // The refusal (PUBACK 0x87) came before the sentinel's PUBACK on the same connection.
      Awaitility.await("refusal counted")
          .atMost(Duration.ofSeconds(10))
          .until(() -> metric("messages-refused-total") == 1.0);

      List<ConsumerRecord<byte[], byte[]>> dead =
          stack.topics().readAll(DLQ, 7, Duration.ofSeconds(30));
      assertThat(dead)
          .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
          .containsExactlyInAnyOrder(
              "bad-json", "bad-operator", "bad-escape", "bad-number", "bad-topic", "1", "3");
      assertThat(reason(dead, "bad-operator"))
          .contains(SUBSCRIPTIONS)
          .contains("unknown operator 'regex'");
      assertThat(reason(dead, "3")).contains("'after' is not an object");

      // The poison is still in the compacted topic: a restarted task reads it again and keeps
      // running.
      stack.rest().restart("notify-poison");
      stack.rest().awaitRunning("notify-poison", 1, Duration.ofSeconds(90));
      stack
          .topics()
          .send(
              List.of(
                  record(CHANGES, "8", created(8, "active")),
                  record(CHANGES, "9", created(9, "sentinel"))));
      List<String> afterRestart =
          List.of("big:2", "active:5", "huge:6", "sentinel:7", "active:8", "sentinel:9");
      awaitNotified(subscriber, afterRestart);
      assertThat(stack.rest().taskState("notify-poison")).isEqualTo("RUNNING");
      assertThat(notified(subscriber.received())).containsExactlyInAnyOrderElementsOf(afterRestart);
    }
  }

  private static void awaitNotified(MqttRecorder subscriber, List<String> expected) {
    Awaitility.await("notifications " + expected)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(() -> assertThat(notified(subscriber.received())).containsAll(expected));
  }

  private static List<String> notified(List<Mqtt5Publish> received) throws java.io.IOException {
    List<String> notified = new ArrayList<>();
    for (Mqtt5Publish publish : List.copyOf(received)) {
      JsonNode notification = JSON.readTree(publish.getPayloadAsBytes());
      notified.add(
          notification.path("subscription_id").asText()
              + ":"
              + notification.path("data").path("id").asText());
    }
    return notified;
  }

  private static String reason(List<ConsumerRecord<byte[], byte[]>> dead, String key) {
    ConsumerRecord<byte[], byte[]> record =
        dead.stream()
            .filter(r -> key.equals(new String(r.key(), StandardCharsets.UTF_8)))
            .findFirst()
            .orElseThrow();
    return new String(
        record.headers().lastHeader("__connect.errors.exception.message").value(),
        StandardCharsets.UTF_8);
  }
}
