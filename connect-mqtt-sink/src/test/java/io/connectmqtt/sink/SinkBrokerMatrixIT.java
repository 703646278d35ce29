package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.ConnectPerClass;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sink connector on every broker of the matrix, with its documented defaults (QoS 1 among them)
 * and MQTT 5 where the broker has it, else MQTT 3.1.1. Records in Kafka with keys, headers, binary
 * and UTF-8 values are published on a topic template over the Kafka topic, two headers and the key;
 * independent subscribers receive every one once: mosquitto_sub (its own MQTT implementation) the
 * exact bytes, content type and user properties, the testkit's HiveMQ-client recorder 2,000
 * numbered records. MQTT 5 properties are asserted only where the broker speaks MQTT 5. The Kafka
 * topic's dots reach the MQTT topic, except on RabbitMQ (see {@link #kafkaTopic}). One Kafka and
 * Connect stack (in-process) for the class; the brokers are the module's {@link SharedFixtures},
 * started once for this test and {@link SinkBrokerMatrixCrashIT}, the crash case; {@code
 * -Dmatrix.brokers=MOSQUITTO} runs one row.
 *
 * <p>The brokers keep sessions in memory here: this test restarts nothing.
 */
@ExtendWith(SharedFixtures.class)
class SinkBrokerMatrixIT {

  private static final int RECORDS = 2_000;
  private static final int PAYLOAD_SIZE = 256;
  private static final String FORMAT = "%t|%q|%r|%C|%P|%x";

  @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();

  /**
   * The sink's configuration for a matrix broker: its defaults except converters, offset reset and
   * the template. Shared with {@link SinkBrokerMatrixCrashIT}.
   */
  static Map<String, String> sinkConfig(TestBroker broker, String topics, String template) {
    return SinkConfigs.bytes(topics, broker.uri(), template);
  }

  /**
   * {@code dotted}, whose dots reach the MQTT topic through {@code ${topic}} as they do with users'
   * topic names, except on RabbitMQ: a '.' in an MQTT topic is a level separator there (a broker
   * defect, docs/testing.md), so its row uses dashes and says so.
   */
  static String kafkaTopic(Broker kind, String dotted) {
    if (kind != Broker.RABBITMQ) {
      return dotted;
    }
    System.err.println(
        "NOTE: broker RABBITMQ: a '.' in an MQTT topic is delivered as '/' (RabbitMQ defect, "
            + "docs/testing.md); this row's Kafka topic has dashes instead of dots");
    return dotted.replace('.', '-');
  }

