package io.connectmqtt.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;

/** Plain Kafka clients against a stack: create topics, read everything a topic holds. */
public final class KafkaTopics {

  /**
   * A deadline for {@link #readAll} while a wait polls the topic: short, since an incomplete topic
   * is read again.
   */
  public static final Duration POLLED_READ = Duration.ofSeconds(5);

  /**
   * A deadline for {@link #readAll} of the records a test counts and asserts: long, since a read
   * cut short on a loaded machine would count as loss.
   */
  public static final Duration FINAL_READ = Duration.ofSeconds(20);

  private final String bootstrapServers;

  public KafkaTopics(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public void create(String topic, int partitions) {
    create(topic, partitions, Map.of());
  }

  /** A topic whose records carry Kafka's log append time, for exact arrival times. */
  public void createWithLogAppendTime(String topic, int partitions) {
    create(topic, partitions, Map.of("message.timestamp.type", "LogAppendTime"));
  }

  /**
   * Waits up to {@code timeout} until the topic holds {@code records}, by its end offsets. One
   * admin client serves every poll: a test that kills a process mid-stream waits here, and a fast
   * broker drains a backlog in about a second, less than a new client per poll takes on a loaded
   * machine.
   */
  public void awaitEndOffsets(String topic, long records, Duration timeout) {
    try (Admin admin = admin()) {
      Awaitility.await(topic + " holds " + records + " records")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> endOffsetSum(admin, topic) >= records);
    }
  }

  /**
   * The sum of the topic's end offsets: how many records it holds (0 before it exists), cheap to
   * poll.
   */
  public long endOffsetSum(String topic) {
    try (Admin admin = admin()) {
      return endOffsetSum(admin, topic);
    }
  }

  private static long endOffsetSum(Admin admin, String topic) {
    try {
      var description =
          admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      description
          .partitions()
          .forEach(p -> request.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
          .mapToLong(info -> info.offset())
          .sum();
    } catch (ExecutionException e) {
      return 0;
    } catch (Exception e) {
      throw new IllegalStateException("Cannot read the end offsets of " + topic, e);
    }
  }

  private Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /**
   * The offsets consumer group {@code group} committed, summed over its partitions (a sink
   * connector's group is {@code connect-<name>}): how many records it has committed when it started
   * from the beginning.
   */
  public long committedOffsetSum(String group) {
    try (CommittedOffsets offsets = committedOffsets(group)) {
      return offsets.sum();
    }
  }

  /**
   * A reader of {@code group}'s committed offsets that keeps its admin client, for a test that
   * polls them often: a new client per read costs hundreds of milliseconds on a loaded machine,
   * which would blur when a commit was seen.
   */
  public CommittedOffsets committedOffsets(String group) {
    return new CommittedOffsets(admin(), group);
  }

  /** See {@link #committedOffsets}. */
  public static final class CommittedOffsets implements AutoCloseable {
    private final Admin admin;
    private final String group;

    private CommittedOffsets(Admin admin, String group) {
      this.admin = admin;
      this.group = group;
    }

    /** The committed offsets, summed over the group's partitions. */
    public long sum() {
      try {
        return admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS)
            .values()
            .stream()
            .filter(java.util.Objects::nonNull)
            .mapToLong(org.apache.kafka.clients.consumer.OffsetAndMetadata::offset)
            .sum();
      } catch (Exception e) {
        throw new IllegalStateException("Cannot read the committed offsets of " + group, e);
      }
    }

    @Override
    public void close() {
      admin.close();
    }
  }

  public void createCompacted(String topic) {
    create(topic, 1, Map.of("cleanup.policy", "compact"));
  }

  /**
   * Creates the topic and returns once its leader serves every partition. Right after creation a
   * produce request may get NOT_LEADER_OR_FOLLOWER for a partition the broker has not loaded yet;
   * the idempotent producer retries that batch after later ones were written, gets
   * OUT_OF_ORDER_SEQUENCE_NUMBER for good, and {@link #send} times out (seen on a loaded machine).
   * A ListOffsets answer comes only from the partition's loaded leader: asked until it comes.
   */
  private void create(String topic, int partitions, Map<String, String> configs) {
    try (Admin admin = admin()) {
      try {
        admin
            .createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs)))
            .all()
            .get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create topic " + topic, e);
        }
      }
      Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
      for (int partition = 0; partition < partitions; partition++) {
        ends.put(new TopicPartition(topic, partition), OffsetSpec.latest());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try {
          admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS);
          break;
        } catch (ExecutionException e) {
          // The admin client's metadata may not know the topic yet, or the leader not have loaded
          // it.
          if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException)
              || System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "Topic " + topic + " created, but its partitions are not served", e);
          }
          sleep(100);
        }
      }
    } catch (IllegalStateException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("Cannot create topic " + topic, e);
    }
  }

  /** Writes the records and waits until Kafka acknowledged all of them. */
  public void send(List<ProducerRecord<byte[], byte[]>> records) {
    sendAtRate(records, Integer.MAX_VALUE);
  }

  /**
   * Writes the records at about {@code perSecond} (a stream a connector is still reading when a
   * test injects a fault, however fast the connector is) and waits until Kafka acknowledged all.
   */
  public void sendAtRate(List<ProducerRecord<byte[], byte[]>> records, int perSecond) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>(records.size());
      long start = System.nanoTime();
      for (ProducerRecord<byte[], byte[]> record : records) {
        long due = start + (long) (sent.size() * 1e9 / perSecond);
        long early = due - System.nanoTime();
        if (early > 1_000_000) {
          TimeUnit.NANOSECONDS.sleep(early);
        }
        sent.add(producer.send(record));
      }
      for (java.util.concurrent.Future<?> future : sent) {
        future.get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException("Cannot write to Kafka", e);
    }
  }

  /** A record with a UTF-8 key and value and UTF-8 headers (name, value, name, value, ...). */
  public static ProducerRecord<byte[], byte[]> record(
      String topic, String key, String value, String... headers) {
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            topic,
            null,
            key == null ? null : key.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      record
          .headers()
          .add(headers[i], headers[i + 1].getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    return record;
  }

  public Set<String> list() {
    try (Admin admin = admin()) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the topics from the beginning until {@code expected} records arrived, or until {@code
   * timeout} passes, or (once {@code expected} is reached) until nothing more arrives for a second:
   * callers can then also see records beyond what they expected, such as duplicates.
   */
  public List<ConsumerRecord<byte[], byte[]>> readAll(
      Collection<String> topics, long expected, Duration timeout) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    // A reader must not create the topic it waits for: the broker would create it with its
    // defaults (cleanup.policy=delete) before the connector creates it with the config under test.
    props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (String topic : topics) {
        while (true) {
          var infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
          if (infos != null && !infos.isEmpty()) {
            infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
            break;
          }
          if (System.nanoTime() > deadline) {
            return records;
          }
          sleep(200);
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long quietSince = System.nanoTime();
      while (System.nanoTime() < deadline) {
        var batch = consumer.poll(Duration.ofMillis(200));
        batch.forEach(records::add);
        if (!batch.isEmpty()) {
          quietSince = System.nanoTime();
        } else if (records.size() >= expected
            && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(1)) {
          break;
        }
      }
    }
    return records;
  }

  public List<ConsumerRecord<byte[], byte[]>> readAll(
      String topic, long expected, Duration timeout) {
    return readAll(List.of(topic), expected, timeout);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
