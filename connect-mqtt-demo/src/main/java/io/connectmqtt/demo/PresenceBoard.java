package io.connectmqtt.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Reads the compacted presence topic from its start and keeps every device's latest state (online
 * or offline, reason, when), for the page ({@code /presence.json}) and the dashboard; in plain mode
 * it prints each change as it arrives.
 */
final class PresenceBoard implements Runnable, AutoCloseable {

  static final String TOPIC = "mqtt.presence";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One device's latest presence record. */
  record Device(String device, String state, String reason, long timestamp) {}

  private final String bootstrapServers;
  private final PrintStream out;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, Device> devices = new ConcurrentSkipListMap<>();

  /** {@code out} null: keep the states for the dashboard without printing each change. */
  PresenceBoard(String bootstrapServers, PrintStream out) {
    this.bootstrapServers = bootstrapServers;
    this.out = out;
  }

  @Override
  public void run() {
    try (KafkaConsumer<byte[], byte[]> consumer =
        KafkaTail.consumer(bootstrapServers, "demo-presence-")) {
      consumer.subscribe(List.of(TOPIC));
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          accept(record.value());
        }
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A presence record as the JsonConverter wrote it, with or without its schema envelope. */
  void accept(byte[] value) {
    if (value == null) {
      return;
    }
    JsonNode record;
    try {
      record = JSON.readTree(value);
    } catch (IOException notJson) {
      return;
    }
    JsonNode payload = record.has("payload") ? record.path("payload") : record;
    Device device =
        new Device(
            payload.path("device").asText(),
            payload.path("state").asText(),
            payload.path("reason").asText(),
            payload.path("timestamp").asLong());
    devices.put(device.device(), device);
    if (out != null) {
      out.printf("presence: %s %s (%s)%n", device.device(), device.state(), device.reason());
    }
  }

  /** Every device's latest state, sorted by device id. */
  List<Device> devices() {
    return List.copyOf(devices.values());
  }

  /** The page's {@code /presence.json}: an array of {device, state, reason, timestamp}. */
  byte[] toJson() {
    ArrayNode array = JSON.createArrayNode();
    for (Device device : devices()) {
      array
          .addObject()
          .put("device", device.device())
          .put("state", device.state())
          .put("reason", device.reason())
          .put("timestamp", device.timestamp());
    }
    return array.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** One line for the dashboard: counts, and the offline devices with their reason. */
  String summary() {
    long online = devices.values().stream().filter(d -> d.state().equals("online")).count();
    StringBuilder line =
        new StringBuilder(online + " online, " + (devices.size() - online) + " offline");
    devices.values().stream()
        .filter(d -> !d.state().equals("online"))
        .forEach(
            d -> line.append("  ").append(d.device()).append(" (").append(d.reason()).append(')'));
    return line.toString();
  }

  @Override
  public void close() {
    running.set(false);
  }
}
