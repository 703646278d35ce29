package io.connectmqtt.compat;

import static io.connectmqtt.testkit.EntitySyncRequests.entity;
import static io.connectmqtt.testkit.EntitySyncRequests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.TestBroker;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Entity sync in the worker: create, read, update and delete of one row over MQTT against
 * PostgreSQL, each answered, and one change event in Kafka per write.
 */
final class EntitySyncCrud {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a run measured, for the matrix. */
  record Result(int answered, int changeEvents) {}

  private EntitySyncCrud() {}

  static Result run(ProcessStack stack, TestBroker broker, PostgresDatabase postgres, String tag)
      throws Exception {
    String table = "items_" + tag;
    String changes = "compat-" + tag + "-changes";
    // Each version its own topic prefix (a shared subscription left by an earlier worker must not
    // take requests), client, and state tables: rows run at once against one database, and
    // connectors with the same state table share its outbox, whose relay sends every connector's
    // change events to its own topic.
    String prefix = "compat-" + tag;
    String cid = "shop-" + tag;
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "create table public."
              + table
              + " (id bigserial primary key, name varchar(50) not null, qty integer not null)");
    }
    stack.topics().create(changes, 1);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.connectmqtt.entitysync.EntitySyncConnector");
    config.put("tasks.max", "1");
    // Open access on purpose: this client sends no token.
    config.put("entity.sync.auth", "none");
    config.put("entity.sync.topic.prefix", prefix);
    config.put("mqtt.server.uris", broker.uri());
    config.put("mqtt.client.id", "compat-sync-" + tag);
    config.put("entity.sync.changes.topic", changes);
    config.put("entity.sync.state.table", "compat_" + tag + "_requests");
    config.put("database.url", postgres.jdbcUrl());
    config.put("database.user", "postgres");
    config.put("entities", "public." + table);
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    stack.rest().createOrReplace("compat-sync-" + tag, config);
    stack.rest().awaitRunning("compat-sync-" + tag, 1, Duration.ofSeconds(90));
    // The processor subscribes once connected, after RUNNING; the task logs it, nothing else tells.
    WorkerLog.await(stack, "subscribed to", prefix + "/+/request");

    Mqtt5BlockingClient client = connect(broker, cid);
    try (Mqtt5BlockingClient.Mqtt5Publishes replies =
        listen(client, prefix + "/" + cid + "/response")) {
      Conversation shop = new Conversation(client, replies, prefix + "/" + cid + "/request");
      JsonNode created =
          shop.ask(
              request("c1", "create", entity(table), "\"data\":{\"name\":\"bolt\",\"qty\":3}"));
      assertThat(created.path("success").asBoolean()).as("create: " + created).isTrue();
      String id = created.path("data").path("id").asText();
      JsonNode read =
          shop.ask(request("r1", "read", entity(table), "\"record_id\":\"" + id + "\""));
      assertThat(read.path("data").path("name").asText()).as("read: " + read).isEqualTo("bolt");
      JsonNode updated =
          shop.ask(
              request(
                  "u1",
                  "update",
                  entity(table),
                  "\"record_id\":\"" + id + "\",\"data\":{\"qty\":5}"));
      assertThat(updated.path("data").path("qty").asInt()).as("update: " + updated).isEqualTo(5);
      JsonNode deleted =
          shop.ask(request("d1", "delete", entity(table), "\"record_id\":\"" + id + "\""));
      assertThat(deleted.path("data").path("deleted").asBoolean())
          .as("delete: " + deleted)
          .isTrue();
      JsonNode gone =
          shop.ask(request("r2", "read", entity(table), "\"record_id\":\"" + id + "\""));
      assertThat(gone.path("error").path("code").asText())
          .as("read after delete: " + gone)
          .isEqualTo("not_found");

      List<ConsumerRecord<byte[], byte[]>> events =
          stack.topics().readAll(changes, 3, Duration.ofSeconds(60));
      assertThat(events.stream().map(e -> op(e)).toList())
          .containsExactly("create", "update", "delete");
      assertThat(events)
          .allSatisfy(
              e ->
                  assertThat(new String(e.key(), StandardCharsets.UTF_8))
                      .isEqualTo("public." + table + ":" + id));
      assertThat(stack.topics().endOffsetSum(changes))
          .as("change events (reads write none)")
          .isEqualTo(3);
      return new Result(5, events.size());
    } finally {
      client.disconnect();
    }
  }

  /** Client {@code cid}, connected over MQTT 5. */
  static Mqtt5BlockingClient connect(TestBroker broker, String cid) {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(cid)
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .buildBlocking();
    client.connect();
    return client;
  }

  /**
   * What {@code client} receives on {@code filters}, subscribed at QoS 1: the queue is opened
   * first, so that nothing sent after a SUBACK is missed.
   */
  static Mqtt5BlockingClient.Mqtt5Publishes listen(Mqtt5BlockingClient client, String... filters) {
    Mqtt5BlockingClient.Mqtt5Publishes received =
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED);
    for (String filter : filters) {
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
    }
    return received;
  }

  private static String op(ConsumerRecord<byte[], byte[]> event) {
    try {
      return JSON.readTree(event.value()).path("op").asText();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** One client's requests on its request topic, each answered by the next message it receives. */
  record Conversation(
      Mqtt5BlockingClient client, Mqtt5BlockingClient.Mqtt5Publishes replies, String requestTopic) {
    JsonNode ask(String request) throws Exception {
      return EntitySyncCrud.ask(client, replies, requestTopic, request);
    }
  }

  /** Publishes a request and returns the next message received, which must be its reply. */
  static JsonNode ask(
      Mqtt5BlockingClient client,
      Mqtt5BlockingClient.Mqtt5Publishes replies,
      String topic,
      String request)
      throws Exception {
    send(client, topic, request);
    Mqtt5Publish reply =
        replies
            .receive(30, TimeUnit.SECONDS)
            .orElseThrow(() -> new AssertionError("no reply within 30 s to " + request));
    JsonNode json = JSON.readTree(reply.getPayloadAsBytes());
    assertThat(json.path("id").asText())
        .as("reply to " + request + ": " + json)
        .isEqualTo(JSON.readTree(request).path("id").asText());
    return json;
  }

  static void send(Mqtt5BlockingClient client, String topic, String request) {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(request.getBytes(StandardCharsets.UTF_8))
        .send();
  }
}
