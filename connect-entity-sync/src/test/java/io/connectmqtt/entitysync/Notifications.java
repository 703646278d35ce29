package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.MqttRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** What subscribers receive on their notify topics, and short forms of it to assert on. */
final class Notifications {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Notifications() {}

  /**
   * Records everything on client {@code cid}'s notify topics under {@code prefix}; the recorder's
   * client id is {@code cid-inbox}.
   */
  static MqttRecorder inbox(int port, String prefix, String cid) {
    return MqttRecorder.subscribe(cid + "-inbox", port, prefix + "/" + cid + "/notify/#");
  }

  static JsonNode json(Mqtt5Publish publish) {
    try {
      return JSON.readTree(publish.getPayloadAsBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** "operation:name:status" of a notification ("leave::" for a row that left the filter). */
  static String summary(JsonNode notification) {
    return notification.path("operation").asText()
        + ":"
        + notification.path("data").path("name").asText()
        + ":"
        + notification.path("data").path("status").asText();
  }

  /** The {@link #summary} of each notification, in order. */
  static List<String> summaries(List<Mqtt5Publish> notifications) {
    List<String> seen = new ArrayList<>();
    for (Mqtt5Publish publish : notifications) {
      seen.add(summary(json(publish)));
    }
    return seen;
  }
}
