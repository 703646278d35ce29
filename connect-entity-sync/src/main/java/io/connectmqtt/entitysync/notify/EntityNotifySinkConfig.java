package io.connectmqtt.entitysync.notify;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.publish.DeliveryConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Configuration of {@link EntityNotifySinkConnector}: the shared MQTT connection keys, the QoS and
 * delivery keys of {@link DeliveryConfig}, and where the subscriptions are. Notifications have the
 * protocol's topic and shape, so none of the MQTT sink's keys that shape a record into a message
 * apply.
 */
public final class EntityNotifySinkConfig extends AbstractConfig {

  private static final String GROUP_NOTIFY = "Notifications";
  public static final String SUBSCRIPTIONS_TOPIC_CONFIG = "entity.notify.subscriptions.topic";
  public static final String BOOTSTRAP_CONFIG = "entity.notify.subscriptions.bootstrap.servers";

  /** The connector name where a configuration has none (a hand-made one, in tests). */
  static final String DEFAULT_NAME = "entity-notify";

  public static final ConfigDef CONFIG_DEF = configDef();

  public EntityNotifySinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    int order = 0;
    def.define(
            SUBSCRIPTIONS_TOPIC_CONFIG,
            Type.STRING,
            "entity-subscriptions",
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Compacted topic the entity sync connector writes subscriptions to; every task reads all "
                + "of it.",
            GROUP_NOTIFY,
            ++order,
            Width.MEDIUM,
            "Subscriptions topic")
        .define(
            BOOTSTRAP_CONFIG,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Kafka bootstrap servers for reading the subscriptions topic (Connect does not hand "
                + "its own to connectors).",
            GROUP_NOTIFY,
            ++order,
            Width.LONG,
            "Kafka bootstrap servers");
    DeliveryConfig.defineQos(def, GROUP_NOTIFY, ++order, " (notifications)");
    return DeliveryConfig.update(def);
  }
}
