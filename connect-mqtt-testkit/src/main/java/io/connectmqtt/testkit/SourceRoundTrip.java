package io.connectmqtt.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;

/**
 * The source's round trip on one broker, shared by {@code BrokerMatrixRoundTripIT} and the broker
 * benchmark: exact bytes from {@code mosquitto_pub} (every byte value, and UTF-8 text) and {@code
 * messages} QoS 1 messages from the testkit's load publisher, each expected in Kafka once with its
 * payload bytes, its key (the MQTT topic) and its {@code mqtt.topic} and {@code mqtt.qos} headers.
 * A source connector must already run with {@code mqtt.topics=matrix/<id>/#}, {@code
 * kafka.topic=kafkaTopic}, a StringConverter key and a ByteArrayConverter value. Nothing is
 * asserted here: every difference is returned, so a test can assert there is none and a benchmark
 * can print what differed.
 */
public final class SourceRoundTrip {

  /**
   * @param differences what differed from what was published (payload bytes, key, headers), empty
   *     if nothing did; the first 20 are kept, {@link #differenceCount()} counts all
   */
  public record Result(
      long messages,
      long missing,
      long duplicates,
      List<String> differences,
      long differenceCount,
      double seconds) {
    public boolean ok() {
      return missing == 0 && duplicates == 0 && differenceCount == 0;
    }

    /** "ok" or what differed, for a report. */
    public String summary() {
      if (ok()) {
        return "ok";
      }
      List<String> parts = new ArrayList<>();
      if (missing > 0) {
        parts.add(missing + " missing");
      }
      if (duplicates > 0) {
        parts.add(duplicates + " duplicates");
      }
      if (differenceCount > 0) {
        parts.add(differenceCount + " differ, e.g. " + differences.get(0));
      }
      return String.join("; ", parts);
    }
  }

  private final KafkaTopics topics;
  private final TestBroker broker;
  private final String id;
  private final String kafkaTopic;
  private final List<String> differences = new ArrayList<>();
  private long differenceCount;

  private SourceRoundTrip(KafkaTopics topics, TestBroker broker, String id, String kafkaTopic) {
    this.topics = topics;
    this.broker = broker;
    this.id = id;
    this.kafkaTopic = kafkaTopic;
  }

  public static Result run(
      KafkaTopics topics,
      TestBroker broker,
      String id,
      String kafkaTopic,
      int messages,
      int payloadSize)
      throws Exception {
    return new SourceRoundTrip(topics, broker, id, kafkaTopic).roundTrip(messages, payloadSize);
  }

