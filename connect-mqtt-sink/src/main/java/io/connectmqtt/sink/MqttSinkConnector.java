package io.connectmqtt.sink;

import io.connectmqtt.common.publish.PublishingSinkConnector;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.connector.Task;

/**
 * Kafka to MQTT. Each task is one MQTT client with a persistent session, publishing its partitions
 * in order.
 */
public class MqttSinkConnector extends PublishingSinkConnector {

  public MqttSinkConnector() {
    super("MQTT sink", MqttSinkConfig.DEFAULT_NAME, MqttSinkConfig.CONFIG_DEF, MqttSinkConfig::new);
  }

  @Override
  protected String startDetail(AbstractConfig config) {
    return " publishing to '" + ((MqttSinkConfig) config).topicTemplate() + "'";
  }

  @Override
  public Class<? extends Task> taskClass() {
    return MqttSinkTask.class;
  }
}
