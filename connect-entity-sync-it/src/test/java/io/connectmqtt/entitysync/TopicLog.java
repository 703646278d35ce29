package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.awaitility.Awaitility;

/**
 * Every JSON value of a one-partition Kafka topic, read from its start, for "what arrived after a
 * mark" checks.
 */
final class TopicLog implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<JsonNode> values = new ArrayList<>();

  TopicLog(String bootstrapServers, String topic) {
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    TopicPartition partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
  }

  /** Reads until a value from index {@code from} on matches {@code wanted} (within 30 s). */
  void awaitValue(int from, Predicate<JsonNode> wanted) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ZERO)
        .until(
            () -> {
              for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                values.add(
                    record.value() == null ? JSON.nullNode() : JSON.readTree(record.value()));
              }
              return since(from).stream().anyMatch(wanted);
            });
  }

  int mark() {
    return values.size();
  }

  List<JsonNode> since(int mark) {
    return Snapshots.since(values, mark);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
