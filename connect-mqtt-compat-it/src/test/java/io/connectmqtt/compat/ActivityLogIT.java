package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The MQTT activity log of docs/activity-log.md, from the config files the demo runs
 * (config/activity-log-*.json): our MQTT source (presence on) and Debezium's JDBC sink from Maven
 * Central, both loaded through plugin.path by one Connect worker JVM, write every MQTT message and
 * every device's presence into an embedded PostgreSQL. Three devices publish, one of them vanishes
 * and the broker publishes its Will: the messages table has one row per Kafka record, with the
 * documented columns and values, and the presence table one row per device holding its last state.
 */
class ActivityLogIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path CONFIGS = ProjectLayout.root().resolve("config");
  private static final List<String> DEVICES = List.of("pump-1", "pump-2", "valve-3");
  private static final int MESSAGES_PER_DEVICE = 10;

  /** The columns and types docs/activity-log.md documents, in the order the sink creates them. */
  private static final List<String> MESSAGE_COLUMNS =
      List.of(
          "__connect_topic text",
          "__connect_partition integer",
          "__connect_offset bigint",
          "payload text",
          "mqtt_topic text",
          "mqtt_qos text",
          "mqtt_retain text",
          "received_at timestamp without time zone");

  private static final List<String> PRESENCE_COLUMNS =
      List.of(
          "device text",
          "state text",
          "reason text",
          "first_seen timestamp without time zone",
          "last_seen timestamp without time zone",
          "timestamp timestamp without time zone",
          "mqtt_topic text");

  @Test
  void everyMessageAndTheLastPresenceOfEveryDeviceLandInPostgres() throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.start();
        PostgresDatabase postgres = PostgresDatabase.start();
        ProcessStack stack =
            ProcessStack.start(
                List.of(
                    ProjectLayout.pluginDirectory("connect-mqtt-source"),
                    ProjectLayout.debeziumJdbcPluginDirectory()),
                Map.of(
                    "MQTT_SERVER_URIS",
                    broker.uri(),
                    "ACTIVITY_LOG_JDBC_URL",
                    postgres.jdbcUrl(),
                    "ACTIVITY_LOG_USER",
                    "postgres",
                    "ACTIVITY_LOG_PASSWORD",
                    "postgres"))) {
      for (String name :
          List.of("activity-log-source", "activity-log-messages", "activity-log-presence")) {
        Map<String, String> config = ConnectRest.readConnectorFile(CONFIGS.resolve(name + ".json"));
        stack.rest().createOrReplace(name, config);
        stack.rest().awaitRunning(name, 1, Duration.ofSeconds(120));
      }

      Map<String, String> published = publishAndVanish(broker.port());
      long expectedMessages = published.size();

      List<ConsumerRecord<byte[], byte[]>> messageRecords =
          stack.topics().readAll("mqtt.activity", expectedMessages, Duration.ofSeconds(60));
      assertThat(messageRecords).hasSize((int) expectedMessages);
      Awaitility.await("every Kafka record a row of mqtt_messages")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> count(postgres, "mqtt_messages") >= expectedMessages);
      assertThat(columns(postgres, "mqtt_messages")).containsExactlyElementsOf(MESSAGE_COLUMNS);
      assertThat(count(postgres, "mqtt_messages")).isEqualTo(messageRecords.size());
      assertThat(primaryKey(postgres, "mqtt_messages"))
          .as("a redelivered record overwrites its own row: no duplicates")
          .containsExactly("__connect_topic", "__connect_partition", "__connect_offset");
      assertThat(rowsByTopicAndPayload(postgres))
          .as("topic -> payload, QoS and retain flag of every row")
          .isEqualTo(expectedRows(published));

      // online for each device's first message, then offline when its Will arrives.
      List<ConsumerRecord<byte[], byte[]>> presenceRecords =
          stack.topics().readAll("mqtt.presence", DEVICES.size() + 1, Duration.ofSeconds(60));
      Map<String, String> lastStateInKafka = new LinkedHashMap<>();
      for (ConsumerRecord<byte[], byte[]> record : presenceRecords) {
        JsonNode value = JSON.readTree(record.value()).path("payload");
        lastStateInKafka.put(
            new String(record.key(), StandardCharsets.UTF_8),
            value.path("state").asText() + "/" + value.path("reason").asText());
      }
      assertThat(presenceRecords).hasSize(DEVICES.size() + 1);
      assertThat(lastStateInKafka)
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "pump-1", "online/message",
                  "pump-2", "online/message",
                  "valve-3", "offline/will"));
      Awaitility.await("the presence table holds each device's last state")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> presence(postgres).equals(lastStateInKafka));
      assertThat(columns(postgres, "mqtt_presence")).containsExactlyElementsOf(PRESENCE_COLUMNS);
      assertThat(count(postgres, "mqtt_presence")).isEqualTo(DEVICES.size());
      assertThat(primaryKey(postgres, "mqtt_presence")).containsExactly("device");
    }
  }

  /**
   * Publishes {@link #MESSAGES_PER_DEVICE} QoS 1 messages per device; the last device connects with
   * a Will and then disconnects asking the broker to publish it, as a device that vanishes. Returns
   * every message the source should see, Will included: topic -> payload (each unique).
   */
  private static Map<String, String> publishAndVanish(int port) {
    Map<String, String> published = new LinkedHashMap<>();
    for (String device : DEVICES) {
      String will = "demo/clients/" + device + "/will";
      var builder =
          Mqtt5Client.builder().identifier(device).serverHost("127.0.0.1").serverPort(port);
      Mqtt5BlockingClient client = builder.buildBlocking();
      boolean vanishes = device.equals(DEVICES.get(DEVICES.size() - 1));
      if (vanishes) {
        client
            .connectWith()
            .willPublish()
            .topic(will)
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("lost".getBytes(StandardCharsets.UTF_8))
            .applyWillPublish()
            .send();
      } else {
        client.connect();
      }
      for (int i = 0; i < MESSAGES_PER_DEVICE; i++) {
        String topic = "demo/sensors/plant/" + device + "/telemetry-" + i;
        String payload = "{\"device\":\"" + device + "\",\"n\":" + i + "}";
        client
            .publishWith()
            .topic(topic)
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(payload.getBytes(StandardCharsets.UTF_8))
            .send();
        published.put(topic, payload);
      }
      if (vanishes) {
        client
            .disconnectWith()
            .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
            .send();
        published.put(will, "lost");
      } else {
        client.disconnect();
      }
    }
    return published;
  }

  private static Map<String, String> expectedRows(Map<String, String> published) {
    Map<String, String> rows = new HashMap<>();
    published.forEach((topic, payload) -> rows.put(topic, payload + " qos=1 retain=false"));
    return rows;
  }

  private static Map<String, String> rowsByTopicAndPayload(PostgresDatabase postgres)
      throws SQLException {
    Map<String, String> rows = new HashMap<>();
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "select mqtt_topic, payload, mqtt_qos, mqtt_retain from mqtt_messages")) {
      while (rs.next()) {
        rows.put(
            rs.getString(1),
            rs.getString(2) + " qos=" + rs.getString(3) + " retain=" + rs.getString(4));
      }
    }
    return rows;
  }

  private static Map<String, String> presence(PostgresDatabase postgres) throws SQLException {
    Map<String, String> states = new HashMap<>();
    if (!tableExists(postgres, "mqtt_presence")) {
      return states;
    }
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("select device, state, reason from mqtt_presence")) {
      while (rs.next()) {
        states.put(rs.getString(1), rs.getString(2) + "/" + rs.getString(3));
      }
    }
    return states;
  }

  private static long count(PostgresDatabase postgres, String table) throws SQLException {
    if (!tableExists(postgres, table)) {
      return 0;
    }
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rs = statement.executeQuery("select count(*) from " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean tableExists(PostgresDatabase postgres, String table) throws SQLException {
    return !columns(postgres, table).isEmpty();
  }

  private static List<String> columns(PostgresDatabase postgres, String table) throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection connection = postgres.connection();
        var statement =
            connection.prepareStatement(
                "select column_name || ' ' || data_type from information_schema.columns where table_name = ? "
                    + "order by ordinal_position")) {
      statement.setString(1, table);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          columns.add(rs.getString(1));
        }
      }
    }
    return columns;
  }

  private static List<String> primaryKey(PostgresDatabase postgres, String table)
      throws SQLException {
    List<String> columns = new ArrayList<>();
    try (Connection connection = postgres.connection();
        ResultSet rs = connection.getMetaData().getPrimaryKeys(null, "public", table)) {
      Map<Short, String> bySequence = new java.util.TreeMap<>();
      while (rs.next()) {
        bySequence.put(rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME"));
      }
      columns.addAll(bySequence.values());
    }
    return columns;
  }
}
