package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The source connector on every broker of the matrix, with its documented defaults: {@code mqtt.version=auto} finds
 * MQTT 5 where the broker has it, else MQTT 3.1.1. Independent clients publish QoS 1 messages (mosquitto_pub for exact payload bytes, the testkit's
 * load publisher for volume) and every one must be in Kafka once, with its payload bytes, its key and its
 * {@code mqtt.topic} header. One Kafka and Connect stack for the class, one broker at a time.
 *
 * <p>The brokers keep sessions in memory here: this test restarts nothing, and Aedes with its LevelDB persistence
 * holds part of a burst back from an online subscriber until it reconnects (a broker defect, see
 * {@code AedesBroker}). To reproduce a case: {@code -Dmatrix.brokers=MOSQUITTO} runs only that broker,
 * {@code -Dmatrix.outgoingWindow=100} sets its outgoing window.
 */
class BrokerMatrixRoundTripIT {

  private static final int MESSAGES = 2_000;
  private static final int PAYLOAD_SIZE = 256;

  private static ConnectStack stack;

  @BeforeAll
  static void startStack() {
    stack = ConnectStack.start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void everyQos1MessageArrivesOnceWithPayloadKeyAndTopicHeader(Broker kind) throws Exception {
    MosquittoBroker.assumeAvailable();
    kind.assumeSelected();
    BrokerOptions options = BrokerOptions.DEFAULTS.withPersistence(false)
        .withOutgoingWindow(Integer.getInteger("matrix.outgoingWindow", 0));
    try (TestBroker broker = kind.start(options)) {
      String id = kind.name().toLowerCase();
      String kafkaTopic = "matrix." + id;
      String version = broker.mqtt5() ? "5" : "3.1.1";
      stack.topics().create(kafkaTopic, 1);
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", MqttSourceConnector.class.getName());
      config.put("tasks.max", "1");
      config.put("mqtt.server.uris", broker.uri());
      config.put("mqtt.topics", "matrix/" + id + "/#");
      config.put("mqtt.qos", "1");
      config.put("kafka.topic", kafkaTopic);
      config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      String name = "matrix-" + id;
      stack.rest().createOrReplace(name, config);
      try {
        stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
        long started = System.nanoTime();
        roundTrip(broker, id, kafkaTopic, version);
        System.out.printf("MATRIX: %s over MQTT %s: %d + 2 messages round trip in %.1f s%n", broker.name(), version,
            MESSAGES, (System.nanoTime() - started) / 1e9);
      } finally {
        stack.rest().delete(name);
        // Deleting returns before the task stopped; closing the broker earlier would make it log reconnects.
        Awaitility.await(name + " deleted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> {
              try {
                stack.rest().status(name);
                return false;
              } catch (RuntimeException gone) {
                return true;
              }
            });
      }
    }
  }

