package io.connectmqtt.sink;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttSession;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.Versions;
import io.connectmqtt.common.publish.AcknowledgedPublisher;
import io.connectmqtt.common.publish.BadRecordException;
import io.connectmqtt.common.publish.DeliveryConfig;
import io.connectmqtt.common.publish.PublishingSessions;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns each record into one MQTT message ({@link MessageBuilder}) and hands it to an {@link AcknowledgedPublisher}:
 * asynchronous publishing within a bounded window, in order per partition (one connection), and in
 * {@link #preCommit} only offsets whose messages the broker acknowledged. A bad record fails the task unless
 * {@code errors.tolerance=all}: it is the user's own data, and a silent gap would go unnoticed.
 */
public class MqttSinkTask extends SinkTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSinkTask.class);
  static final String METRICS_GROUP = "mqtt-sink-task-metrics";
  /** How long stop() gives the publishes in flight. */
  private static final long STOP_DRAIN_MS = 5_000L;

  private String connectorName;
  private int taskIndex;
  private MqttSession session;
  private MessageBuilder builder;
  private TaskMetrics metrics;
  private AcknowledgedPublisher publisher;

  @Override
  public String version() {
    return Versions.version(MqttSinkTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    MqttSinkConfig config = new MqttSinkConfig(props);
    connectorName = props.getOrDefault(MqttSinkConfig.CONNECTOR_NAME_CONFIG, "mqtt-sink");
    taskIndex = TaskConfigs.index(props);
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
    builder = new MessageBuilder(config);
    metrics = new TaskMetrics(METRICS_GROUP, connectorName, taskIndex);
    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    log.info("Starting MQTT sink task {} of {} as client '{}' on {}, topic template '{}'", taskIndex, connectorName,
        clientId, settings.serverUris(), config.getString(MqttSinkConfig.TOPIC_CONFIG));
    session = PublishingSessions.connect(settings);
    metrics.gauge("reconnects", "Times the MQTT connection was lost and re-established", session::reconnects);
    publisher = new AcknowledgedPublisher(new DeliveryConfig(config), session, context, metrics,
        AcknowledgedPublisher.BadRecords.FAIL);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    publisher.put(records, this::messageFor);
  }

  private List<OutboundMessage> messageFor(SinkRecord record) throws BadRecordException {
    OutboundMessage message = builder.build(record, session.maximumPacketSize());
    return message == null ? List.of() : List.of(message);
  }

  /** Only offsets whose messages the broker acknowledged; nothing for partitions without such progress. */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    return publisher.committable(currentOffsets);
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    publisher.close(partitions);
  }

  @Override
  public void stop() {
    log.info("Stopping MQTT sink task {} of {} ({} messages in flight)", taskIndex, connectorName,
        publisher == null ? 0 : publisher.inFlight());
    if (publisher != null) {
      publisher.awaitInFlight(STOP_DRAIN_MS);
    }
    if (session != null) {
      session.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
