package io.connectmqtt.common;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The shared subscription keys of a connector whose tasks share topic filters (a config fragment):
 * the group name ({@code $share/<group>/<filter>}) and whether to share with one task too. Added to
 * the subscription group of the connector, after its keys defined before.
 */
public final class SharedSubscriptionConfig {

  public static final String SHARED_GROUP_CONFIG = "mqtt.shared.subscription.group";
  public static final String SHARED_ALWAYS_CONFIG = "mqtt.shared.subscription.enabled";

  private SharedSubscriptionConfig() {}

  /** Adds the keys to {@code def} in {@code group}, after the keys it has there, and returns it. */
  public static ConfigDef update(ConfigDef def, String group) {
    int order = ConfigGroups.keysIn(def, group);
    return def.define(
            SHARED_GROUP_CONFIG,
            Type.STRING,
            "",
            Importance.MEDIUM,
            "Shared subscription group name used when tasks share the filters. Empty: the connector name "
                + "(characters other than letters, digits, '-' and '_' become '_').",
            group,
            ++order,
            Width.MEDIUM,
            "Shared subscription group")
        .define(
            SHARED_ALWAYS_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.LOW,
            "Use a shared subscription even with one task, e.g. to share the load with other consumers of the "
                + "same group. With more than one task it is always used.",
            group,
            ++order,
            Width.SHORT,
            "Shared subscription with one task");
  }

  /** The group name: the configured one, else the connector's name, made legal in a filter. */
  public static String group(AbstractConfig config, String connectorName) {
    return TopicFilters.sharedGroup(config.getString(SHARED_GROUP_CONFIG), connectorName);
  }

  /** Whether {@code tasks} tasks subscribe through the shared group. */
  public static boolean shared(AbstractConfig config, int tasks) {
    return tasks > 1 || config.getBoolean(SHARED_ALWAYS_CONFIG);
  }
}
