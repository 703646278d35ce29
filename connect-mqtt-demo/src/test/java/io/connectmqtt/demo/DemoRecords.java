package io.connectmqtt.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.testkit.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** What DemoIT reads of the running demo: Sparkplug and presence records, activity-log rows. */
final class DemoRecords {

  private DemoRecords() {}

  static Set<String> metricNames(JsonNode message) {
    Set<String> names = new HashSet<>();
    message.path("metrics").forEach(m -> names.add(m.path("name").asText(null)));
    return names;
  }

  static JsonNode readJson(byte[] value) {
    try {
      return new ObjectMapper().readTree(value);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The value payloads (JsonConverter with schemas) of every record of a topic so far. */
  static List<JsonNode> payloads(KafkaTopics kafka, String topic) {
    return kafka.readAll(topic, 1, Duration.ofSeconds(5)).stream()
        .map(r -> readJson(r.value()).path("payload"))
        .toList();
  }

  /** The payloads of the mqtt.activity records of one MQTT topic (header mqtt.topic). */
  static List<String> activityPayloads(KafkaTopics kafka, String mqttTopic) {
    List<String> payloads = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record :
        kafka.readAll("mqtt.activity", 1, Duration.ofSeconds(5))) {
      Header header = record.headers().lastHeader("mqtt.topic");
      if (header != null && mqttTopic.equals(new String(header.value(), StandardCharsets.UTF_8))) {
        payloads.add(readJson(record.value()).path("payload").asText());
      }
    }
    return payloads;
  }

  /** The payload column of the mqtt_messages rows of one MQTT topic. */
  static List<String> rowPayloads(String url, String topic) throws SQLException {
    List<String> payloads = new ArrayList<>();
    try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
        PreparedStatement query =
            connection.prepareStatement("select payload from mqtt_messages where mqtt_topic = ?")) {
      query.setString(1, topic);
      try (ResultSet rows = query.executeQuery()) {
        while (rows.next()) {
          payloads.add(rows.getString(1));
        }
      }
    }
    return payloads;
  }

  /** device -> state/reason of the last record per device in the presence topic. */
  static Map<String, String> latestPresence(KafkaTopics kafka) {
    Map<String, String> latest = new HashMap<>();
    for (JsonNode value : payloads(kafka, PresenceBoard.TOPIC)) {
      latest.put(
          value.path("device").asText(),
          value.path("state").asText() + "/" + value.path("reason").asText());
    }
    return latest;
  }

  static Map<String, String> presenceRows(String url) throws SQLException {
    Map<String, String> rows = new HashMap<>();
    try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
        PreparedStatement query =
            connection.prepareStatement("select device, state, reason from mqtt_presence");
        ResultSet result = query.executeQuery()) {
      while (result.next()) {
        rows.put(result.getString(1), result.getString(2) + "/" + result.getString(3));
      }
    }
    return rows;
  }
}
