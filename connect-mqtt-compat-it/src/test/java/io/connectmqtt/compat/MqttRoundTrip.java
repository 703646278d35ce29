package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperty;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * MQTT → source connector → Kafka → sink connector → MQTT in one worker: payload bytes, key and
 * headers (MQTT 5 user properties) must come out as they went in, every message exactly once.
 */
final class MqttRoundTrip {

  static final int MESSAGES = 200;
  private static final String HEADER_CONVERTER = "io.connectmqtt.common.MqttHeaderConverter";

  /** What a run measured, for the matrix. */
  record Result(int published, int inKafka, int received, int lost, int duplicates) {}

  private MqttRoundTrip() {}

  static Result run(ProcessStack stack, TestBroker broker, String tag) throws Exception {
    String in = "compat/" + tag + "/in/device-1";
    String out = "compat/" + tag + "/out";
    String topic = "compat-" + tag + "-roundtrip";
    stack.topics().create(topic, 1);
    Map<String, String> source =
        connector("io.connectmqtt.source.MqttSourceConnector", "compat-source-" + tag, broker);
    source.put("mqtt.topics", "compat/" + tag + "/in/#");
    source.put("kafka.topic", topic);
    source.put("record.key", "topic");
    source.put("record.value.format", "bytes");
    stack.rest().createOrReplace("compat-source-" + tag, source);
    Map<String, String> sink =
        connector("io.connectmqtt.sink.MqttSinkConnector", "compat-sink-" + tag, broker);
    sink.put("topics", topic);
    sink.put("mqtt.topic", out);
    sink.put("mqtt.properties.from.headers", "user");
    stack.rest().createOrReplace("compat-sink-" + tag, sink);
    stack.rest().awaitRunning("compat-source-" + tag, 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning("compat-sink-" + tag, 1, Duration.ofSeconds(90));
    // RUNNING comes before the MQTT subscription (made once connected); the task logs it, nothing
    // else tells.
    WorkerLog.await(stack, "subscribed to", "compat/" + tag + "/in/#");

    try (MqttRecorder recorder =
        MqttRecorder.subscribe("compat-recorder-" + tag, broker.port(), out)) {
      Mqtt5BlockingClient device =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("compat-device-" + tag)
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildBlocking();
      device.connect();
      for (int seq = 0; seq < MESSAGES; seq++) {
        publish(device, in, seq);
      }
      device.disconnect();

      List<ConsumerRecord<byte[], byte[]>> records =
          stack.topics().readAll(topic, MESSAGES, Duration.ofSeconds(90));
      for (ConsumerRecord<byte[], byte[]> record : records) {
        int seq = Integer.parseInt(header(record, "mqtt.user.seq"));
        assertThat(record.value()).as("payload of " + seq).isEqualTo(payload(seq));
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(in);
        assertThat(header(record, "mqtt.user.fw")).isEqualTo("1.2.3");
      }
      List<Mqtt5Publish> received = recorder.awaitAtLeast(MESSAGES, Duration.ofSeconds(90));
      // A sentinel after the last message: duplicates of earlier ones would have arrived before it
      // (one partition, one topic, QoS 1 keeps order).
      Mqtt5BlockingClient late =
          MqttClient.builder()
              .useMqttVersion5()
              .identifier("compat-sentinel-" + tag)
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildBlocking();
      late.connect();
      publish(late, in, MESSAGES);
      late.disconnect();
      received = recorder.awaitAtLeast(MESSAGES + 1, Duration.ofSeconds(60));
      Map<Integer, Integer> copies = new HashMap<>();
      for (Mqtt5Publish message : received) {
        Map<String, String> properties = userProperties(message);
        int seq = Integer.parseInt(properties.get("seq"));
        copies.merge(seq, 1, Integer::sum);
        assertThat(message.getPayloadAsBytes())
            .as("payload of " + seq + " after the round trip")
            .isEqualTo(payload(seq));
        assertThat(properties).containsEntry("fw", "1.2.3");
      }
      Set<Integer> expected = new TreeSet<>();
      for (int seq = 0; seq <= MESSAGES; seq++) {
        expected.add(seq);
      }
      int lost = (int) expected.stream().filter(seq -> !copies.containsKey(seq)).count();
      int duplicates = received.size() - copies.size();
      long inKafka = stack.topics().endOffsetSum(topic);
      Result result = new Result(MESSAGES + 1, (int) inKafka, received.size(), lost, duplicates);
      assertThat(lost).as("lost " + result).isZero();
      assertThat(duplicates).as("duplicates " + result).isZero();
      assertThat(inKafka).as("records in Kafka " + result).isEqualTo(MESSAGES + 1);
      return result;
    }
  }

  /** What both connectors share: one task, QoS 1, bytes through unchanged, our header converter. */
  private static Map<String, String> connector(
      String connectorClass, String clientId, TestBroker broker) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", connectorClass);
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", broker.uri());
    config.put("mqtt.client.id", clientId);
    config.put("mqtt.qos", "1");
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    config.put("header.converter", HEADER_CONVERTER);
    return config;
  }

  private static void publish(Mqtt5BlockingClient client, String topic, int seq) {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(payload(seq))
        .userProperties()
        .add("seq", Integer.toString(seq))
        .add("fw", "1.2.3")
        .applyUserProperties()
        .send();
  }

  /**
   * Bytes that are not UTF-8 text (0xff, 0x00) around the sequence number: converters must pass
   * them untouched.
   */
  static byte[] payload(int seq) {
    return ByteBuffer.allocate(10)
        .put((byte) 0xff)
        .put((byte) 0x00)
        .putInt(seq)
        .put((byte) 0xc3)
        .put((byte) 0x28)
        .put((byte) 0x00)
        .put((byte) 0x7f)
        .array();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  private static Map<String, String> userProperties(Mqtt5Publish message) {
    Map<String, String> properties = new HashMap<>();
    for (Mqtt5UserProperty property : message.getUserProperties().asList()) {
      properties.put(property.getName().toString(), property.getValue().toString());
    }
    return properties;
  }
}
