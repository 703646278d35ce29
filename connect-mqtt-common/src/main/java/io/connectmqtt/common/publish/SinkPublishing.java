package io.connectmqtt.common.publish;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.connect.MqttConnectAtStart;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What a sink task of the suite runs to publish: its log context, metrics, MQTT connection and
 * {@link AcknowledgedPublisher}, started together in {@code start()} and closed together in {@code
 * stop()}.
 *
 * @param description the task in log lines, e.g. "MQTT sink task 0 of alerts"
 */
public record SinkPublishing(
    String description,
    TaskMetrics metrics,
    MqttConnection connection,
    AcknowledgedPublisher publisher)
    implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SinkPublishing.class);

  /** A publisher reads nothing; the broker needs no more room towards it. */
  private static final int RECEIVE_MAXIMUM = 10;

  /**
   * How long stop() gives the publishes in flight; unacknowledged ones are redelivered by Kafka
   * anyway.
   */
  private static final long STOP_DRAIN_MS = 5_000L;

  /**
   * Starts publishing for the task configured by {@code props} ({@code config} parsed from them,
   * with the MQTT connection and {@link DeliveryConfig} keys): the MDC names connector and task,
   * metrics go to {@code metricsGroup}, a connection from {@code connections} is connected (or,
   * with the broker away, connecting in the background), and a refused connection (credentials,
   * TLS) fails the task with what to check.
   */
  public static SinkPublishing start(
      MqttConnectionFactory connections,
      String kind,
      AbstractConfig config,
      Map<String, String> props,
      String metricsGroup,
      AcknowledgedPublisher.BadRecords badRecords,
      SinkTaskContext context) {
    String connectorName = TaskConfigs.connectorName(props, kind);
    int taskIndex = TaskConfigs.index(props);
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
    String description = kind + " task " + taskIndex + " of " + connectorName;
    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    log.info("Starting {} as client '{}' on {}", description, clientId, settings.serverUris());
    MqttConnection connection = connections.create(settings, RECEIVE_MAXIMUM);
    TaskMetrics metrics = new TaskMetrics(metricsGroup, connectorName, taskIndex);
    MqttConnectAtStart.connect(
        connection,
        () -> {
          connection.close();
          metrics.close();
        });
    metrics.gauge(
        "reconnects",
        "Times the MQTT connection was lost and re-established",
        connection::reconnects);
    AcknowledgedPublisher publisher =
        new AcknowledgedPublisher(
            new DeliveryConfig(config), connection, context, metrics, badRecords);
    return new SinkPublishing(description, metrics, connection, publisher);
  }

  /** Gives the publishes in flight a moment, then closes the connection and the metrics. */
  @Override
  public void close() {
    log.info("Stopping {} ({} messages in flight)", description, publisher.inFlight());
    publisher.awaitInFlight(STOP_DRAIN_MS);
    connection.close();
    metrics.close();
  }
}