  /**
   * One QoS 1 message to {@code topic} from mosquitto_pub as {@code clientId}, in the broker's MQTT
   * version; {@code payload} is {@code -m text} or {@code -f file}.
   */
  private void publishQos1(String clientId, String topic, String... payload) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "-V",
                broker.mqtt5() ? "mqttv5" : "mqttv311",
                "-i",
                clientId,
                "-q",
                "1",
                "-t",
                topic));
    args.addAll(List.of(payload));
    MosquittoBroker.publishTo(broker.port(), args.toArray(String[]::new));
  }

  private Result roundTrip(int messages, int payloadSize) throws Exception {
    long started = System.nanoTime();
    // Subscribed once a warm-up message published after the connector started comes through.
    Awaitility.await(broker.name() + " subscription active")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publishQos1("matrix-warmup", "matrix/" + id + "/warmup", "-m", "warmup");
              return !topics.readAll(kafkaTopic, 1, Duration.ofSeconds(1)).isEmpty();
            });
    long warmups = topics.readAll(kafkaTopic, 1, Duration.ofSeconds(2)).size();

    // Exact bytes from an independent client: every byte value, and UTF-8 text with multi-byte
    // characters.
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    Path binaryFile = Files.createTempFile("matrix-payload-", ".bin");
    Files.write(binaryFile, binary);
    String text = "{\"broker\":\"" + id + "\",\"text\":\"h\u00e9llo \u2713 \u6f22\"}";
    publishQos1("matrix-bytes", "matrix/" + id + "/bytes/binary", "-f", binaryFile.toString());
    publishQos1("matrix-bytes", "matrix/" + id + "/bytes/text", "-m", text);
    Files.delete(binaryFile);

    try (MqttLoadPublisher publisher =
        new MqttLoadPublisher("matrix-load-" + id, broker.port(), broker.mqtt5())) {
      publisher.publish(
          0, messages, payloadSize, 0, seq -> "matrix/" + id + "/load/device-" + (seq % 7));
      check(
          publisher.acknowledged() == messages,
          "the broker acknowledged "
              + publisher.acknowledged()
              + " of "
              + messages
              + " published messages");
    }

    long expected = warmups + 2 + messages;
    List<ConsumerRecord<byte[], byte[]>> records =
        topics.readAll(kafkaTopic, expected, Duration.ofSeconds(120));
    List<ConsumerRecord<byte[], byte[]>> bytes = new ArrayList<>();
    List<ConsumerRecord<byte[], byte[]>> load = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      String topic = header(record, "mqtt.topic");
      if (topic == null) {
        check(false, "a record without an mqtt.topic header at offset " + record.offset());
      } else if (topic.startsWith("matrix/" + id + "/bytes/")) {
        bytes.add(record);
      } else if (topic.startsWith("matrix/" + id + "/load/")) {
        load.add(record);
      }
    }

    check(bytes.size() == 2, bytes.size() + " of the 2 mosquitto_pub messages in Kafka");
    ConsumerRecord<byte[], byte[]> binaryRecord = withTopicEnding(bytes, "/binary");
    if (binaryRecord != null) {
      check(
          Arrays.equals(binaryRecord.value(), binary),
          "binary payload: " + Arrays.toString(binaryRecord.value()));
      check(
          ("matrix/" + id + "/bytes/binary").equals(utf8(binaryRecord.key())),
          "key of the binary message: " + utf8(binaryRecord.key()));
      check(
          "1".equals(header(binaryRecord, "mqtt.qos")),
          "mqtt.qos header: " + header(binaryRecord, "mqtt.qos"));
    }
    ConsumerRecord<byte[], byte[]> textRecord = withTopicEnding(bytes, "/text");
    if (textRecord != null) {
      check(text.equals(utf8(textRecord.value())), "UTF-8 payload: " + utf8(textRecord.value()));
    }

    long[] seen = new long[messages];
    byte[] padding = new byte[payloadSize - 24];
    for (ConsumerRecord<byte[], byte[]> record : load) {
      byte[] value = record.value();
      if (!check(
          value != null && value.length == payloadSize,
          "payload of "
              + (value == null ? "null" : value.length)
              + " bytes instead of "
              + payloadSize)) {
        continue;
      }
      long seq = MqttLoadPublisher.sequence(value);
      if (!check(seq >= 0 && seq < messages, "sequence number " + seq)) {
        continue;
      }
      String topic = "matrix/" + id + "/load/device-" + (seq % 7);
      check(
          topic.equals(header(record, "mqtt.topic")),
          "mqtt.topic header of message " + seq + ": " + header(record, "mqtt.topic"));
      check(topic.equals(utf8(record.key())), "key of message " + seq + ": " + utf8(record.key()));
      check(
          Arrays.equals(Arrays.copyOfRange(value, 24, payloadSize), padding),
          "padding of message " + seq);
      long sentMillis = ByteBuffer.wrap(value).getLong(16);
      check(
          sentMillis > System.currentTimeMillis() - 600_000
              && sentMillis <= System.currentTimeMillis(),
          "send time of message " + seq + ": " + sentMillis);
      seen[(int) seq]++;
    }
    long missing = Arrays.stream(seen).filter(n -> n == 0).count();
    long duplicates = Arrays.stream(seen).filter(n -> n > 1).map(n -> n - 1).sum();
    return new Result(
        messages,
        missing,
        duplicates,
        List.copyOf(differences),
        differenceCount,
        (System.nanoTime() - started) / 1e9);
  }

  private boolean check(boolean condition, String difference) {
    if (!condition) {
      differenceCount++;
      if (differences.size() < 20) {
        differences.add(difference);
      }
    }
    return condition;
  }

  /** The first of {@code records} whose mqtt.topic header ends with {@code suffix}, or null. */
  private static ConsumerRecord<byte[], byte[]> withTopicEnding(
      List<ConsumerRecord<byte[], byte[]>> records, String suffix) {
    return records.stream()
        .filter(r -> header(r, "mqtt.topic").endsWith(suffix))
        .findFirst()
        .orElse(null);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : utf8(header.value());
  }

  private static String utf8(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
