package io.connectmqtt.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.MqttClients;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the demo's MQTT traffic as any client could: entity-sync requests and replies (and the
 * time between them), notifications, and the alerts the sink sends back to devices. Feeds the
 * dashboard.
 */
final class MqttActivity implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong replies = new AtomicLong();
  final AtomicLong errorReplies = new AtomicLong();
  final AtomicLong notifications = new AtomicLong();
  final AtomicLong alerts = new AtomicLong();
  final LatencyWindow replyLatency = new LatencyWindow();
  private final Map<String, Long> requestSeenAt = new ConcurrentHashMap<>();
  private final Mqtt5AsyncClient client;
  private final String prefix;

  MqttActivity(int port, String prefix) {
    this.prefix = prefix;
    client =
        MqttClients.builder("demo-dashboard", port)
            .useMqttVersion5()
            .automaticReconnectWithDefaultConfig()
            .buildAsync();
    client.connect().join();
    subscribe(prefix + "/+/request");
    subscribe(prefix + "/+/response");
    subscribe(prefix + "/+/notify/#");
    subscribe("demo/alerts/#");
  }

  private void subscribe(String filter) {
    client
        .subscribeWith()
        .topicFilter(filter)
        .qos(MqttQos.AT_MOST_ONCE)
        .callback(this::onMessage)
        .send()
        .join();
  }

  private void onMessage(Mqtt5Publish publish) {
    String topic = publish.getTopic().toString();
    if (topic.startsWith("demo/alerts/")) {
      alerts.incrementAndGet();
      return;
    }
    String[] levels = topic.split("/");
    if (levels.length < 3 || !levels[0].equals(prefix)) {
      return;
    }
    switch (levels[2]) {
      case "request" -> {
        requests.incrementAndGet();
        String id = requestId(publish);
        if (id != null && requestSeenAt.size() < 100_000) {
          requestSeenAt.put(levels[1] + '\u0000' + id, System.nanoTime());
        }
      }
      case "response" -> {
        replies.incrementAndGet();
        JsonNode reply = parse(publish);
        if (reply != null && !reply.path("success").asBoolean(true)) {
          errorReplies.incrementAndGet();
        }
        Long seenAt =
            reply == null
                ? null
                : requestSeenAt.remove(levels[1] + '\u0000' + reply.path("id").asText());
        if (seenAt != null) {
          replyLatency.record((System.nanoTime() - seenAt) / 1_000_000);
        }
      }
      case "notify" -> notifications.incrementAndGet();
      default -> {}
    }
  }

  private static String requestId(Mqtt5Publish publish) {
    JsonNode request = parse(publish);
    return request == null || !request.path("id").isTextual() ? null : request.path("id").asText();
  }

  private static JsonNode parse(Mqtt5Publish publish) {
    try {
      return JSON.readTree(publish.getPayloadAsBytes());
    } catch (java.io.IOException | RuntimeException notJson) {
      return null;
    }
  }

  @Override
  public void close() {
    client.disconnect().exceptionally(e -> null);
  }
}
