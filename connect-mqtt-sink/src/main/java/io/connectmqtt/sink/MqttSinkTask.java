package io.connectmqtt.sink;

import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.Versions;
import io.connectmqtt.common.publish.AcknowledgedPublisher;
import io.connectmqtt.common.publish.BadRecordException;
import io.connectmqtt.common.publish.SinkPublishing;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each record into one MQTT message ({@link MessageBuilder}) and hands it to an {@link
 * AcknowledgedPublisher}: asynchronous publishing within a bounded window, in order per partition
 * (one connection), and in {@link #preCommit} only offsets whose messages the broker acknowledged.
 * A bad record fails the task unless {@code errors.tolerance=all}: it is the user's own data, and a
 * silent gap would go unnoticed.
 */
public class MqttSinkTask extends SinkTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSinkTask.class);
  static final String METRICS_GROUP = "mqtt-sink-task-metrics";

  private final MqttConnectionFactory connections;
  private MessageBuilder builder;
  private SinkPublishing publishing;
  private AcknowledgedPublisher publisher;

  public MqttSinkTask() {
    this(MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: a task whose MQTT connection {@code connections} makes. */
  MqttSinkTask(MqttConnectionFactory connections) {
    this.connections = connections;
  }

  @Override
  public String version() {
    return Versions.version(MqttSinkTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    MqttSinkConfig config = new MqttSinkConfig(props);
    builder = new MessageBuilder(config);
    publishing =
        SinkPublishing.start(
            connections,
            MqttSinkConfig.DEFAULT_NAME,
            config,
            props,
            METRICS_GROUP,
            AcknowledgedPublisher.BadRecords.FAIL,
            context);
    publisher = publishing.publisher();
    log.info("Publishing to the topic template '{}'", config.topicTemplate());
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    publisher.put(records, this::messageFor);
  }

  private List<OutboundMessage> messageFor(SinkRecord record) throws BadRecordException {
    OutboundMessage message = builder.build(record, publishing.connection().maximumPacketSize());
    return message == null ? List.of() : List.of(message);
  }

  /**
   * Only offsets whose messages the broker acknowledged; nothing for partitions without such
   * progress.
   */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    return publisher.committable(currentOffsets);
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    publisher.close(partitions);
  }

  @Override
  public void stop() {
    if (publishing != null) {
      publishing.close();
    }
  }
}
