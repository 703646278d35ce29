package io.connectmqtt.common.publish;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttSession;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What a sink task of the suite runs to publish: its log context, metrics, MQTT session and {@link
 * AcknowledgedPublisher}, started together in {@code start()} and closed together in {@code
 * stop()}.
 */
public final class SinkPublishing implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SinkPublishing.class);

  /** A publisher reads nothing; the broker needs no more room towards it. */
  private static final int RECEIVE_MAXIMUM = 10;

  /**
   * How long stop() gives the publishes in flight; unacknowledged ones are redelivered by Kafka
   * anyway.
   */
  private static final long STOP_DRAIN_MS = 5_000L;

  private final String description;
  private final TaskMetrics metrics;
  private final MqttSession session;
  private final AcknowledgedPublisher publisher;

  private SinkPublishing(
      String description,
      TaskMetrics metrics,
      MqttSession session,
      AcknowledgedPublisher publisher) {
    this.description = description;
    this.metrics = metrics;
    this.session = session;
    this.publisher = publisher;
  }

  /**
   * Starts publishing for the task configured by {@code props} ({@code config} parsed from them,
   * with the MQTT connection and {@link DeliveryConfig} keys): the MDC names connector and task,
   * metrics go to {@code metricsGroup}, the session is connected (or, with the broker away,
   * connecting in the background), and a refused connection (credentials, TLS) fails the task with
   * what to check.
   */
  public static SinkPublishing start(
      String kind,
      AbstractConfig config,
      Map<String, String> props,
      String metricsGroup,
      AcknowledgedPublisher.BadRecords badRecords,
      SinkTaskContext context) {
    String connectorName = props.getOrDefault("name", kind);
    int taskIndex = TaskConfigs.index(props);
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
    String description = kind + " task " + taskIndex + " of " + connectorName;
    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    log.info("Starting {} as client '{}' on {}", description, clientId, settings.serverUris());
    TaskMetrics metrics = new TaskMetrics(metricsGroup, connectorName, taskIndex);
    MqttSession session;
    try {
      session = connect(settings);
    } catch (RuntimeException e) {
      metrics.close();
      throw e;
    }
    metrics.gauge(
        "reconnects", "Times the MQTT connection was lost and re-established", session::reconnects);
    AcknowledgedPublisher publisher =
        new AcknowledgedPublisher(
            new DeliveryConfig(config), session, context, metrics, badRecords);
    return new SinkPublishing(description, metrics, session, publisher);
  }

  private static MqttSession connect(MqttConnectionSettings settings) {
    MqttSession session = MqttSession.create(settings, RECEIVE_MAXIMUM);
    try {
      session.connect().get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.close();
      throw new ConnectException("Interrupted while connecting to MQTT", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (ErrorClassifier.isPermanent(cause)) {
        session.close();
        throw ErrorClassifier.mqttRefusal(settings.clientId(), cause);
      }
      log.warn(
          "MQTT broker not reachable yet ({}); publishes wait for the reconnect", cause.toString());
    }
    return session;
  }

  public AcknowledgedPublisher publisher() {
    return publisher;
  }

  public MqttSession session() {
    return session;
  }

  public TaskMetrics metrics() {
    return metrics;
  }

  /** Gives the publishes in flight a moment, then closes the session and the metrics. */
  @Override
  public void close() {
    log.info("Stopping {} ({} messages in flight)", description, publisher.inFlight());
    publisher.awaitInFlight(STOP_DRAIN_MS);
    session.close();
    metrics.close();
  }
}
