package io.connectmqtt.sink;

import static io.connectmqtt.testkit.KafkaTopics.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MosquittoSubscriber;
import io.connectmqtt.testkit.MqttRecorder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Records land on the rendered MQTT topics with the expected payload, QoS, retain and MQTT 5
 * properties.
 */
class SinkRoutingIT {

  private static final int ORDERED_RECORDS = 2_000;

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures = BrokerWithConnect.hivemq();

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void structValuesKeysAndHeadersRenderTopicsAndBecomeMqtt5Properties() throws Exception {
    fixtures.topics().create("commands", 3);
    try (MqttRecorder subscriber =
        MqttRecorder.subscribe("routing-sub", fixtures.broker().port(), "devices/#")) {
      String schema =
          "{\"type\":\"struct\",\"fields\":[{\"field\":\"action\",\"type\":\"string\"},"
              + "{\"field\":\"level\",\"type\":\"int32\"}]}";
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      records.add(
          record(
              "commands",
              "d1",
              "{\"schema\":" + schema + ",\"payload\":{\"action\":\"reboot\",\"level\":2}}",
              "mqtt.qos",
              "2",
              "mqtt.retain",
              "true",
              "mqtt.content.type",
              "application/json",
              "mqtt.user.origin",
              "ops",
              "mqtt.user.origin",
              "audit",
              "mqtt.correlation.data",
              Base64.getEncoder().encodeToString("c-1".getBytes(StandardCharsets.UTF_8)),
              "mqtt.response.topic",
              "devices/d1/replies",
              "mqtt.message.expiry",
              "60",
              "mqtt.payload.format",
              "utf-8"));
      records.add(
          record(
              "commands",
              "d2",
              "{\"schema\":" + schema + ",\"payload\":{\"action\":\"blink\",\"level\":0}}"));
      fixtures.topics().send(records);

      Map<String, String> config =
          SinkConfigs.json(
              "commands", fixtures.broker().uri(), "devices/${key}/cmd/${value.action}");
      config.put("value.converter.schemas.enable", "true");
      fixtures.startConnector("routing-struct", config);

      List<Mqtt5Publish> received = subscriber.awaitAtLeast(2, Duration.ofSeconds(30));
      Mqtt5Publish reboot =
          received.stream()
              .filter(p -> p.getTopic().toString().equals("devices/d1/cmd/reboot"))
              .findFirst()
              .orElseThrow();
      assertThat(JSON.readTree(reboot.getPayloadAsBytes()))
          .isEqualTo(JSON.readTree("{\"action\":\"reboot\",\"level\":2}"));
      assertThat(reboot.getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
      assertThat(reboot.isRetain()).isTrue();
      assertThat(reboot.getContentType().orElseThrow().toString()).isEqualTo("application/json");
      assertThat(reboot.getUserProperties().asList())
          .extracting(p -> p.getName() + "=" + p.getValue())
          .containsExactly("origin=ops", "origin=audit");
      assertThat(
              StandardCharsets.UTF_8.decode(reboot.getCorrelationData().orElseThrow()).toString())
          .isEqualTo("c-1");
      assertThat(reboot.getResponseTopic().orElseThrow().toString())
          .isEqualTo("devices/d1/replies");
      assertThat(reboot.getMessageExpiryInterval().orElseThrow()).isBetween(50L, 60L);
      Mqtt5Publish blink =
          received.stream()
              .filter(p -> p.getTopic().toString().equals("devices/d2/cmd/blink"))
              .findFirst()
              .orElseThrow();
      assertThat(blink.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
      assertThat(blink.isRetain()).isFalse();
      assertThat(blink.getUserProperties().asList()).isEmpty();
    }
    // The retained command is there for a device that subscribes later.
    try (MqttRecorder late =
        MqttRecorder.subscribe("late-sub", fixtures.broker().port(), "devices/d1/#")) {
      assertThat(late.awaitAtLeast(1, Duration.ofSeconds(10)).get(0).isRetain()).isTrue();
    }
    fixtures.rest().delete("routing-struct");
  }

  @Test
  void tombstoneClearsTheRetainedMessage() throws Exception {
    fixtures.topics().create("state", 1);
    Map<String, String> config = SinkConfigs.json("state", fixtures.broker().uri(), "state/${key}");
    config.put("mqtt.retain", "true");
    config.put("mqtt.null.value.behavior", "clear-retained");
    fixtures.startConnector("routing-retained", config);
    try (MqttRecorder first =
        MqttRecorder.subscribe("retained-1", fixtures.broker().port(), "state/#")) {
      // Subscribed before the publish: one that crossed it could get the message twice, as the
      // retained copy of its SUBSCRIBE and live (seen once, with the tests in another order).
      fixtures.topics().send(List.of(record("state", "lamp", "{\"on\":true}")));
      assertThat(
              new String(
                  first.awaitAtLeast(1, Duration.ofSeconds(30)).get(0).getPayloadAsBytes(),
                  StandardCharsets.UTF_8))
          .isEqualTo("{\"on\":true}");
      fixtures.topics().send(List.of(record("state", "lamp", null)));
      // The clearing message (empty, retained) reaches subscribers present when it is published.
      Mqtt5Publish clear = first.awaitAtLeast(2, Duration.ofSeconds(30)).get(1);
      assertThat(clear.getTopic().toString()).isEqualTo("state/lamp");
      assertThat(clear.getPayloadAsBytes()).isEmpty();
    }
    try (MqttRecorder second =
        MqttRecorder.subscribe("retained-2", fixtures.broker().port(), "state/#")) {
      // Negative check: nothing signals that a broker holds no retained message, and retained
      // messages on other topics are in no order with this one, so no sentinel can follow it.
      Thread.sleep(2_000);
      assertThat(second.received()).as("no retained message after the tombstone").isEmpty();
    }
    fixtures.rest().delete("routing-retained");
  }

  @Test
  void mapValuesReachMosquittoSubAsJson() throws Exception {
    MosquittoBroker.assumeAvailable();
    try (MosquittoBroker mosquitto = MosquittoBroker.start()) {
      fixtures.topics().create("readings", 2);
      List<String> lines;
      try (MosquittoSubscriber sub =
          MosquittoSubscriber.start(mosquitto.port(), "-t", "site/#", "-q", "1")) {
        sub.awaitSubscribeHandled(Duration.ofSeconds(30));
        fixtures
            .topics()
            .send(
                List.of(
                    record("readings", "k1", "{\"device\":\"d1\",\"t\":21.5}", "site", "berlin"),
                    record("readings", "k2", "{\"device\":\"d2\",\"t\":19}", "site", "lyon"),
                    record("readings", "k3", "{\"device\":\"d3\",\"t\":-4.25}", "site", "osaka")));
        Map<String, String> config =
            SinkConfigs.json("readings", mosquitto.uri(), "site/${header.site}/${value.device}");
        fixtures.startConnector("routing-map", config);
        Awaitility.await("three messages at mosquitto_sub")
            .atMost(Duration.ofSeconds(60))
            .until(() -> sub.received().size() >= 3);
        lines = sub.received();
      }
      assertThat(lines).hasSize(3);
      // JsonConverter without schemas gives a HashMap: compare the JSON, not its field order.
      Map<String, com.fasterxml.jackson.databind.JsonNode> byTopic = new HashMap<>();
      for (String line : lines) {
        byTopic.put(
            line.substring(0, line.indexOf(' ')),
            JSON.readTree(line.substring(line.indexOf(' ') + 1)));
      }
      assertThat(byTopic).containsOnlyKeys("site/berlin/d1", "site/lyon/d2", "site/osaka/d3");
      assertThat(byTopic.get("site/berlin/d1"))
          .isEqualTo(JSON.readTree("{\"device\":\"d1\",\"t\":21.5}"));
      assertThat(byTopic.get("site/lyon/d2"))
          .isEqualTo(JSON.readTree("{\"device\":\"d2\",\"t\":19}"));
      assertThat(byTopic.get("site/osaka/d3"))
          .isEqualTo(JSON.readTree("{\"device\":\"d3\",\"t\":-4.25}"));
      fixtures.rest().delete("routing-map");
    }
  }

  @Test
  void recordsOfOnePartitionArriveInOffsetOrder() throws Exception {
    fixtures.topics().create("ordered", 1);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < ORDERED_RECORDS; i++) {
      records.add(record("ordered", "k" + (i % 7), Integer.toString(i)));
    }
    fixtures.topics().send(records);
    try (MqttRecorder subscriber =
        MqttRecorder.subscribe("ordered-sub", fixtures.broker().port(), "ordered/#")) {
      Map<String, String> config =
          SinkConfigs.json("ordered", fixtures.broker().uri(), "ordered/all");
      config.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
      fixtures.rest().createOrReplace("routing-ordered", config);
      List<Mqtt5Publish> received =
          subscriber.awaitAtLeast(ORDERED_RECORDS, Duration.ofSeconds(60));
      assertThat(fixtures.broker().droppedMessages()).as("messages the broker dropped").isZero();
      List<Integer> sequence =
          received.stream()
              .map(p -> Integer.parseInt(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)))
              .toList();
      assertThat(sequence)
          .isEqualTo(java.util.stream.IntStream.range(0, ORDERED_RECORDS).boxed().toList());
    }
    fixtures.rest().delete("routing-ordered");
  }
}
