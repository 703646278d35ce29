package io.connectmqtt.common.publish;

import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.Versions;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * The task side of a sink that publishes to MQTT (the MQTT sink, the entity-notify sink), as {@link
 * PublishingSinkConnector} is the connector side: {@link SinkPublishing} started in {@code start()}
 * and closed in {@code stop()}, records handed to its {@link AcknowledgedPublisher} in {@code
 * put()}, and in {@code preCommit()} only offsets whose messages the broker acknowledged.
 * Subclasses parse their config and turn a record into messages.
 */
public abstract class PublishingSinkTask extends SinkTask {

  /**
   * One group for every sink of the suite: operators read their delivery metrics under one name.
   */
  public static final String METRICS_GROUP = "mqtt-sink-task-metrics";

  private final MqttConnectionFactory connections;
  private final String kind;
  private final AcknowledgedPublisher.BadRecords badRecords;
  private SinkPublishing publishing;

  /**
   * @param connections where the task's MQTT connection comes from (a fake one in unit tests)
   * @param kind the connector's default name, also the task's name in log lines
   * @param badRecords what becomes of a record that cannot be published, without tolerance
   */
  protected PublishingSinkTask(
      MqttConnectionFactory connections, String kind, AcknowledgedPublisher.BadRecords badRecords) {
    this.connections = connections;
    this.kind = kind;
    this.badRecords = badRecords;
  }

  /**
   * The task's config parsed from {@code props}, with the MQTT connection and {@link
   * DeliveryConfig} keys; what the task builds from it is built here, so that a bad setting fails
   * before the task connects.
   */
  protected abstract AbstractConfig configure(Map<String, String> props);

  /** What the task starts once publishing has started; nothing by default. */
  protected void started(Map<String, String> props) {}

  /** The messages made from {@code record}: none, one or several. */
  protected abstract List<OutboundMessage> messagesFor(SinkRecord record) throws BadRecordException;

  @Override
  public String version() {
    return Versions.version(getClass());
  }

  @Override
  public final void start(Map<String, String> props) {
    AbstractConfig config = configure(props);
    publishing =
        SinkPublishing.start(connections, kind, config, props, METRICS_GROUP, badRecords, context);
    started(props);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    publishing.publisher().put(records, this::messagesFor);
  }

  /** Only offsets whose messages the broker acknowledged. */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    return publishing.publisher().committable(currentOffsets);
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    publishing.publisher().close(partitions);
  }

  @Override
  public void stop() {
    if (publishing != null) {
      publishing.close();
    }
  }

  /** The task's connection, publisher and metrics; null before start. */
  protected final SinkPublishing publishing() {
    return publishing;
  }
}
