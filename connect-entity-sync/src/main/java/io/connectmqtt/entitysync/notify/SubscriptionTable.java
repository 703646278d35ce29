package io.connectmqtt.entitysync.notify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * Every live subscription, read from the compacted subscriptions topic from the beginning and
 * followed: a global table, so that any task can match any change. A tombstone removes a
 * subscription.
 *
 * <p>Clients write these records (through entity sync), so a record that cannot be read is skipped,
 * never fatal: it stays in the compacted topic and would otherwise fail every task on every start.
 * Skipped records are logged, handed to a {@link Rejections} listener and kept (a bounded number)
 * for the task to report as errant records.
 */
final class SubscriptionTable implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionTable.class);

  /**
   * Numbers exactly as written (no double rounding, no stripped zeros): a filter's text form
   * depends on them.
   */
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  /**
   * Skipped records kept for reporting until the task takes them; beyond, only the log and the
   * metric have them.
   */
  static final int MAX_PENDING_REJECTIONS = 1_000;

  /** A subscription record that was skipped, and why. */
  record Rejected(ConsumerRecord<String, byte[]> record, String reason) {

    String describe() {
      return "subscription record "
          + record.topic()
          + "-"
          + record.partition()
          + "@"
          + record.offset()
          + (record.key() == null ? "" : " (key '" + abbreviate(record.key()) + "')");
    }
  }

  /** Told of every skipped record, on the table's thread. */
  interface Rejections {
    void rejected(Rejected rejected);
  }

  /**
   * Why a record cannot be a subscription; the message is for the log and the dead letter queue.
   */
  static final class BadSubscriptionException extends Exception {
    private static final long serialVersionUID = 1L;

    BadSubscriptionException(String message) {
      super(message);
    }
  }

  private final KafkaConsumer<String, byte[]> consumer;
  private final String topic;
  private final Rejections rejections;
  private final Map<String, Subscription> byId = new ConcurrentHashMap<>();
  private final SubscriptionIndex index = new SubscriptionIndex();
  private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
  private final BlockingQueue<Rejected> pendingRejections =
      new ArrayBlockingQueue<>(MAX_PENDING_REJECTIONS);
  private final Thread reader;
  private volatile boolean running = true;
  private volatile Throwable failure;

  /** A table that is fed by {@link #apply} only, without a consumer: for tests. */
  SubscriptionTable(String topic, Rejections rejections) {
    this.topic = topic;
    this.rejections = rejections;
    this.consumer = null;
    this.reader = null;
  }

  SubscriptionTable(String bootstrapServers, String topic, String clientId, Rejections rejections) {
    this.topic = topic;
    this.rejections = rejections;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
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
        throw new IllegalStateException(
            "Subscriptions topic '"
                + topic
                + "' does not exist; create it (compacted) "
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

  /**
   * Applies one record: a subscription replaces the one with its key, a tombstone removes it, and a
   * record that is no subscription removes it too (the newest record of a key is the one compaction
   * keeps) and is rejected.
   */
  void apply(ConsumerRecord<String, byte[]> record) {
    if (record.key() == null) {
      reject(record, "it has no key (the subscription id)");
      return;
    }
    Subscription previous = byId.remove(record.key());
    if (previous != null) {
      index.remove(previous);
    }
    if (record.value() == null) {
      return;
    }
    Subscription subscription;
    try {
      subscription = parse(record.key(), record.value());
    } catch (BadSubscriptionException e) {
      reject(record, e.getMessage());
      return;
    } catch (RuntimeException e) {
      // Whatever else a crafted record trips over must not stop the table for everyone.
      reject(record, "it cannot be read (" + e + ")");
      return;
    }
    index.add(subscription);
    byId.put(record.key(), subscription);
  }

  /**
   * A subscription record's value read strictly with the protocol's codec ({@link
   * SubscriptionRecord}): every field the sink relies on is present and well-typed, and its version
   * one this sink reads.
   */
  static Subscription parse(String id, byte[] value) throws BadSubscriptionException {
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (java.io.IOException | RuntimeException e) {
      // Jackson throws NumberFormatException for a number no BigDecimal holds (1e99999999999).
      throw new BadSubscriptionException(
          "it cannot be read as JSON: " + abbreviate(String.valueOf(e.getMessage())));
    }
    try {
      return Subscription.of(SubscriptionRecord.parse(id, node));
    } catch (SubscriptionRecord.UnreadableRecordException e) {
      throw new BadSubscriptionException(e.getMessage());
    }
  }

  private void reject(ConsumerRecord<String, byte[]> record, String reason) {
    Rejected rejected = new Rejected(record, reason);
    log.warn("Skipping {}: {}", rejected.describe(), reason);
    // Full: the oldest unreported one makes room; the log line and the metric still count every
    // one.
    while (!pendingRejections.offer(rejected)) {
      pendingRejections.poll();
    }
    if (rejections != null) {
      rejections.rejected(rejected);
    }
  }

  /** The skipped records not yet taken, oldest first. */
  List<Rejected> takeRejected() {
    List<Rejected> taken = new ArrayList<>();
    pendingRejections.drainTo(taken);
    return taken;
  }

  static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }

  /** Waits until every subscription written before {@code endOffsets} was read. */
  boolean awaitCaughtUp(Map<TopicPartition, Long> endOffsets, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (failure != null) {
        throw new IllegalStateException(
            "Following the subscriptions topic failed: " + failure, failure);
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

  /**
   * Live subscriptions to one entity that may match one of {@code rows}: a subscription whose
   * filters require {@code column = value} is skipped unless a row has that value there; the caller
   * still applies every filter.
   */
  List<Subscription> candidates(String schema, String entity, List<Map<String, Object>> rows) {
    return live(schema, index.candidates(entity, rows));
  }

  private List<Subscription> live(String schema, Collection<String> ids) {
    List<Subscription> matching = new ArrayList<>();
    Instant now = Instant.now();
    for (String id : ids) {
      Subscription subscription = byId.get(id);
      if (subscription != null
          && (schema == null || subscription.schema().equalsIgnoreCase(schema))
          && !subscription.expired(now)) {
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
    if (consumer == null) {
      return;
    }
    consumer.wakeup();
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
