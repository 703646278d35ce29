package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.Ports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The main job as the README runs it, on free ports, for a short while: every connector RUNNING, sensor data in
 * Kafka, alarms sent back over MQTT by the sink, CRUD requests answered by entity sync, and a clean stop.
 */
class DemoIT {

  @Test
  void demoRunsEveryShippedConnectorEndToEnd() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    int mqttPort = Ports.free();
    Demo demo = new Demo(Demo.Options.parse(new String[] {
        "--mqtt-port=" + mqttPort, "--mqtt-ws-port=" + Ports.free(), "--kafka-port=" + Ports.free(),
        "--connect-port=" + Ports.free(), "--duration=30"}), out);
    CompletableFuture<Integer> running = CompletableFuture.supplyAsync(() -> {
      try {
        return demo.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    Awaitility.await("all connectors RUNNING").atMost(Duration.ofSeconds(180))
        .until(() -> buffer.toString(StandardCharsets.UTF_8).contains("all connectors RUNNING")
            || running.isDone());
    assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("all connectors RUNNING");

    try (MqttRecorder alerts = MqttRecorder.subscribe("demo-it-alerts", mqttPort, "demo/alerts/#");
        MqttRecorder replies = MqttRecorder.subscribe("demo-it", mqttPort, "spec/demo-it/response")) {
      var client = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1")
          .serverPort(mqttPort).buildBlocking();
      client.connect();
      client.publishWith().topic("spec/demo-it/request").qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE)
          .payload("{\"id\":\"q1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\"}"
              .getBytes(StandardCharsets.UTF_8)).send();
      JsonNode reply = new ObjectMapper().readTree(replies.awaitAtLeast(1, Duration.ofSeconds(30)).get(0)
          .getPayloadAsBytes());
      client.disconnect();
      assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
      assertThat(reply.path("data").findValuesAsText("name")).contains("Ada", "Grace");
      assertThat(alerts.awaitAtLeast(1, Duration.ofSeconds(60)).get(0).getTopic().toString())
          .startsWith("demo/alerts/");
    }

    assertThat(running.get(120, TimeUnit.SECONDS)).isZero();
    String output = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(output);
    assertThat(output).contains("mqtt-source: RUNNING").contains("mqtt-sink: RUNNING")
        .contains("entity-sync: RUNNING").contains("entity-notify: RUNNING").contains("mqtt.topic=demo/sensors/")
        .contains("Stopped cleanly.");
    Matcher summary = Pattern.compile("== published (\\d+) MQTT messages \\| in Kafka (\\d+)").matcher(output);
    long published = 0;
    long inKafka = 0;
    while (summary.find()) {
      published = Long.parseLong(summary.group(1));
      inKafka = Long.parseLong(summary.group(2));
    }
    assertThat(published).isPositive();
    assertThat(inKafka).as("records in Kafka by the last summary").isGreaterThan(published / 2);
  }
}
