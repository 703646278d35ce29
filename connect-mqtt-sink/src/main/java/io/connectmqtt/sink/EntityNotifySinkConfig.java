package io.connectmqtt.sink;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Configuration of {@link EntityNotifySinkConnector}: the MQTT sink's connection and delivery keys, without those
 * that shape a record into a message (notifications have their own topic and shape), plus where the subscriptions
 * are.
 */
public final class EntityNotifySinkConfig extends AbstractConfig {

  private static final String GROUP_NOTIFY = "Notifications";
  public static final String SUBSCRIPTIONS_TOPIC_CONFIG = "entity.notify.subscriptions.topic";
  public static final String BOOTSTRAP_CONFIG = "entity.notify.subscriptions.bootstrap.servers";

  /** MQTT sink keys that decide how a record becomes a message; notifications are built by the protocol instead. */
  static final Set<String> NOT_APPLICABLE = Set.of(MqttSinkConfig.TOPIC_CONFIG, MqttSinkConfig.RETAIN_CONFIG,
      MqttSinkConfig.HEADERS_MAPPED_CONFIG, MqttSinkConfig.CORRELATION_ENCODING_CONFIG,
      MqttSinkConfig.NULL_VALUE_CONFIG, MqttSinkConfig.MAX_PAYLOAD_CONFIG);
  public static final ConfigDef CONFIG_DEF = configDef();

  public EntityNotifySinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = new ConfigDef();
    MqttSinkConfig.configDef().configKeys().values().stream()
        .filter(key -> !NOT_APPLICABLE.contains(key.name))
        .forEach(def::define);
    int order = 0;
    def.define(SUBSCRIPTIONS_TOPIC_CONFIG, Type.STRING, "entity-subscriptions", new ConfigDef.NonEmptyString(),
            Importance.HIGH, "Compacted topic the entity sync connector writes subscriptions to; every task reads all "
                + "of it.", GROUP_NOTIFY, ++order, Width.MEDIUM, "Subscriptions topic")
        .define(BOOTSTRAP_CONFIG, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new ConfigDef.NonEmptyString(),
            Importance.HIGH, "Kafka bootstrap servers for reading the subscriptions topic (Connect does not hand "
                + "its own to connectors).", GROUP_NOTIFY, ++order, Width.LONG, "Kafka bootstrap servers");
    return def;
  }
}
