package io.connectmqtt.source;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.SharedSubscriptionConfig;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.source.presence.PresenceConfig;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Configuration of {@link MqttSourceConnector}, composed of fragments that each own their keys:
 * {@link MqttConnectionConfig} (with TLS), {@link SubscriptionConfig} (with the shared subscription
 * keys), {@link RecordMappingConfig}, {@link IntakeConfig}, {@link ErrorToleranceConfig} and {@link
 * PresenceConfig}. A task also reads the internal keys its connector sets: {@link TaskConfigs} and
 * {@link #assignedFilters}.
 */
public final class MqttSourceConfig extends AbstractConfig {

  /**
   * The filters one task subscribes to, as the connector assigned them (with $share/ where shared).
   */
  private static final String TASK_FILTERS_CONFIG = "task.filters";

  /** NUL never occurs in an MQTT topic filter. */
  private static final String FILTER_SEPARATOR = "\0";

  /** The connector name where a configuration has none (a hand-made one, in tests). */
  static final String DEFAULT_NAME = "mqtt-source";

  public static final ConfigDef CONFIG_DEF = configDef();

  /** The source's own internal task key; {@link TaskConfigs} declares the common ones. */
  private static final ConfigDef TASK_KEYS =
      new ConfigDef()
          .defineInternal(
              TASK_FILTERS_CONFIG,
              Type.STRING,
              null,
              null,
              Importance.LOW,
              "The filters this task subscribes to, separated by NUL; absent: the connector's, as "
                  + "for one task.");

  public MqttSourceConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    SubscriptionConfig.update(def);
    RecordMappingConfig.update(def);
    IntakeConfig.update(def);
    ErrorToleranceConfig.update(def);
    return PresenceConfig.update(def);
  }

  List<String> topicFilters() {
    return SubscriptionConfig.topicFilters(this);
  }

  /** The internal task key that assigns {@code filters} to a task; see {@link #assignedFilters}. */
  static Map<String, String> assignFilters(List<String> filters) {
    return Map.of(TASK_FILTERS_CONFIG, String.join(FILTER_SEPARATOR, filters));
  }

  /** The filters the connector assigned to the task of {@code taskConfig}; null: none. */
  static List<String> assignedFilters(Map<String, String> taskConfig) {
    String assigned =
        new AbstractConfig(TASK_KEYS, taskConfig, false).getString(TASK_FILTERS_CONFIG);
    return assigned == null ? null : List.of(assigned.split(FILTER_SEPARATOR));
  }

  PresenceConfig presence() {
    return new PresenceConfig(this);
  }

  String keyMode() {
    return RecordMappingConfig.keyMode(this);
  }

  PayloadConverter.Format valueFormat() {
    return RecordMappingConfig.valueFormat(this);
  }

  /** The JSON Schema text from the inline key or the file, or null. */
  String jsonSchemaText() {
    return RecordMappingConfig.jsonSchemaText(this);
  }

  boolean toleratesErrors() {
    return ErrorToleranceConfig.toleratesErrors(this);
  }

  String sharedGroup(String connectorName) {
    return SharedSubscriptionConfig.group(this, connectorName);
  }

  /**
   * The connections per task the user asked for; empty for 'auto' (chosen by the task from the
   * broker's CONNACK).
   */
  OptionalInt connections() {
    OptionalInt configured = SubscriptionConfig.connections(this);
    if (configured.isEmpty() && needsOrder()) {
      return OptionalInt.of(1);
    }
    return configured;
  }

  /**
   * Whether the task must read messages in the order the broker sent them, so one connection:
   * several connections may hand a node's DATA to Kafka before its BIRTH (Sparkplug), or a device's
   * Will before its last message (presence, which would then leave it online).
   */
  boolean needsOrder() {
    return valueFormat() == PayloadConverter.Format.SPARKPLUG || presence().enabled();
  }
}