  /**
   * tasks.max=2 on one filter needs shared subscriptions: validation accepts it where the broker has them and says
   * why not where it does not (MQTT 3.1.1 brokers that take $share/... as a plain filter), instead of tasks that
   * silently receive nothing.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void validationTellsWhetherTasksCanShareOneFilter(Broker kind) {
    kind.assumeSelected();
    try (TestBroker broker = kind.start(BrokerOptions.DEFAULTS.withPersistence(false))) {
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", MqttSourceConnector.class.getName());
      config.put("name", "matrix-shared-" + kind.name().toLowerCase());
      config.put("tasks.max", "2");
      config.put("mqtt.server.uris", broker.uri());
      config.put("mqtt.topics", "shared/#");
      config.put("kafka.topic", "matrix.shared");
      Map<String, List<String>> errors = ConnectRest.errorsByKey(
          stack.rest().validate(MqttSourceConnector.class.getName(), config));
      System.out.printf("MATRIX: %s, tasks.max=2 on one filter: %s%n", broker.name(), errors);
      if (broker.sharedSubscriptions()) {
        assertThat(errors).as("validation errors on " + broker.name()).isEmpty();
      } else {
        assertThat(errors.get("mqtt.topics")).as("the error on mqtt.topics (" + broker.name() + ")")
            .singleElement().asString().contains("shared subscription", "tasks.max=1");
      }
    }
  }

  private static void roundTrip(TestBroker broker, String id, String kafkaTopic, String version) throws Exception {
    String mosquittoVersion = broker.mqtt5() ? "mqttv5" : "mqttv311";
    // Subscribed once a warm-up message published after the connector started comes through.
    Awaitility.await(broker.name() + " subscription active").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1)).until(() -> {
          MosquittoBroker.publishTo(broker.port(), "-V", mosquittoVersion, "-i", "matrix-warmup", "-q", "1",
              "-t", "matrix/" + id + "/warmup", "-m", "warmup");
          return !stack.topics().readAll(kafkaTopic, 1, Duration.ofSeconds(1)).isEmpty();
        });
    long warmups = stack.topics().readAll(kafkaTopic, 1, Duration.ofSeconds(2)).size();

    // Exact bytes from an independent client: every byte value, and UTF-8 text with multi-byte characters.
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    Path binaryFile = Files.createTempFile("matrix-payload-", ".bin");
    Files.write(binaryFile, binary);
    String text = "{\"broker\":\"" + id + "\",\"text\":\"h\u00e9llo \u2713 \u6f22\"}";
    MosquittoBroker.publishTo(broker.port(), "-V", mosquittoVersion, "-i", "matrix-bytes", "-q", "1",
        "-t", "matrix/" + id + "/bytes/binary", "-f", binaryFile.toString());
    MosquittoBroker.publishTo(broker.port(), "-V", mosquittoVersion, "-i", "matrix-bytes", "-q", "1",
        "-t", "matrix/" + id + "/bytes/text", "-m", text);
    Files.delete(binaryFile);

    try (MqttLoadPublisher publisher = new MqttLoadPublisher("matrix-load-" + id, broker.port(), broker.mqtt5())) {
      publisher.publish(0, MESSAGES, PAYLOAD_SIZE, 0, seq -> "matrix/" + id + "/load/device-" + (seq % 7));
      assertThat(publisher.acknowledged()).as("messages the broker acknowledged").isEqualTo(MESSAGES);
    }

    long expected = warmups + 2 + MESSAGES;
    List<ConsumerRecord<byte[], byte[]>> records =
        stack.topics().readAll(kafkaTopic, expected, Duration.ofSeconds(120));
    List<ConsumerRecord<byte[], byte[]>> bytes = records.stream()
        .filter(r -> header(r, "mqtt.topic").startsWith("matrix/" + id + "/bytes/")).toList();
    List<ConsumerRecord<byte[], byte[]>> load = records.stream()
        .filter(r -> header(r, "mqtt.topic").startsWith("matrix/" + id + "/load/")).toList();

    assertThat(bytes).as("mosquitto_pub messages on " + broker.name()).hasSize(2);
    ConsumerRecord<byte[], byte[]> binaryRecord = bytes.stream()
        .filter(r -> header(r, "mqtt.topic").endsWith("/binary")).findFirst().orElseThrow();
    assertThat(binaryRecord.value()).isEqualTo(binary);
    assertThat(new String(binaryRecord.key(), StandardCharsets.UTF_8)).isEqualTo("matrix/" + id + "/bytes/binary");
    assertThat(header(binaryRecord, "mqtt.qos")).isEqualTo("1");
    ConsumerRecord<byte[], byte[]> textRecord = bytes.stream()
        .filter(r -> header(r, "mqtt.topic").endsWith("/text")).findFirst().orElseThrow();
    assertThat(new String(textRecord.value(), StandardCharsets.UTF_8)).isEqualTo(text);

    long[] seen = new long[MESSAGES];
    byte[] padding = new byte[PAYLOAD_SIZE - 24];
    for (ConsumerRecord<byte[], byte[]> record : load) {
      byte[] value = record.value();
      assertThat(value).hasSize(PAYLOAD_SIZE);
      long seq = MqttLoadPublisher.sequence(value);
      assertThat(seq).isBetween(0L, MESSAGES - 1L);
      String topic = "matrix/" + id + "/load/device-" + (seq % 7);
      assertThat(header(record, "mqtt.topic")).as("topic header of message " + seq).isEqualTo(topic);
      assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(topic);
      assertThat(Arrays.copyOfRange(value, 24, PAYLOAD_SIZE)).as("padding of message " + seq).isEqualTo(padding);
      assertThat(ByteBuffer.wrap(value).getLong(16)).as("send time of message " + seq)
          .isBetween(System.currentTimeMillis() - 600_000, System.currentTimeMillis());
      seen[(int) seq]++;
    }
    long missing = Arrays.stream(seen).filter(n -> n == 0).count();
    long duplicates = Arrays.stream(seen).filter(n -> n > 1).map(n -> n - 1).sum();
    System.out.printf("MATRIX: %s: %d of %d load messages in Kafka, %d missing, %d duplicates, broker drops %s%n",
        broker.name(), MESSAGES - missing, MESSAGES, missing, duplicates, broker.droppedMessageCount());
    assertThat(missing).as("messages missing in Kafka (" + broker.name() + ", MQTT " + version + ")").isZero();
    assertThat(duplicates).as("duplicates in a run without faults (" + broker.name() + ")").isZero();
    broker.droppedMessageCount().ifPresent(dropped -> assertThat(dropped).as("broker drops").isZero());
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }
}
