package io.connectmqtt.entitysync.notify;

import io.connectmqtt.common.publish.PublishingSinkConnector;
import org.apache.kafka.connect.connector.Task;

/**
 * Entity-change notifications: consumes the entity sync connector's change events (or Debezium's)
 * and publishes a notification to {prefix}/{cid}/notify/{sid} for every subscription whose filters
 * the changed row matches.
 */
public class EntityNotifySinkConnector extends PublishingSinkConnector {

  public EntityNotifySinkConnector() {
    super(
        "entity-notify sink",
        EntityNotifySinkConfig.DEFAULT_NAME,
        EntityNotifySinkConfig.CONFIG_DEF,
        EntityNotifySinkConfig::new);
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EntityNotifySinkTask.class;
  }
}
