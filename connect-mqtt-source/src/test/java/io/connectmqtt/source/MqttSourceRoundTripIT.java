package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.FirstRecord;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Messages from independent MQTT clients arrive in the mapped Kafka topics with payload, key and
 * every header.
 */
@ExtendWith(SharedFixtures.class)
class MqttSourceRoundTripIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures =
      BrokerWithConnect.hivemq()
          .onSharedStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));

  @Test
  void mqtt5MessagesKeepPayloadKeyHeadersAndUserPropertiesThroughRulesAndTemplates() {
    String name = "roundtrip-v5";
    Map<String, String> config =
        SourceConfigs.versioned(
            fixtures.broker().uri(), "5", "rt5/sensors/#,rt5/devices/+/telemetry", "iot.${topic}");
    config.put(
        "kafka.topic.rules",
        "rt5/devices/+/telemetry=>devices.${3}.telemetry,rt5/sensors/alarm/#=>alarms");
    fixtures.startConnector(name, config);

    Mqtt5BlockingClient publisher =
        MqttClients.connected5("rt5-publisher", fixtures.broker().port());
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
    fixtures.rest().delete(name);
  }

  @Test
  void mqtt311MessagesFromMosquittoPubArriveWithHeadersAndLevelKeys() {
    MosquittoBroker.assumeAvailable();
    try (MosquittoBroker mosquitto = MosquittoBroker.start()) {
      String name = "roundtrip-v311";
      Map<String, String> config =
          SourceConfigs.versioned(mosquitto.uri(), "3.1.1", "plant/+/line/#", "plant.${2}");
      config.put("record.key", "level");
      config.put("record.key.level", "4");
      fixtures.startConnector(name, config);
      List<String> sent = new ArrayList<>();
      FirstRecord.await(
          "mosquitto_pub message arrives",
          fixtures.topics(),
          "plant.p9",
          Duration.ofSeconds(30),
          () -> {
            mosquitto.publish(
                "-V", "mqttv311", "-q", "1", "-t", "plant/p9/line/warmup", "-m", "warmup");
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
          fixtures.topics().readAll("plant.p9", 21, Duration.ofSeconds(60)).stream()
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
      fixtures.rest().delete(name);
    }
  }

  @Test
  void mqtt311ClientOnHiveMqIsAlsoCarried() {
    String name = "roundtrip-v311-hivemq";
    Map<String, String> config =
        SourceConfigs.versioned(fixtures.broker().uri(), "3.1.1", "v3/#", "v3-all");
    fixtures.startConnector(name, config);
    Mqtt3BlockingClient publisher =
        MqttClients.connected3("v3-publisher", fixtures.broker().port());
    FirstRecord.await(
        "the first record in " + "v3-all",
        fixtures.topics(),
        "v3-all",
        Duration.ofSeconds(30),
        () -> {
          publisher
              .publishWith()
              .topic("v3/x")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(new byte[] {42})
              .send();
        });
    publisher.disconnect();
    ConsumerRecord<byte[], byte[]> record =
        fixtures.topics().readAll("v3-all", 1, Duration.ofSeconds(10)).get(0);
    assertThat(record.value()).containsExactly(42);
    assertThat(header(record, "mqtt.topic")).isEqualTo("v3/x");
    assertThat(record.headers().lastHeader("mqtt.content.type")).isNull();
    fixtures.rest().delete(name);
  }

  private static void awaitSubscribed(
      Mqtt5BlockingClient publisher, String topic, String kafkaTopic) {
    FirstRecord.await(
        "subscription active",
        fixtures.topics(),
        kafkaTopic,
        Duration.ofSeconds(30),
        () -> {
          publisher
              .publishWith()
              .topic(topic)
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(new byte[] {1})
              .send();
        });
  }

  private static ConsumerRecord<byte[], byte[]> single(String topic) {
    List<ConsumerRecord<byte[], byte[]>> records =
        fixtures.topics().readAll(topic, 1, Duration.ofSeconds(30));
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
