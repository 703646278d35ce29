package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Broker A (HiveMQ CE) → source → Kafka → sink → broker B (mosquitto), MQTT 5 properties intact:
 * both plugins from plugin.path in one worker (a separate JVM), as a user installs them.
 */
class BridgeIT {

  @Test
  void messagesCrossTwoBrokersThroughKafkaWithTheirProperties() throws Exception {
    MosquittoBroker.assumeAvailable();
    try (HiveMqBroker brokerA = HiveMqBroker.start();
        MosquittoBroker brokerB = MosquittoBroker.start();
        ProcessStack stack =
            ProcessStack.start(
                List.of(
                    ProjectLayout.pluginDirectory("connect-mqtt-source"),
                    ProjectLayout.pluginDirectory("connect-mqtt-sink")),
                Map.of());
        MqttRecorder onB = MqttRecorder.subscribe("bridge-receiver", brokerB.port(), "plant/#")) {
      stack.topics().create("bridge", 3);
      Map<String, String> source = new HashMap<>();
      source.put("connector.class", "io.connectmqtt.source.MqttSourceConnector");
      source.put("mqtt.server.uris", brokerA.uri());
      source.put("mqtt.topics", "plant/#");
      source.put("kafka.topic", "bridge");
      source.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      source.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      stack.rest().createOrReplace("bridge-source", source);

      Map<String, String> sink = new HashMap<>();
      sink.put("connector.class", "io.connectmqtt.sink.MqttSinkConnector");
      sink.put("topics", "bridge");
      sink.put("mqtt.server.uris", brokerB.uri());
      sink.put("mqtt.topic", "${header.mqtt.topic}");
      sink.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      sink.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      sink.put("consumer.override.auto.offset.reset", "earliest");
      stack.rest().createOrReplace("bridge-sink", sink);
      stack.rest().awaitRunning("bridge-source", 1, Duration.ofSeconds(60));
      stack.rest().awaitRunning("bridge-sink", 1, Duration.ofSeconds(60));
      // The source task subscribes on broker A after Connect reports RUNNING; its log says when.
      WorkerLog.await(stack, "subscribed to", "plant/#");

      Mqtt5BlockingClient device = MqttClients.connected5("bridge-device", brokerA.port());
      int messages = 50;
      for (int i = 0; i < messages; i++) {
        device
            .publishWith()
            .topic("plant/line-" + (i % 3) + "/press")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(("{\"seq\":" + i + "}").getBytes(StandardCharsets.UTF_8))
            .contentType("application/json")
            .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
            .correlationData(("corr-" + i).getBytes(StandardCharsets.UTF_8))
            .responseTopic("plant/replies/" + i)
            .userProperties()
            .add("shift", "night")
            .add("tag", "a")
            .add("tag", "b")
            .applyUserProperties()
            .send();
      }
      device.disconnect();

      List<Mqtt5Publish> received = onB.awaitAtLeast(messages, Duration.ofSeconds(60));
      assertThat(received).hasSize(messages);
      for (Mqtt5Publish publish : received) {
        String payload = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
        int seq = Integer.parseInt(payload.replaceAll("\\D", ""));
        assertThat(publish.getTopic().toString()).isEqualTo("plant/line-" + (seq % 3) + "/press");
        assertThat(publish.getContentType().orElseThrow().toString()).isEqualTo("application/json");
        assertThat(publish.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
        assertThat(
                StandardCharsets.UTF_8
                    .decode(publish.getCorrelationData().orElseThrow())
                    .toString())
            .isEqualTo("corr-" + seq);
        assertThat(publish.getResponseTopic().orElseThrow().toString())
            .isEqualTo("plant/replies/" + seq);
        assertThat(publish.getUserProperties().asList())
            .extracting(p -> p.getName() + "=" + p.getValue())
            .containsExactly("shift=night", "tag=a", "tag=b");
        assertThat(publish.getQos()).isEqualTo(MqttQos.AT_LEAST_ONCE);
      }
      assertThat(
              received.stream()
                  .map(p -> new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))
                  .distinct())
          .hasSize(messages);
    }
  }
}
