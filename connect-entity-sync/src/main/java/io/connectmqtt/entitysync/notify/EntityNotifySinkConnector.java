package io.connectmqtt.entitysync.notify;

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
 * Entity-change notifications: consumes the entity sync connector's change events (or Debezium's)
 * and publishes a notification to {prefix}/{cid}/notify/{sid} for every subscription whose filters
 * the changed row matches.
 */
public class EntityNotifySinkConnector extends SinkConnector {

  private static final Logger log = LoggerFactory.getLogger(EntityNotifySinkConnector.class);
  private Map<String, String> props;

  @Override
  public String version() {
    return Versions.version(EntityNotifySinkConnector.class);
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    new EntityNotifySinkConfig(props);
    log.info("Starting entity-notify sink connector {}", props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EntityNotifySinkTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return TaskConfigs.indexed(props, maxTasks);
  }

  @Override
  public void stop() {
    log.info(
        "Stopping entity-notify sink connector {}",
        props == null ? "" : props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public ConfigDef config() {
    return EntityNotifySinkConfig.CONFIG_DEF;
  }

  /** Field checks, cross-field checks, then a live connection probe when the fields are clean. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    return ConnectionValidation.validate(
        super.validate(connectorConfigs),
        () -> new EntityNotifySinkConfig(connectorConfigs),
        TaskConfigs.connectorName(connectorConfigs, EntityNotifySinkConfig.DEFAULT_NAME));
  }
}
