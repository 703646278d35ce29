package io.connectmqtt.sink;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;

/**
 * Entity-change notifications: consumes the entity sync connector's change events (or Debezium's) and publishes a
 * notification to {prefix}/{cid}/notify/{sid} for every subscription whose filters the changed row matches.
 */
public class EntityNotifySinkConnector extends MqttSinkConnector {

  @Override
  public void start(Map<String, String> props) {
    new EntityNotifySinkConfig(props);
    super.start(props);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EntityNotifySinkTask.class;
  }

  @Override
  public ConfigDef config() {
    return EntityNotifySinkConfig.CONFIG_DEF;
  }
}
