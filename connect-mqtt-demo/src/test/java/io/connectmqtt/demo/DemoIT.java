package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Ports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The main job as the README runs it, on free ports, for a short while: connectors RUNNING, data flowing, clean stop. */
class DemoIT {

  @Test
  void demoRegistersTheShippedConnectorsAndShowsDataArrivingInKafka() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    Demo demo = new Demo(Demo.Options.parse(new String[] {
        "--mqtt-port=" + Ports.free(), "--mqtt-ws-port=" + Ports.free(), "--kafka-port=" + Ports.free(),
        "--connect-port=" + Ports.free(), "--duration=15"}), out);
    assertThat(demo.run()).isZero();
    String output = buffer.toString(StandardCharsets.UTF_8);
    System.out.println(output);

    assertThat(output).contains("all connectors RUNNING").contains("mqtt-source: RUNNING")
        .contains("mqtt.topic=demo/sensors/").contains("Stopped cleanly.");
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
