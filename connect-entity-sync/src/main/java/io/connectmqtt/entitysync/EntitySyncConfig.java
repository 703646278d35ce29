package io.connectmqtt.entitysync;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.TaskConfigs;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Configuration of {@link EntitySyncConnector}: the MQTT connection and the fragments {@link
 * ProtocolConfig}, {@link DatabaseConfig}, {@link StateTablesConfig}, {@link LimitsConfig} and
 * {@link HooksConfig}, each of which owns its keys.
 */
public final class EntitySyncConfig extends AbstractConfig {

  static final String TASK_INDEX_CONFIG = TaskConfigs.TASK_INDEX;
  static final String TASK_COUNT_CONFIG = TaskConfigs.TASK_COUNT;

  public static final ConfigDef CONFIG_DEF = configDef();

  public EntitySyncConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    ProtocolConfig.define(def);
    DatabaseConfig.define(def);
    StateTablesConfig.define(def);
    LimitsConfig.define(def);
    HooksConfig.define(def);
    return def;
  }

  /** The hooks' typed view of this configuration. */
  HooksConfig hooks() {
    return new HooksConfig(this);
  }

  /** How many keys {@code def} already has in {@code group}: a fragment's keys continue from it. */
  static int keysInGroup(ConfigDef def, String group) {
    return (int) def.configKeys().values().stream().filter(key -> group.equals(key.group)).count();
  }
}
