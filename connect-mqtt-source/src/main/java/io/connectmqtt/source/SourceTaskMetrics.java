package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.TaskMetrics;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.metrics.Sensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a source task counts, published over JMX in the group {@value #GROUP} (see {@link
 * TaskMetrics}), and the task's summary line at INFO once a minute. Counts come from the poll
 * thread; the gauges read the intake and the connections when JMX asks.
 */
final class SourceTaskMetrics implements AutoCloseable {

  // The task's logger: the summary line is the task's, whatever class counts.
  private static final Logger log = LoggerFactory.getLogger(MqttSourceTask.class);
  static final String GROUP = "mqtt-source-task-metrics";
  private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final TaskMetrics metrics;
  private final int taskIndex;
  private final MqttIntake intake;
  private final Sensor received;
  private final Sensor written;
  private final Sensor acknowledged;
  private final Sensor errors;
  private final Sensor deadLettered;
  private final Sensor latency;
  private SourceConnections connections;
  private long nextSummaryNanos = System.nanoTime() + SUMMARY_INTERVAL_NANOS;

  SourceTaskMetrics(String connectorName, int taskIndex, MqttIntake intake) {
    this.taskIndex = taskIndex;
    this.intake = intake;
    metrics = new TaskMetrics(GROUP, connectorName, taskIndex);
    received = metrics.counter("messages-received", "MQTT messages received");
    written = metrics.counter("records-written", "records handed to Kafka Connect");
    acknowledged =
        metrics.counter("messages-acknowledged", "MQTT messages acknowledged after Kafka had them");
    errors = metrics.counter("errors", "messages whose payload could not be converted");
    deadLettered = metrics.counter("dead-lettered", "messages written to the dead letter topic");
    latency =
        metrics.latency(
            "receive-to-kafka-latency", "time from MQTT receipt to Kafka acknowledgement");
    metrics.gauge(
        "queue-depth", "Messages waiting between the MQTT client and poll()", intake::queued);
    metrics.gauge(
        "unacknowledged",
        "Messages received and not yet acknowledged (queued or on their way to Kafka)",
        intake::unacknowledged);
  }

  /** Gauges over the task's connections, and their count in the summary line. */
  void watch(SourceConnections connections) {
    this.connections = connections;
    metrics.gauge("connections", "MQTT connections of this task", connections::count);
    metrics.gauge(
        "subscriptions-ready",
        "1 once every MQTT connection of this task subscribed to its filters (and client ids no "
            + "longer used left the shared group), else 0",
        () -> connections.ready() ? 1 : 0);
    metrics.gauge(
        "idle-member-wake-ups",
        "Times a connection the broker left idle, while others were busy or with the whole "
            + "group silent, was made to subscribe again (HiveMQ CE's shared queue)",
        connections::wakeUps);
    metrics.gauge(
        "reconnects",
        "Times an MQTT connection was lost and re-established",
        () -> connections.sum(MqttConnection::reconnects));
    metrics.gauge(
        "receive-maximum",
        "The MQTT 5 Receive Maximum the task's first connection asks the broker for now",
        () -> connections.first().receiveMaximum());
    metrics.gauge(
        "receive-maximum-violations",
        "Connections closed because the broker sent more unacknowledged "
            + "messages than the Receive Maximum allows",
        () -> connections.sum(MqttConnection::receiveMaximumViolations));
  }

  /** Sparkplug's counts: seq gaps, unresolved aliases, rebirth requests. */
  SparkplugConverter.Counts sparkplugCounts() {
    Sensor missed =
        metrics.counter("sparkplug-seq-missed", "Sparkplug messages missed, by gaps in seq");
    Sensor unresolved =
        metrics.counter(
            "sparkplug-unresolved-aliases",
            "Sparkplug metrics written without a name: aliases no kept BIRTH declares");
    Sensor rebirths =
        metrics.counter(
            "sparkplug-rebirth-requests", "Sparkplug rebirth requests (NCMD) published");
    return new SparkplugConverter.Counts() {
      @Override
      public void seqMissed(int messages) {
        missed.record(messages);
      }

      @Override
      public void unresolved(int count) {
        unresolved.record(count);
      }

      @Override
      public void rebirthRequested() {
        rebirths.record();
      }
    };
  }

  void badPayload() {
    errors.record();
  }

  void deadLettered() {
    deadLettered.record();
  }

  void written(int records) {
    written.record(records);
  }

  /** Kafka has every record of {@code message}: the time since its receipt. */
  void delivered(InboundMessage message) {
    latency.record((System.nanoTime() - message.receivedNanos()) / 1_000_000.0);
  }

  /**
   * On every poll: the intake's counts of received and acknowledged messages since the last poll
   * (counted on the clients' threads), and the summary line when it is due.
   */
  void polled() {
    long receivedCount = intake.receivedSinceLastCall();
    if (receivedCount > 0) {
      received.record(receivedCount);
    }
    long acknowledgedCount = intake.acknowledgedSinceLastCall();
    if (acknowledgedCount > 0) {
      acknowledged.record(acknowledgedCount);
    }
    long now = System.nanoTime();
    if (now >= nextSummaryNanos) {
      nextSummaryNanos = now + SUMMARY_INTERVAL_NANOS;
      log.info(
          "MQTT source task {} ({} connection(s)): received {}, written {}, acknowledged {}, errors {}, "
              + "queue {}, p99 {} ms",
          taskIndex,
          connections == null ? 0 : connections.count(),
          (long) value("messages-received-total"),
          (long) value("records-written-total"),
          (long) value("messages-acknowledged-total"),
          (long) value("errors-total"),
          intake.queued(),
          value("receive-to-kafka-latency-p99"));
    }
  }

  /** The current value of one of the task's metrics. */
  double value(String name) {
    return metrics.value(name);
  }

  @Override
  public void close() {
    metrics.close();
  }
}
