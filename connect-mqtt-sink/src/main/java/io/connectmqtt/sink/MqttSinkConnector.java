package io.connectmqtt.sink;

import io.connectmqtt.common.ConnectionValidation;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.Versions;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka to MQTT. Each task is one MQTT client with a persistent session, publishing its partitions
 * in order.
 */
public class MqttSinkConnector extends SinkConnector {

  private static final Logger log = LoggerFactory.getLogger(MqttSinkConnector.class);
  private Map<String, String> props;

  @Override
  public String version() {
    return Versions.version(MqttSinkConnector.class);
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    MqttSinkConfig config = new MqttSinkConfig(props);
    log.info(
        "Starting MQTT sink connector {} publishing to '{}'",
        props.get(TaskConfigs.CONNECTOR_NAME),
        config.topicTemplate());
  }

  @Override
  public Class<? extends Task> taskClass() {
    return MqttSinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return TaskConfigs.indexed(props, maxTasks);
  }

  @Override
  public void stop() {
    log.info(
        "Stopping MQTT sink connector {}",
        props == null ? "" : props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public ConfigDef config() {
    return MqttSinkConfig.CONFIG_DEF;
  }

  /** Field checks, cross-field checks, then a live connection probe when the fields are clean. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    return ConnectionValidation.validate(
        super.validate(connectorConfigs),
        () -> new MqttSinkConfig(connectorConfigs),
        TaskConfigs.connectorName(connectorConfigs, MqttSinkConfig.DEFAULT_NAME));
  }
}
