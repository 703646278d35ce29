package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Messages from independent MQTT clients arrive in the mapped Kafka topics with payload, key and
 * every header.
 */
class MqttSourceRoundTripIT {

  private static HiveMqBroker hivemq;
  private static ConnectStack stack;

  @BeforeAll
  static void startStack() {
    hivemq = HiveMqBroker.start();
    stack = ConnectStack.start();
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  static Map<String, String> sourceConfig(
      String name, String brokerUri, String version, String topics) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSourceConnector.class.getName());
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", brokerUri);
    config.put("mqtt.version", version);
    config.put("mqtt.topics", topics);
    config.put("mqtt.qos", "2");
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    return config;
  }

  @Test
  void mqtt5MessagesKeepPayloadKeyHeadersAndUserPropertiesThroughRulesAndTemplates() {
    String name = "roundtrip-v5";
    Map<String, String> config =
        sourceConfig(name, hivemq.uri(), "5", "rt5/sensors/#,rt5/devices/+/telemetry");
    config.put("kafka.topic", "iot.${topic}");
    config.put(
        "kafka.topic.rules",
        "rt5/devices/+/telemetry=>devices.${3}.telemetry,rt5/sensors/alarm/#=>alarms");
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));

    Mqtt5BlockingClient publisher =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("rt5-publisher")
            .serverHost("127.0.0.1")
            .serverPort(hivemq.port())
            .buildBlocking();
    publisher.connect();
    awaitSubscribed(publisher, "rt5/sensors/warmup", "iot.rt5.sensors.warmup");

    byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0xfe, 10, 13};
    publisher
        .publishWith()
        .topic("rt5/sensors/plant1/temp")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(binary)
        .contentType("application/octet-stream")
        .correlationData("corr-42".getBytes(StandardCharsets.UTF_8))
        .responseTopic("rt5/replies/plant1")
        .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UNSPECIFIED)
        .messageExpiryInterval(3600)
        .userProperties(
            Mqtt5UserProperties.builder()
                .add("site", "berlin")
                .add("tag", "a")
                .add("tag", "b")
                .build())
        .send();
    publisher
        .publishWith()
        .topic("rt5/devices/dev-7/telemetry")
        .qos(MqttQos.EXACTLY_ONCE)
        .payload("{\"t\":21.5}".getBytes(StandardCharsets.UTF_8))
        .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
        .send();
    publisher
        .publishWith()
        .topic("rt5/sensors/alarm/fire/zone 1")
        .qos(MqttQos.AT_MOST_ONCE)
        .payload("ALARM".getBytes(StandardCharsets.UTF_8))
        .retain(true)
        .send();
    publisher.disconnect();

    ConsumerRecord<byte[], byte[]> temp = single("iot.rt5.sensors.plant1.temp");
    assertThat(temp.value()).isEqualTo(binary);
    assertThat(new String(temp.key(), StandardCharsets.UTF_8)).isEqualTo("rt5/sensors/plant1/temp");
    assertThat(header(temp, "mqtt.topic")).isEqualTo("rt5/sensors/plant1/temp");
    assertThat(header(temp, "mqtt.qos")).isEqualTo("1");
    assertThat(header(temp, "mqtt.retain")).isEqualTo("false");
    assertThat(header(temp, "mqtt.dup")).isEqualTo("false");
    assertThat(Integer.parseInt(header(temp, "mqtt.message.id"))).isPositive();
    assertThat(header(temp, "source")).isEqualTo("mqtt");
    assertThat(header(temp, "mqtt.content.type")).isEqualTo("application/octet-stream");
    assertThat(header(temp, "mqtt.response.topic")).isEqualTo("rt5/replies/plant1");
    // Bytes headers are Base64 text under Connect's default SimpleHeaderConverter (documented in
    // docs/headers.md).
    assertThat(java.util.Base64.getDecoder().decode(headerBytes(temp, "mqtt.correlation.data")))
        .isEqualTo("corr-42".getBytes(StandardCharsets.UTF_8));
    assertThat(header(temp, "mqtt.payload.format")).isEqualTo("bytes");
    assertThat(Long.parseLong(header(temp, "mqtt.message.expiry"))).isBetween(3500L, 3600L);
    assertThat(header(temp, "mqtt.user.site")).isEqualTo("berlin");
    assertThat(headers(temp, "mqtt.user.tag")).containsExactly("a", "b");

    ConsumerRecord<byte[], byte[]> telemetry = single("devices.dev-7.telemetry");
    assertThat(new String(telemetry.value(), StandardCharsets.UTF_8)).isEqualTo("{\"t\":21.5}");
    assertThat(header(telemetry, "mqtt.qos")).isEqualTo("2");
    assertThat(header(telemetry, "mqtt.payload.format")).isEqualTo("utf-8");

    ConsumerRecord<byte[], byte[]> alarm = single("alarms");
    assertThat(new String(alarm.value(), StandardCharsets.UTF_8)).isEqualTo("ALARM");
    assertThat(new String(alarm.key(), StandardCharsets.UTF_8))
        .isEqualTo("rt5/sensors/alarm/fire/zone 1");
    assertThat(header(alarm, "mqtt.qos")).isEqualTo("0");
    assertThat(alarm.headers().lastHeader("mqtt.message.id")).isNull();
    stack.rest().delete(name);
  }

  @Test
  void mqtt311MessagesFromMosquittoPubArriveWithHeadersAndLevelKeys() {
    MosquittoBroker.assumeAvailable();
    try (MosquittoBroker mosquitto = MosquittoBroker.start()) {
      String name = "roundtrip-v311";
      Map<String, String> config = sourceConfig(name, mosquitto.uri(), "3.1.1", "plant/+/line/#");
      config.put("kafka.topic", "plant.${2}");
      config.put("record.key", "level");
      config.put("record.key.level", "4");
      stack.rest().createOrReplace(name, config);
      stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      List<String> sent = new ArrayList<>();
      org.awaitility.Awaitility.await("mosquitto_pub message arrives")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                mosquitto.publish(
                    "-V", "mqttv311", "-q", "1", "-t", "plant/p9/line/warmup", "-m", "warmup");
                return !stack.topics().readAll("plant.p9", 1, Duration.ofSeconds(1)).isEmpty();
              });
      for (int i = 0; i < 20; i++) {
        String payload = "{\"seq\":" + i + ",\"text\":\"h\u00e9llo \u2713\"}";
        sent.add(payload);
        mosquitto.publish(
            "-V",
            "mqttv311",
            "-q",
            i % 2 == 0 ? "1" : "2",
            "-t",
            "plant/p9/line/L" + i,
            "-m",
            payload);
      }
      List<ConsumerRecord<byte[], byte[]>> records =
          stack.topics().readAll("plant.p9", 21, Duration.ofSeconds(60)).stream()
              .filter(r -> !"warmup".equals(new String(r.value(), StandardCharsets.UTF_8)))
              .toList();
      assertThat(records).hasSize(20);
      for (int i = 0; i < 20; i++) {
        ConsumerRecord<byte[], byte[]> record = records.get(i);
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(sent.get(i));
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("L" + i);
        assertThat(header(record, "mqtt.topic")).isEqualTo("plant/p9/line/L" + i);
        assertThat(header(record, "mqtt.qos")).isEqualTo(i % 2 == 0 ? "1" : "2");
        assertThat(header(record, "source")).isEqualTo("mqtt");
        assertThat(record.headers().lastHeader("mqtt.user.any")).isNull();
      }
      stack.rest().delete(name);
    }
  }

  @Test
  void mqtt311ClientOnHiveMqIsAlsoCarried() {
    String name = "roundtrip-v311-hivemq";
    Map<String, String> config = sourceConfig(name, hivemq.uri(), "3.1.1", "v3/#");
    config.put("kafka.topic", "v3-all");
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    Mqtt3BlockingClient publisher =
        MqttClient.builder()
            .useMqttVersion3()
            .identifier("v3-publisher")
            .serverHost("127.0.0.1")
            .serverPort(hivemq.port())
            .buildBlocking();
    publisher.connect();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publisher
                  .publishWith()
                  .topic("v3/x")
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(new byte[] {42})
                  .send();
              return !stack.topics().readAll("v3-all", 1, Duration.ofSeconds(1)).isEmpty();
            });
    publisher.disconnect();
    ConsumerRecord<byte[], byte[]> record =
        stack.topics().readAll("v3-all", 1, Duration.ofSeconds(10)).get(0);
    assertThat(record.value()).containsExactly(42);
    assertThat(header(record, "mqtt.topic")).isEqualTo("v3/x");
    assertThat(record.headers().lastHeader("mqtt.content.type")).isNull();
    stack.rest().delete(name);
  }

  private static void awaitSubscribed(
      Mqtt5BlockingClient publisher, String topic, String kafkaTopic) {
    org.awaitility.Awaitility.await("subscription active")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publisher
                  .publishWith()
                  .topic(topic)
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(new byte[] {1})
                  .send();
              return !stack.topics().readAll(kafkaTopic, 1, Duration.ofSeconds(1)).isEmpty();
            });
  }

  private static ConsumerRecord<byte[], byte[]> single(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records =
        stack.topics().readAll(topic, 1, Duration.ofSeconds(30));
    assertThat(records).as("records in " + topic).hasSize(1);
    return records.get(0);
  }

  static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  static byte[] headerBytes(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return header.value();
  }

  static List<String> headers(ConsumerRecord<byte[], byte[]> record, String name) {
    return StreamSupport.stream(record.headers().headers(name).spliterator(), false)
        .map(h -> new String(h.value(), StandardCharsets.UTF_8))
        .toList();
  }
}
