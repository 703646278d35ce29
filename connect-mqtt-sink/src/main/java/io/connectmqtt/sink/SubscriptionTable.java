package io.connectmqtt.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.ProtocolException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every live subscription, read from the compacted subscriptions topic from the beginning and followed: a global
 * table, so that any task can match any change. A tombstone removes a subscription.
 */
final class SubscriptionTable implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionTable.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  record Subscription(String id, String clientId, String schema, String entity, String notifyTopic,
      List<Filter> filters) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final Map<String, Subscription> byId = new ConcurrentHashMap<>();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean running = true;
  private volatile Throwable failure;

  SubscriptionTable(String bootstrapServers, String topic, String clientId) {
    this.topic = topic;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumer = new KafkaConsumer<>(props);
    List<TopicPartition> partitions = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (partitions.isEmpty()) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
      if (infos != null) {
        infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
      }
      if (partitions.isEmpty() && System.nanoTime() > deadline) {
        consumer.close();
        throw new IllegalStateException("Subscriptions topic '" + topic + "' does not exist; create it (compacted) "
            + "or start the entity sync connector first");
      }
    }
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    reader = new Thread(this::follow, "subscription-table-" + clientId);
    reader.setDaemon(true);
    reader.start();
  }

  private void follow() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          apply(record);
        }
        for (TopicPartition partition : consumer.assignment()) {
          positions.put(partition, consumer.position(partition));
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      failure = e;
      log.error("Following the subscriptions topic failed", e);
    } finally {
      consumer.close();
    }
  }

  private void apply(ConsumerRecord<String, byte[]> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      byId.remove(record.key());
      return;
    }
    try {
      JsonNode value = JSON.readTree(record.value());
      List<Filter> filters = Filter.parseAll(value.get("filters"));
      byId.put(record.key(), new Subscription(record.key(), value.path("client_id").asText(),
          value.path("schema").asText(), value.path("entity").asText(), value.path("notify_topic").asText(),
          filters));
    } catch (java.io.IOException | ProtocolException e) {
      log.warn("Ignoring unreadable subscription {}: {}", record.key(), e.getMessage());
    }
  }

  /** Waits until every subscription written before {@code endOffsets} was read. */
  boolean awaitCaughtUp(Map<TopicPartition, Long> endOffsets, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (failure != null) {
        throw new IllegalStateException("Following the subscriptions topic failed: " + failure, failure);
      }
      boolean caughtUp = true;
      for (Map.Entry<TopicPartition, Long> end : endOffsets.entrySet()) {
        if (positions.getOrDefault(end.getKey(), -1L) < end.getValue()) {
          caughtUp = false;
          break;
        }
      }
      if (caughtUp) {
        return true;
      }
      Thread.sleep(5);
    }
    return false;
  }

  String topic() {
    return topic;
  }

  /** Subscriptions to one entity. */
  List<Subscription> forEntity(String schema, String entity) {
    List<Subscription> matching = new ArrayList<>();
    for (Subscription subscription : byId.values()) {
      if (subscription.entity().equalsIgnoreCase(entity)
          && (schema == null || subscription.schema().equalsIgnoreCase(schema))) {
        matching.add(subscription);
      }
    }
    return matching;
  }

  Collection<Subscription> all() {
    return byId.values();
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
