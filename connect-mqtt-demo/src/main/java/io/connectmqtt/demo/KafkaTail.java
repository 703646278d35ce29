package io.connectmqtt.demo;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows the iot.*, sparkplug.* and mqtt.activity topics and the change topics: counts per topic
 * (the total counts the sensor topics only), MQTT-publish-to-Kafka-consumer latency (from the
 * readings' {@code ts}), and a sample of what arrives with its headers, printed (plain mode) or
 * kept for the dashboard.
 */
final class KafkaTail implements Runnable, AutoCloseable {

  private final String bootstrapServers;
  private final PrintStream out;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Map<String, AtomicLong> perTopic = new ConcurrentHashMap<>();
  private final AtomicLong total = new AtomicLong();
  private static final Pattern TIMESTAMP = Pattern.compile("\"ts\":(\\d{13})");
  final LatencyWindow latency = new LatencyWindow();
  private volatile String lastSample = "";
  private long lastPrinted;

  /** {@code out} null: keep samples for the dashboard instead of printing them. */
  KafkaTail(String bootstrapServers, PrintStream out) {
    this.bootstrapServers = bootstrapServers;
    this.out = out;
  }

  @Override
  public void run() {
    try (KafkaConsumer<byte[], byte[]> consumer = consumer(bootstrapServers, "demo-tail-")) {
      // The sensor topics, the Sparkplug ones, the activity log's, and the entity change events of
      // entity sync and of Debezium (CDC).
      consumer.subscribe(
          Pattern.compile("iot\\..*|sparkplug\\..*|mqtt\\.activity|entity-changes|cdc\\..*"));
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          perTopic.computeIfAbsent(record.topic(), t -> new AtomicLong()).incrementAndGet();
          if (record.topic().startsWith("iot.")) {
            total.incrementAndGet();
          }
          recordLatency(record);
          maybePrint(record);
        }
      }
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void recordLatency(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() != null && record.value().length < 512) {
      var matcher = TIMESTAMP.matcher(new String(record.value(), StandardCharsets.UTF_8));
      if (matcher.find()) {
        latency.record(System.currentTimeMillis() - Long.parseLong(matcher.group(1)));
      }
    }
  }

  private void maybePrint(ConsumerRecord<byte[], byte[]> record) {
    long now = System.currentTimeMillis();
    boolean interesting =
        record.topic().equals("iot.alarms") || record.topic().equals("iot.dead-letters");
    if (!interesting && now - lastPrinted < 2_000) {
      return;
    }
    lastPrinted = now;
    StringBuilder headers = new StringBuilder();
    for (Header header : record.headers()) {
      if (header.key().startsWith("mqtt.")
          || header.key().startsWith("__connect.errors.exception.message")) {
        headers
            .append(' ')
            .append(header.key())
            .append('=')
            .append(new String(header.value(), StandardCharsets.UTF_8));
      }
    }
    String sample =
        String.format(
            "  %-18s p%d@%-6d key=%s%n    value=%s%n    headers:%s%n",
            record.topic(),
            record.partition(),
            record.offset(),
            record.key() == null ? "null" : new String(record.key(), StandardCharsets.UTF_8),
            record.value() == null ? "null" : new String(record.value(), StandardCharsets.UTF_8),
            headers);
    if (out != null) {
      out.print(sample);
    }
    lastSample = sample;
  }

  /**
   * A consumer of raw bytes in a group of its own, from the start of each topic; it sees new topics
   * of a pattern within two seconds.
   */
  static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, String groupPrefix) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "2000");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return new KafkaConsumer<>(props);
  }

  String lastSample() {
    return lastSample;
  }

  long total() {
    return total.get();
  }

  Map<String, AtomicLong> perTopic() {
    return perTopic;
  }

  @Override
  public void close() {
    running.set(false);
  }
}
