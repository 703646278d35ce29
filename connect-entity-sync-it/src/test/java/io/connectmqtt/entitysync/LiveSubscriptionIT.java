package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Subscriptions over MQTT, notifications from the notify sink, ownership, and cleanup by the Will
 * message.
 *
 * <p>Kafka and the worker are the module's {@link SharedFixtures}; connectors and topics are named
 * {@code live-*}; HiveMQ and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class LiveSubscriptionIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static HiveMqBroker hivemq;
  private static PostgresDatabase postgres;
  private static final String SYNC = "live-sync";
  private static final String SYNC_TTL = "live-sync-ttl";
  private static final String NOTIFY = "live-notify";
  private static final String CHANGES = "live-changes";
  private static final String TTL_CHANGES = "live-ttl-changes";
  private static final String SUBSCRIPTIONS = "live-subscriptions";
  private static final String APP_MESSAGES = "live-app-messages";
  private static ProcessStack stack;
  private static ConnectRest.Deletion connectors;

  @BeforeAll
  static void start() throws Exception {
    hivemq = HiveMqBroker.start();
    postgres = PostgresDatabase.start();
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    connectors = stack.rest().deletingOnClose(SYNC, SYNC_TTL, NOTIFY);
    Sql.execute(
        postgres::connection,
        "create table public.users (id serial primary key, name varchar(50), status varchar(20))");
    stack.topics().create(CHANGES, 3);
    stack.topics().createCompacted(SUBSCRIPTIONS);
    Map<String, String> sync =
        OpenEntitySync.topics(
            OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.users"),
            CHANGES,
            SUBSCRIPTIONS);
    stack.rest().createOrReplace(SYNC, sync);
    Map<String, String> expiring = new HashMap<>(sync);
    expiring.put("entity.sync.topic.prefix", "ttl");
    expiring.put("entity.sync.changes.topic", TTL_CHANGES);
    expiring.put("entity.sync.state.table", "ttl_requests");
    expiring.put("entity.sync.subscription.ttl.seconds", "6");
    expiring.put("entity.sync.passthrough.topic", APP_MESSAGES);
    stack.topics().create(TTL_CHANGES, 1);
    stack.topics().create(APP_MESSAGES, 1);
    stack.rest().createOrReplace(SYNC_TTL, expiring);
    Map<String, String> notify =
        OpenEntitySync.notifySink(
            hivemq.uri(), stack.bootstrapServers(), CHANGES + "," + TTL_CHANGES, SUBSCRIPTIONS);
    stack.rest().createOrReplace(NOTIFY, notify);
    stack.rest().awaitRunning(SYNC, 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning(NOTIFY, 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning(SYNC_TTL, 1, Duration.ofSeconds(90));
    for (String prefix : List.of("spec", "ttl")) {
      try (ProtocolClient probe = new ProtocolClient(hivemq.port(), prefix, "live-probe")) {
        probe.awaitServed();
      }
    }
  }

  @AfterAll
  static void stop() {
    TestResources.closeAll(connectors, hivemq, postgres);
  }

  private static JsonNode send(ProtocolClient client, String id, String body) {
    return client.send("{\"id\":\"" + id + "\"," + body + "}", id);
  }

  private static ProtocolClient client(String prefix, String cid) {
    return new ProtocolClient(hivemq.port(), prefix, cid);
  }

  private static MqttRecorder inbox(String prefix, String cid) {
    return Notifications.inbox(hivemq.port(), prefix, cid);
  }

  /** Subscribes {@code client} to the users matching {@code filters} (a JSON array). */
  private static JsonNode subscribe(ProtocolClient client, String id, String filters) {
    return send(
        client,
        id,
        "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"users\","
            + "\"options\":{\"filters\":"
            + filters
            + "}");
  }

  @Test
  void subscriberGetsExactlyTheMatchingChangesInOrderAndOnlyTheOwnerCanCancel() throws Exception {
    try (ProtocolClient a = client("spec", "alice");
        ProtocolClient b = client("spec", "bob");
        MqttRecorder notifications = inbox("spec", "alice")) {
      JsonNode subscribed =
          subscribe(a, "s1", "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"active\"}]");
      assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
      String sid = subscribed.path("data").path("subscription_id").asText();
      assertThat(subscribed.path("data").path("notify_topic").asText())
          .isEqualTo("spec/alice/notify/" + sid);

      String create =
          "\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\",\"data\":";
      long ann =
          send(b, "c1", create + "{\"name\":\"Ann\",\"status\":\"active\"}")
              .path("data")
              .path("id")
              .asLong();
      long ivo =
          send(b, "c2", create + "{\"name\":\"Ivo\",\"status\":\"inactive\"}")
              .path("data")
              .path("id")
              .asLong();
      String update = "\"type\":\"request\",\"operation\":\"update\",\"entity\":\"users\",";
      send(b, "u1", update + "\"record_id\":" + ivo + ",\"data\":{\"status\":\"active\"}");
      send(b, "u2", update + "\"record_id\":" + ann + ",\"data\":{\"status\":\"inactive\"}");
      send(b, "u3", update + "\"record_id\":" + ann + ",\"data\":{\"name\":\"Ann B.\"}");
      String delete = "\"type\":\"request\",\"operation\":\"delete\",\"entity\":\"users\",";
      send(b, "d1", delete + "\"record_id\":" + ivo);
      send(b, "d2", delete + "\"record_id\":" + ann);

      // Expected: create Ann (active), create Ivo (entered: now active), Ann leaves (key only: no
      // longer active),
      // delete Ivo (was active); nothing for Ann's rename, which she made outside the filter.
      List<Mqtt5Publish> received = notifications.awaitAtLeast(4, Duration.ofSeconds(30));
      Thread.sleep(2_000);
      List<String> seen = new ArrayList<>();
      for (Mqtt5Publish publish : notifications.received()) {
        assertThat(publish.getTopic().toString()).isEqualTo("spec/alice/notify/" + sid);
        JsonNode n = JSON.readTree(publish.getPayloadAsBytes());
        assertThat(n.path("type").asText()).isEqualTo("notification");
        assertThat(n.path("subscription_id").asText()).isEqualTo(sid);
        assertThat(n.path("entity").asText()).isEqualTo("users");
        seen.add(Notifications.summary(n));
      }
      assertThat(seen)
          .containsExactlyInAnyOrder(
              "create:Ann:active", "create:Ivo:active", "leave::", "delete:Ivo:active");
      assertThat(seen.indexOf("create:Ivo:active")).isLessThan(seen.indexOf("delete:Ivo:active"));
      assertThat(seen.indexOf("create:Ann:active")).isLessThan(seen.indexOf("leave::"));

      JsonNode stolen =
          send(
              b,
              "x1",
              "\"type\":\"subscription\",\"operation\":\"unsubscribe\",\"subscription_id\":\""
                  + sid
                  + "\"");
      assertThat(stolen.path("error").path("code").asText()).isEqualTo("subscription_not_found");
      JsonNode own =
          send(
              a,
              "x2",
              "\"type\":\"subscription\",\"operation\":\"unsubscribe\",\"data\":"
                  + "{\"subscription_id\":\""
                  + sid
                  + "\"}");
      assertThat(own.path("data").path("unsubscribed").asBoolean()).isTrue();
      int before = notifications.received().size();
      send(b, "c3", create + "{\"name\":\"Zoe\",\"status\":\"active\"}");
      // Negative check: nothing signals that a notification will not come. A sentinel cannot share
      // its path: the notify topic is per subscription (MQTT orders only within a topic) and this
      // one
      // is cancelled, and a change to another row may take another of live-changes' 3 partitions.
      Thread.sleep(3_000);
      assertThat(notifications.received())
          .as("no notification after unsubscribing")
          .hasSize(before);

      JsonNode invalid =
          subscribe(a, "s2", "[{\"column\":\"pasword\",\"operator\":\"eq\",\"value\":\"x\"}]");
      assertThat(invalid.path("error").path("code").asText()).isEqualTo("invalid_column");
    }
  }

  /**
   * Issue 11: a row that leaves a subscriber's filter says so with its key only, and one that
   * enters arrives as a create. One row moves between two "tenants" (status) and back; every change
   * of one row is one Kafka key, so each subscriber's notifications arrive in order, and the last
   * change (a name both filters accept) is a sentinel for both: everything before it has arrived,
   * and nothing else did.
   */
  @Test
  void aRowThatLeavesAFilterSaysSoWithItsKeyOnlyAndOneThatEntersArrivesAsACreate()
      throws Exception {
    try (ProtocolClient tess = client("spec", "tess");
        ProtocolClient uma = client("spec", "uma");
        ProtocolClient writer = client("spec", "mover");
        MqttRecorder tessInbox = inbox("spec", "tess");
        MqttRecorder umaInbox = inbox("spec", "uma")) {
      for (JsonNode reply :
          List.of(
              subscribe(
                  tess,
                  "t1",
                  "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"tenant-a\"}]"),
              subscribe(
                  uma,
                  "u1",
                  "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"tenant-b\"},"
                      + "{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"sentinel\",\"logic_operator\":\"OR\"}]"))) {
        assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
      }
      long id =
          send(
                  writer,
                  "m1",
                  "\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\",\"data\":"
                      + "{\"name\":\"x1\",\"status\":\"tenant-a\"}")
              .path("data")
              .path("id")
              .asLong();
      String update =
          "\"type\":\"request\",\"operation\":\"update\",\"entity\":\"users\",\"record_id\":"
              + id
              + ",\"data\":";
      send(writer, "m2", update + "{\"name\":\"secret-of-b\",\"status\":\"tenant-b\"}");
      send(writer, "m3", update + "{\"name\":\"x3\"}");
      send(writer, "m4", update + "{\"name\":\"x4\",\"status\":\"tenant-a\"}");
      send(writer, "m5", update + "{\"name\":\"sentinel\"}");

      List<String> tessSaw = awaitSentinel(tessInbox);
      List<String> umaSaw = awaitSentinel(umaInbox);
      // operation:id:name:status:number of fields in data
      assertThat(tessSaw)
          .containsExactly(
              "create:" + id + ":x1:tenant-a:3",
              "leave:" + id + ":::1",
              "create:" + id + ":x4:tenant-a:3",
              "update:" + id + ":sentinel:tenant-a:3");
      assertThat(umaSaw)
          .containsExactly(
              "create:" + id + ":secret-of-b:tenant-b:3",
              "update:" + id + ":x3:tenant-b:3",
              "leave:" + id + ":::1",
              "create:" + id + ":sentinel:tenant-a:3");
      assertThat(String.join(" ", tessSaw))
          .as("tenant-a never sees what the row became in tenant-b")
          .doesNotContain("secret-of-b")
          .doesNotContain("x3");
    }
  }

  /**
   * "operation:id:name:status:fields" of every notification, once the one whose row is named
   * "sentinel" is in.
   */
  private static List<String> awaitSentinel(MqttRecorder inbox) throws Exception {
    Awaitility.await("the sentinel notification")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> names(inbox).contains("sentinel"));
    List<String> seen = new ArrayList<>();
    for (Mqtt5Publish publish : List.copyOf(inbox.received())) {
      JsonNode notification = JSON.readTree(publish.getPayloadAsBytes());
      JsonNode data = notification.path("data");
      seen.add(
          notification.path("operation").asText()
              + ":"
              + data.path("id").asText()
              + ":"
              + data.path("name").asText()
              + ":"
              + data.path("status").asText()
              + ":"
              + data.size());
      if (notification.path("operation").asText().equals("leave")) {
        assertThat(notification.toString())
            .as("a leave never carries the row's content")
            .doesNotContain("tenant-")
            .doesNotContain("\"name\"");
      }
    }
    return seen;
  }

  /**
   * Issue 11: one subscribe request (text equality with a huge exponent) failed the notify sink for
   * good, and a LIKE pattern with many '%' stalled it. Both are ordinary subscriptions now;
   * everyone else's notifications flow, and a sentinel, last in line, says when everything before
   * it was processed.
   */
  @Test
  void hostileLookingSubscriptionsNeitherFailNorStallTheNotifySink() throws Exception {
    try (ProtocolClient mallory = client("spec", "mallory");
        ProtocolClient hana = client("spec", "hana");
        MqttRecorder malloryInbox = inbox("spec", "mallory");
        MqttRecorder hanaInbox = inbox("spec", "hana")) {
      for (JsonNode reply :
          List.of(
              subscribe(
                  mallory,
                  "m1",
                  "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"1e999999999\"}]"),
              subscribe(
                  mallory,
                  "m2",
                  "[{\"column\":\"name\",\"operator\":\"like\","
                      + "\"value\":\"%a%a%a%a%a%a%a%a%a%a%a%a%b\"}]"),
              subscribe(
                  hana, "h1", "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"7\"}]"),
              subscribe(
                  hana,
                  "h2",
                  "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"sentinel\"}]"))) {
        assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
      }
      String create =
          "\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\",\"data\":";
      String as = "a".repeat(49);
      send(hana, "w1", create + "{\"name\":\"" + as + "\",\"status\":\"1e999999999\"}");
      send(hana, "w2", create + "{\"name\":\"" + as + "b\",\"status\":\"1e100000000\"}");
      send(hana, "w3", create + "{\"name\":\"padded\",\"status\":\"007\"}");
      send(hana, "w4", create + "{\"name\":\"plain\",\"status\":\"7\"}");
      send(hana, "w5", create + "{\"name\":\"sentinel\",\"status\":\"done\"}");

      // Rows of different keys are in different partitions of live-changes: their order is not
      // kept, so the
      // sentinel tells that the writes before it were processed only once 'plain' is there too.
      Awaitility.await("the sentinel notification")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> names(hanaInbox).containsAll(List.of("plain", "sentinel")));
      assertThat(stack.rest().taskState(NOTIFY)).isEqualTo("RUNNING");
      assertThat(names(hanaInbox))
          .as("'007' is not '7' in a text column")
          .containsExactlyInAnyOrder("plain", "sentinel");
      Awaitility.await("mallory's two notifications")
          .atMost(Duration.ofSeconds(10))
          .until(() -> names(malloryInbox).size() >= 2);
      assertThat(names(malloryInbox)).containsExactlyInAnyOrder(as, as + "b");
    }
  }

  private static List<String> names(MqttRecorder inbox) throws java.io.IOException {
    List<String> names = new ArrayList<>();
    for (Mqtt5Publish publish : List.copyOf(inbox.received())) {
      names.add(JSON.readTree(publish.getPayloadAsBytes()).path("data").path("name").asText());
    }
    return names;
  }

  @Test
  void aClientThatDropsItsSocketLosesItsSubscriptionsThroughItsWillMessage() throws Exception {
    MosquittoBroker.assumeAvailable();
    Process holder =
        new ProcessBuilder(
                MosquittoBroker.SUB.toString(),
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(hivemq.port()),
                "-i",
                "carol-device",
                "-t",
                "spec/carol/notify/#",
                "--will-topic",
                "spec/carol/request",
                "--will-payload",
                "{\"id\":\"will\",\"type\":\"disconnect\"}",
                "--will-qos",
                "1")
            .redirectErrorStream(true)
            .start();
    try (ProtocolClient carol = client("spec", "carol")) {
      // Time for mosquitto_sub to connect with its Will: it prints nothing when the broker accepts
      // it.
      Thread.sleep(1_000);
      String sid =
          send(
                  carol,
                  "s1",
                  "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"users\"")
              .path("data")
              .path("subscription_id")
              .asText();
      assertThat(sid).isNotEmpty();
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      Awaitility.await("tombstone for " + sid)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                List<ConsumerRecord<byte[], byte[]>> records =
                    stack.topics().readAll(SUBSCRIPTIONS, 1, Duration.ofSeconds(2));
                ConsumerRecord<byte[], byte[]> last = null;
                for (ConsumerRecord<byte[], byte[]> record : records) {
                  if (sid.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    last = record;
                  }
                }
                return last != null && last.value() == null;
              });
    } finally {
      holder.destroyForcibly();
    }
  }

  /** The last value of each key on the subscriptions topic (null for a tombstone). */
  private static Map<String, byte[]> subscriptionsTopic() {
    Map<String, byte[]> latest = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record :
        stack.topics().readAll(SUBSCRIPTIONS, 1, Duration.ofSeconds(2))) {
      latest.put(new String(record.key(), StandardCharsets.UTF_8), record.value());
    }
    return latest;
  }

  @Test
  void aRedeliveredSubscribeIsTheSameSubscription() throws Exception {
    try (ProtocolClient dave = client("spec", "dave");
        ProtocolClient writer = client("spec", "writer");
        MqttRecorder inbox = inbox("spec", "dave")) {
      String subscribe =
          "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"users\"";
      JsonNode first = send(dave, "same-id", subscribe);
      JsonNode again = send(dave, "same-id", subscribe);
      assertThat(again.path("data").path("subscription_id").asText())
          .isEqualTo(first.path("data").path("subscription_id").asText());
      JsonNode other = send(dave, "other-id", subscribe);
      assertThat(other.path("data").path("subscription_id").asText())
          .isNotEqualTo(first.path("data").path("subscription_id").asText());
      send(
          dave,
          "drop-other",
          "\"type\":\"subscription\",\"operation\":\"unsubscribe\",\"subscription_id\":\""
              + other.path("data").path("subscription_id").asText()
              + "\"");
      // The unsubscribe reply is not held until the notify sink read the tombstone, so the write
      // below may still be notified on the dropped subscription's topic: only that topic is left
      // out of the count. A second subscription made by the repeat would have an id of its own.
      String droppedTopic =
          "spec/dave/notify/" + other.path("data").path("subscription_id").asText();
      send(
          writer,
          "w1",
          "\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\",\"data\":"
              + "{\"name\":\"Once\",\"status\":\"active\"}");
      String firstTopic = "spec/dave/notify/" + first.path("data").path("subscription_id").asText();
      Awaitility.await("the notification on the subscription")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  inbox.received().stream()
                      .anyMatch(publish -> publish.getTopic().toString().equals(firstTopic)));
      // Negative check for a second notification: it would come on another subscription's notify
      // topic, and MQTT orders messages only within a topic, so no sentinel can come after it.
      Thread.sleep(2_000);
      assertThat(inbox.received())
          .filteredOn(publish -> !publish.getTopic().toString().equals(droppedTopic))
          .as("one notification: the repeat made no second subscription")
          .hasSize(1);
      send(
          dave,
          "bye",
          "\"type\":\"subscription\",\"operation\":\"unsubscribe\",\"subscription_id\":\""
              + first.path("data").path("subscription_id").asText()
              + "\"");
    }
  }

  @Test
  void subscriptionsThatAreNotRenewedExpire() throws Exception {
    try (ProtocolClient erin = client("ttl", "erin");
        ProtocolClient writer = client("ttl", "writer");
        MqttRecorder inbox = inbox("ttl", "erin")) {
      String subscribe =
          "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"users\"";
      JsonNode forgotten = send(erin, "s-forgotten", subscribe);
      JsonNode kept = send(erin, "s-kept", subscribe);
      String forgottenId = forgotten.path("data").path("subscription_id").asText();
      String keptId = kept.path("data").path("subscription_id").asText();
      assertThat(java.time.Instant.parse(kept.path("data").path("expires_at").asText()))
          .isAfter(java.time.Instant.now().plusSeconds(3));
      // Renew one of the two every 2 s for 14 s; the other lapses after 6 s.
      for (int i = 0; i < 7; i++) {
        Thread.sleep(2_000);
        JsonNode renewed =
            send(erin, "renew-" + i, subscribe + ",\"subscription_id\":\"" + keptId + "\"");
        assertThat(renewed.path("data").path("subscription_id").asText())
            .as(renewed.toString())
            .isEqualTo(keptId);
      }
      JsonNode renewForgotten =
          send(erin, "renew-forgotten", subscribe + ",\"subscription_id\":\"" + forgottenId + "\"");
      assertThat(renewForgotten.path("error").path("code").asText())
          .as(renewForgotten.toString())
          .isEqualTo("subscription_not_found");
      JsonNode renewOthers =
          send(writer, "renew-theirs", subscribe + ",\"subscription_id\":\"" + keptId + "\"");
      assertThat(renewOthers.path("error").path("code").asText())
          .as(renewOthers.toString())
          .isEqualTo("subscription_not_found");

      send(
          writer,
          "w1",
          "\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\",\"data\":"
              + "{\"name\":\"Late\",\"status\":\"active\"}");
      inbox.awaitAtLeast(1, Duration.ofSeconds(30));
      // Negative check that the expired subscription gets nothing: its notification would come on
      // its
      // own notify topic, and MQTT orders messages only within a topic, so no sentinel can follow
      // it.
      Thread.sleep(2_000);
      assertThat(inbox.received()).hasSize(1);
      assertThat(inbox.received().get(0).getTopic().toString())
          .isEqualTo("ttl/erin/notify/" + keptId);
      Awaitility.await("tombstone for the expired subscription")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                Map<String, byte[]> latest = subscriptionsTopic();
                return latest.containsKey(forgottenId)
                    && latest.get(forgottenId) == null
                    && latest.get(keptId) != null;
              });
    }
  }

  @Test
  void messagesOfAnApplicationsOwnTypeArePassedThroughToKafka() throws Exception {
    try (ProtocolClient fred = client("ttl", "fred");
        ProtocolClient gina = client("spec", "gina")) {
      JsonNode forwarded =
          fred.send(
              "{\"id\":\"t1\",\"type\":\"telemetry\",\"payload\":{\"battery\":87,"
                  + "\"tags\":[\"a\",\"b\"]}}",
              "t1");
      assertThat(forwarded.path("success").asBoolean()).as(forwarded.toString()).isTrue();
      assertThat(forwarded.path("data").path("forwarded").asBoolean()).isTrue();
      List<ConsumerRecord<byte[], byte[]>> records =
          stack.topics().readAll(APP_MESSAGES, 1, Duration.ofSeconds(30));
      assertThat(records).hasSize(1);
      ConsumerRecord<byte[], byte[]> record = records.get(0);
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("fred");
      assertThat(JSON.readTree(record.value()))
          .isEqualTo(
              JSON.readTree(
                  "{\"id\":\"t1\",\"type\":\"telemetry\","
                      + "\"payload\":{\"battery\":87,\"tags\":[\"a\",\"b\"]}}"));
      assertThat(
              new String(record.headers().lastHeader("mqtt.topic").value(), StandardCharsets.UTF_8))
          .isEqualTo("ttl/fred/request");
      assertThat(
              new String(
                  record.headers().lastHeader("mqtt.client.id").value(), StandardCharsets.UTF_8))
          .isEqualTo("fred");
      // Where no pass-through topic is configured, the same message is refused.
      JsonNode refused = gina.send("{\"id\":\"t2\",\"type\":\"telemetry\"}", "t2");
      assertThat(refused.path("error").path("code").asText()).isEqualTo("invalid_message_type");
    }
  }
}
