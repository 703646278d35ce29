package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The way users run it: Kafka and a Connect worker as separate JVMs from Kafka's own classes, the
 * built plugin directory on plugin.path with plugin.discovery=service_load, config/mqtt-source.json
 * submitted over REST.
 */
class PluginInstallE2EIT {

  private static HiveMqBroker hivemq;
  private static ProcessStack stack;

  @BeforeAll
  static void start() {
    hivemq = HiveMqBroker.start();
    stack =
        ProcessStack.start(
            List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")),
            Map.of("MQTT_SERVER_URIS", hivemq.uri()));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  @Test
  void workerDiscoversThePluginThroughServiceLoaderAndRunsTheShippedConfig() throws Exception {
    JsonNode plugins = stack.rest().plugins();
    List<String> classes = new ArrayList<>();
    plugins.forEach(p -> classes.add(p.path("class").asText()));
    assertThat(classes).contains(MqttSourceConnector.class.getName());

    Map<String, String> config =
        ConnectRest.readConnectorFile(ProjectLayout.root().resolve("config/mqtt-source.json"));
    String name = config.remove("name");
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    // The shipped config names the plugin's own header converter; the worker loads it from the
    // plugin.
    assertThat(java.nio.file.Files.readString(stack.home().resolve("connect.log")))
        .contains(
            "Set up the header converter class "
                + config.get("header.converter")
                + " for task "
                + name
                + "-0");

    Mqtt5BlockingClient device = MqttClients.connected5("e2e-device", hivemq.port());
    int messages = 200;
    for (int i = 0; i < messages; i++) {
      device
          .publishWith()
          .topic("demo/sensors/berlin/dev-" + (i % 5) + "/temperature")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(
              ("{\"seq\":" + i + ",\"celsius\":" + (20 + i % 7) + "}")
                  .getBytes(StandardCharsets.UTF_8))
          .userProperties()
          .add("fw", "1.2.3")
          .applyUserProperties()
          .send();
    }
    device
        .publishWith()
        .topic("demo/sensors/berlin/dev-0/alarm")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"level\":\"high\"}".getBytes(StandardCharsets.UTF_8))
        .send();
    device
        .publishWith()
        .topic("demo/sensors/berlin/dev-0/temperature")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("not json".getBytes(StandardCharsets.UTF_8))
        .send();
    device.disconnect();

    ObjectMapper json = new ObjectMapper();
    List<ConsumerRecord<byte[], byte[]>> records =
        stack.topics().readAll("iot.temperature", messages, Duration.ofSeconds(60));
    assertThat(records).hasSize(messages);
    List<Integer> sequence = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      sequence.add(json.readTree(record.value()).path("seq").asInt());
    }
    assertThat(sequence.stream().sorted().toList())
        .isEqualTo(java.util.stream.IntStream.range(0, messages).boxed().toList());
    ConsumerRecord<byte[], byte[]> first = records.get(0);
    assertThat(new String(first.key(), StandardCharsets.UTF_8))
        .startsWith("demo/sensors/berlin/dev-");
    assertThat(
            new String(first.headers().lastHeader("mqtt.user.fw").value(), StandardCharsets.UTF_8))
        .isEqualTo("1.2.3");

    List<ConsumerRecord<byte[], byte[]>> alarms =
        stack.topics().readAll("iot.alarms", 1, Duration.ofSeconds(30));
    assertThat(alarms).hasSize(1);
    assertThat(json.readTree(alarms.get(0).value()).path("level").asText()).isEqualTo("high");

    // The shipped config tolerates bad payloads: the raw message goes to the dead letter topic with
    // the reason.
    List<ConsumerRecord<byte[], byte[]>> dead =
        stack.topics().readAll("iot.dead-letters", 1, Duration.ofSeconds(30));
    assertThat(dead).hasSize(1);
    // The record passes through the connector's value converter: JsonConverter writes bytes as a
    // Base64 string.
    byte[] raw = java.util.Base64.getDecoder().decode(json.readTree(dead.get(0).value()).asText());
    assertThat(raw).isEqualTo("not json".getBytes(StandardCharsets.UTF_8));
    assertThat(
            new String(
                dead.get(0).headers().lastHeader("mqtt.topic").value(), StandardCharsets.UTF_8))
        .isEqualTo("demo/sensors/berlin/dev-0/temperature");
    assertThat(
            new String(
                dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(),
                StandardCharsets.UTF_8))
        .contains("not valid JSON");
    assertThat(stack.rest().taskState(name)).isEqualTo("RUNNING");
  }
}
