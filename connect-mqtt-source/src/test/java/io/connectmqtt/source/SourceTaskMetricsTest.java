package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.MqttProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the source task's metrics count, read back as JMX would. */
class SourceTaskMetricsTest {

  private final MqttIntake intake = new MqttIntake(10);
  private final SourceTaskMetrics metrics = new SourceTaskMetrics("metrics-test", 0, intake);

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void countsMessagesFromReceiptToAcknowledgementAndTheQueueBetween() throws Exception {
    FakeMqttConnection connection =
        new FakeMqttConnection(SourceTestSettings.settings("c", MqttProtocolVersion.MQTT_5), 10);
    intake.attach(connection);
    connection.deliver("sensors/a", "1".getBytes(StandardCharsets.UTF_8), 1);
    connection.deliver("sensors/b", "2".getBytes(StandardCharsets.UTF_8), 1);
    assertThat(metrics.value("queue-depth")).isEqualTo(2);

    InboundMessage first = intake.poll(1_000);
    metrics.polled();
    metrics.written(3);
    assertThat(metrics.value("messages-received-total")).isEqualTo(2);
    assertThat(metrics.value("records-written-total")).isEqualTo(3);
    assertThat(metrics.value("queue-depth")).isEqualTo(1);
    assertThat(metrics.value("unacknowledged")).isEqualTo(2);

    intake.acknowledge(first);
    metrics.delivered(first);
    metrics.polled();
    assertThat(metrics.value("messages-acknowledged-total")).isEqualTo(1);
    assertThat(metrics.value("messages-received-total")).as("counted once").isEqualTo(2);
    assertThat(metrics.value("unacknowledged")).isEqualTo(1);
    assertThat(metrics.value("receive-to-kafka-latency-max")).isGreaterThanOrEqualTo(0);
  }

  @Test
  void countsBadPayloadsDeadLettersAndSparkplug() {
    metrics.badPayload();
    metrics.badPayload();
    metrics.deadLettered();
    SparkplugConverter.Counts sparkplug = metrics.sparkplugCounts();
    sparkplug.seqMissed(3);
    sparkplug.unresolved(2);
    sparkplug.rebirthRequested();

    assertThat(metrics.value("errors-total")).isEqualTo(2);
    assertThat(metrics.value("dead-lettered-total")).isEqualTo(1);
    assertThat(metrics.value("sparkplug-seq-missed-total")).isEqualTo(3);
    assertThat(metrics.value("sparkplug-unresolved-aliases-total")).isEqualTo(2);
    assertThat(metrics.value("sparkplug-rebirth-requests-total")).isEqualTo(1);
  }

  @Test
  void gaugesReadTheTasksConnections() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    SourceConnections connections =
        new SourceConnections(
            broker,
            SourceTestSettings.settings("gauges", MqttProtocolVersion.MQTT_5),
            7,
            intake,
            List.of("sensors/#"),
            "grp",
            1,
            OptionalInt.of(2));
    metrics.watch(connections);
    assertThat(metrics.value("subscriptions-ready")).isZero();
    connections.connect().join();

    assertThat(metrics.value("connections")).isEqualTo(2);
    assertThat(metrics.value("subscriptions-ready")).isEqualTo(1);
    assertThat(metrics.value("receive-maximum")).isEqualTo(7);
    assertThat(metrics.value("reconnects")).isZero();
    assertThat(metrics.value("idle-member-wake-ups")).isZero();
    connections.close();
  }
}