  /**
   * The value of load record {@code seq}: the sequence number, then bytes that depend on it and
   * their position.
   */
  private static byte[] loadPayload(long seq, int size) {
    ByteBuffer payload = ByteBuffer.allocate(size).putLong(seq);
    while (payload.hasRemaining()) {
      payload.put((byte) (seq + payload.position()));
    }
    return payload.array();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void everyRecordIsPublishedOnceWithItsBytesTopicAndProperties(Broker kind) throws Exception {
    MosquittoBroker.assumeAvailable();
    kind.assumeSelected();
    TestBroker broker = SharedFixtures.broker(kind, BrokerOptions.DEFAULTS.withPersistence(false));
    String id = kind.name().toLowerCase();
    String kafkaTopic = kafkaTopic(kind, "sink.matrix." + id);
    String mqttPrefix = "matrix/" + kafkaTopic;
    String version = broker.mqtt5() ? "mqttv5" : "mqttv311";
    String subscriberId = "sink-matrix-bytes-" + id;
    fixtures.topics().create(kafkaTopic, 3);

    // mosquitto_sub makes a persistent session with its subscription now and collects the messages
    // later.
    List<String> persistentSubscriber =
        List.of("-V", version, "-c", "-i", subscriberId, "-q", "1", "-t", mqttPrefix + "/bytes/#");
    MosquittoBroker.subscribeTo(
        broker.port(), Duration.ofSeconds(30), with(persistentSubscriber, "-E"));
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    String text = "{\"broker\":\"" + id + "\",\"text\":\"h\u00e9llo \u2713 \u6f22\"}";
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    records.add(
        record(
            kafkaTopic,
            "binary",
            binary,
            "group",
            "bytes",
            "site",
            "lab",
            "mqtt.content.type",
            "application/octet-stream",
            "mqtt.user.origin",
            "ops",
            "mqtt.user.origin",
            "audit",
            "mqtt.user.lang",
            "fran\u00e7ais"));
    records.add(
        record(
            kafkaTopic,
            "text",
            text.getBytes(StandardCharsets.UTF_8),
            "group",
            "bytes",
            "site",
            "lab",
            "mqtt.content.type",
            "application/json"));
    for (long seq = 0; seq < RECORDS; seq++) {
      records.add(
          record(
              kafkaTopic,
              "device-" + seq % 7,
              loadPayload(seq, PAYLOAD_SIZE),
              "group",
              "load",
              "site",
              "s" + seq % 3,
              "mqtt.user.seq",
              Long.toString(seq)));
    }
    fixtures.topics().send(records);

    String name = "sink-matrix-" + id;
    try (MqttRecorder recorder =
        MqttRecorder.subscribe(
            "sink-matrix-load-" + id,
            broker.port(),
            mqttPrefix + "/load/#",
            false,
            broker.mqtt5())) {
      fixtures
          .rest()
          .createOrReplace(
              name,
              sinkConfig(
                  broker, kafkaTopic, "matrix/${topic}/${header.group}/${header.site}/${key}"));
      try {
        fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
        long started = System.nanoTime();
        try {
          recorder.awaitAtLeast(RECORDS, Duration.ofSeconds(60));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(
              broker.name()
                  + ": the subscriber received "
                  + recorder.received().size()
                  + " of "
                  + RECORDS
                  + " records; the task: "
                  + taskMetrics(name)
                  + "; "
                  + fixtures.rest().status(name),
              e);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        String output =
            MosquittoBroker.subscribeTo(
                broker.port(),
                Duration.ofSeconds(40),
                with(persistentSubscriber, "-C", "2", "-W", "30", "-F", FORMAT));
        assertBytesRecords(broker, mqttPrefix, output, binary, text);
        assertLoadRecords(broker, mqttPrefix, List.copyOf(recorder.received()));
        System.out.printf(
            "MATRIX-SINK: %s over MQTT %s: %d + 2 records published and received in %.1f s%n",
            broker.name(), broker.mqtt5() ? "5" : "3.1.1", RECORDS, seconds);
      } finally {
        fixtures.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    }
  }

  /** What the task's metrics say (the worker runs in this JVM), for failure messages. */
  private static String taskMetrics(String connector) {
    try {
      javax.management.MBeanServer server =
          java.lang.management.ManagementFactory.getPlatformMBeanServer();
      javax.management.ObjectName metrics =
          new javax.management.ObjectName(
              "connect-mqtt:type=mqtt-sink-task-metrics,connector=" + connector + ",task=0");
      StringBuilder text = new StringBuilder();
      for (String attribute :
          List.of(
              "records-in-total",
              "messages-published-total",
              "messages-acknowledged-total",
              "in-flight",
              "retries-total",
              "errors-total",
              "reconnects")) {
        text.append(attribute)
            .append('=')
            .append(server.getAttribute(metrics, attribute))
            .append(' ');
      }
      return text.toString().trim();
    } catch (Exception e) {
      return "(no metrics: " + e + ")";
    }
  }

  private static void assertBytesRecords(
      TestBroker broker, String prefix, String output, byte[] binary, String text) {
    Map<String, String[]> byTopic =
        output
            .lines()
            .map(line -> line.split("\\|", -1))
            .collect(Collectors.toMap(fields -> fields[0], fields -> fields));
    assertThat(byTopic)
        .as("what mosquitto_sub received from " + broker.name())
        .containsOnlyKeys(prefix + "/bytes/lab/binary", prefix + "/bytes/lab/text");
    String[] binaryMessage = byTopic.get(prefix + "/bytes/lab/binary");
    String[] textMessage = byTopic.get(prefix + "/bytes/lab/text");
    assertThat(binaryMessage[1]).as("QoS (the sink's default)").isEqualTo("1");
    assertThat(binaryMessage[2]).as("retain flag").isEqualTo("0");
    assertThat(HexFormat.of().parseHex(binaryMessage[5])).as("binary payload").isEqualTo(binary);
    assertThat(textMessage[1]).isEqualTo("1");
    assertThat(new String(HexFormat.of().parseHex(textMessage[5]), StandardCharsets.UTF_8))
        .as("UTF-8 payload")
        .isEqualTo(text);
    if (broker.mqtt5()) {
      assertThat(binaryMessage[3]).as("content type").isEqualTo("application/octet-stream");
      assertThat(binaryMessage[4])
          .as("user properties, repeated and in order")
          .isEqualTo("origin:ops origin:audit lang:fran\u00e7ais");
      assertThat(textMessage[3]).as("content type").isEqualTo("application/json");
      assertThat(textMessage[4]).as("user properties").isEmpty();
    } else {
      assertThat(binaryMessage[3] + binaryMessage[4]).as("MQTT 3.1.1 has no properties").isEmpty();
    }
  }

  private static void assertLoadRecords(
      TestBroker broker, String prefix, List<Mqtt5Publish> received) {
    int[] seen = new int[RECORDS];
    for (Mqtt5Publish publish : received) {
      byte[] payload = publish.getPayloadAsBytes();
      long seq = ByteBuffer.wrap(payload).getLong(0);
      assertThat(seq).as("sequence number").isBetween(0L, RECORDS - 1L);
      assertThat(payload).as("payload of record " + seq).isEqualTo(loadPayload(seq, PAYLOAD_SIZE));
      assertThat(publish.getTopic().toString())
          .as("topic of record " + seq)
          .isEqualTo(prefix + "/load/s" + seq % 3 + "/device-" + seq % 7);
      assertThat(publish.getQos()).as("QoS of record " + seq).isEqualTo(MqttQos.AT_LEAST_ONCE);
      if (broker.mqtt5()) {
        assertThat(publish.getUserProperties().asList())
            .as("user properties of record " + seq)
            .extracting(p -> p.getName() + "=" + p.getValue())
            .containsExactly("seq=" + seq);
      }
      seen[(int) seq]++;
    }
    long missing = java.util.Arrays.stream(seen).filter(n -> n == 0).count();
    long duplicates = java.util.Arrays.stream(seen).filter(n -> n > 1).map(n -> n - 1).sum();
    System.out.printf(
        "MATRIX-SINK: %s: %d of %d records received, %d missing, %d duplicates, broker drops %s%n",
        broker.name(),
        RECORDS - missing,
        RECORDS,
        missing,
        duplicates,
        broker.droppedMessageCount());
    assertThat(missing).as("records missing on " + broker.name()).isZero();
    assertThat(duplicates).as("duplicates in a run without faults on " + broker.name()).isZero();
    broker
        .droppedMessageCount()
        .ifPresent(dropped -> assertThat(dropped).as("broker drops").isZero());
  }

  /**
   * A record with a UTF-8 key, the value's bytes and UTF-8 headers (name, value, name, value, ...).
   */
  private static ProducerRecord<byte[], byte[]> record(
      String topic, String key, byte[] value, String... headers) {
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      record.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return record;
  }

  /** {@code args} followed by {@code more}, as mosquitto_sub takes them. */
  private static String[] with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
