package io.connectmqtt.sink;

import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.publish.AcknowledgedPublisher;
import io.connectmqtt.common.publish.BadRecordException;
import io.connectmqtt.common.publish.PublishingSinkTask;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns each record into one MQTT message ({@link MessageBuilder}) and hands it to an {@link
 * AcknowledgedPublisher}: asynchronous publishing within a bounded window, in order per partition
 * (one connection), and in {@link #preCommit} only offsets whose messages the broker acknowledged.
 * A bad record fails the task unless {@code errors.tolerance=all}: it is the user's own data, and a
 * silent gap would go unnoticed.
 */
public class MqttSinkTask extends PublishingSinkTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSinkTask.class);

  private MqttSinkConfig config;
  private MessageBuilder builder;

  public MqttSinkTask() {
    this(MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: a task whose MQTT connection {@code connections} makes. */
  MqttSinkTask(MqttConnectionFactory connections) {
    super(connections, MqttSinkConfig.DEFAULT_NAME, AcknowledgedPublisher.BadRecords.FAIL);
  }

  @Override
  protected AbstractConfig configure(Map<String, String> props) {
    config = new MqttSinkConfig(props);
    builder = new MessageBuilder(config);
    return config;
  }

  @Override
  protected void started(Map<String, String> props) {
    log.info("Publishing to the topic template '{}'", config.topicTemplate());
  }

  @Override
  protected List<OutboundMessage> messagesFor(SinkRecord record) throws BadRecordException {
    OutboundMessage message = builder.build(record, publishing().connection().maximumPacketSize());
    return message == null ? List.of() : List.of(message);
  }
}
