package io.connectmqtt.source;

import io.connectmqtt.common.ConfigGroups;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.ParsingValidator;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.SharedSubscriptionConfig;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.OptionalInt;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * What the source subscribes to and over how many connections (a config fragment of {@link
 * MqttSourceConfig}): topic filters, QoS, the shared subscription keys of {@link
 * SharedSubscriptionConfig}, how tasks split the filters, the receive window and the connections
 * per task.
 */
public final class SubscriptionConfig {

  static final String GROUP = "MQTT subscription";

  public static final String TOPICS_CONFIG = "mqtt.topics";
  public static final String RECEIVE_MAXIMUM_CONFIG = "mqtt.receive.maximum";
  public static final String TASK_ASSIGNMENT_CONFIG = "mqtt.tasks.assignment";
  public static final String ASSIGNMENT_SHARED = "shared";
  public static final String ASSIGNMENT_FILTERS = "filters";
  public static final String CONNECTIONS_CONFIG = "mqtt.connections";
  public static final String CONNECTIONS_AUTO = "auto";

  /**
   * The connections {@code mqtt.connections=auto} opens per task where shared subscriptions work.
   */
  public static final int AUTO_SHARED_CONNECTIONS = 4;

  static final int MAX_CONNECTIONS = 16;

  private SubscriptionConfig() {}

  /** Adds the subscription keys to {@code def}, in their own group, and returns it. */
  static ConfigDef update(ConfigDef def) {
    int order = 0;
    def.define(
        TOPICS_CONFIG,
        Type.LIST,
        ConfigDef.NO_DEFAULT_VALUE,
        ParsingValidator.nonEmptyList(
            SubscriptionConfig::checkFilter,
            "Give at least one MQTT topic filter, e.g. 'sensors/#'",
            "non-empty list of MQTT topic filters"),
        Importance.HIGH,
        "MQTT topic filters to subscribe to, comma-separated; '+' matches one level, '#' the rest, e.g. "
            + "'sensors/#,devices/+/telemetry'. With tasks.max > 1 the connector subscribes to "
            + "'$share/<group>/<filter>' so each message reaches one task; do not add $share yourself.",
        GROUP,
        ++order,
        Width.LONG,
        "Topic filters");
    QosConfig.define(
        def,
        GROUP,
        ++order,
        "Maximum QoS of the subscriptions. 1 or 2 for at-least-once: QoS 0 messages are never redelivered.");
    SharedSubscriptionConfig.update(def, GROUP);
    order = ConfigGroups.keysIn(def, GROUP);
    def.define(
            TASK_ASSIGNMENT_CONFIG,
            Type.STRING,
            ASSIGNMENT_SHARED,
            ConfigDef.CaseInsensitiveValidString.in(ASSIGNMENT_SHARED, ASSIGNMENT_FILTERS),
            Importance.MEDIUM,
            "How tasks split the work when tasks.max > 1. 'shared': every task subscribes to every filter through a "
                + "shared subscription ($share/<group>/<filter>) and the broker hands each message to one of them. "
                + "'filters': the filters are dealt out to the tasks (at most one task per filter), each task a "
                + "plain subscription on its own connection; filters must not overlap. HiveMQ CE leaves members of "
                + "a shared group idle while its queue never empties (the task wakes its own idle members, see "
                + CONNECTIONS_CONFIG
                + "), so 'filters' is the surer way to multiply throughput when the topics can "
                + "be split.",
            GROUP,
            ++order,
            Width.SHORT,
            "Task assignment")
        .define(
            RECEIVE_MAXIMUM_CONFIG,
            Type.INT,
            MqttConnection.DEFAULT_RECEIVE_MAXIMUM,
            Range.between(1, 65_535),
            Importance.LOW,
            "MQTT 5 Receive Maximum: how many unacknowledged QoS 1/2 messages the broker may send this task at once. "
                + "Messages are acknowledged only after Kafka has them, so the broker's window divided by Kafka's "
                + "acknowledgement latency bounds the throughput of one connection. The default, the largest value "
                + "that is sent, lets the broker use its own limit (HiveMQ CE: 50); memory is bounded by "
                + IntakeConfig.QUEUE_CAPACITY_CONFIG
                + ", not by this. 65535 leaves the property out, and brokers then apply "
                + "their default window (mosquitto: max_inflight_messages, 20). A broker that sends more than this "
                + "(mosquitto 2.0.11) makes the task reconnect once without it, with a WARN.",
            GROUP,
            ++order,
            Width.SHORT,
            "Receive maximum")
        .define(
            CONNECTIONS_CONFIG,
            Type.STRING,
            CONNECTIONS_AUTO,
            new ConnectionsValidator(),
            Importance.MEDIUM,
            "MQTT connections per task, as members of one shared subscription group ($share/<group>/<filter>), "
                + "each with its own client id (<client id prefix>-<task>, then -<task>-c1, -c2, ...) and "
                + "persistent session, all acknowledging only after Kafka has the record. A broker keeps a small, "
                + "often fixed window of unacknowledged messages per connection (HiveMQ CE: 50, and it sends the "
                + "next batch only when all of them are acknowledged), so one connection carries at most that "
                + "window per Kafka acknowledgement. 'auto': "
                + AUTO_SHARED_CONNECTIONS
                + " where the broker has "
                + "shared subscriptions (MQTT 5 CONNACK) and "
                + QosConfig.QOS_CONFIG
                + " is 0 or 1, 1 elsewhere (MQTT 3.1.1 "
                + "brokers, a broker that says it has none, QoS 2, which HiveMQ CE delivers to shared "
                + "subscriptions at QoS 1, or mosquitto before 2.1, named by $SYS/broker/version, which drops shared "
                + "subscriptions in a restart). 1..."
                + MAX_CONNECTIONS
                + ": that many; more than 1 needs shared subscriptions "
                + "(validation checks). With more than one connection, messages of one MQTT topic may reach Kafka "
                + "out of order; set 1 where order matters. Lowering it leaves the sessions of the dropped client ids "
                + "on the broker until they expire (see the source guide).",
            GROUP,
            ++order,
            Width.SHORT,
            "Connections per task");
    return def;
  }

  static List<String> topicFilters(AbstractConfig config) {
    return config.getList(TOPICS_CONFIG);
  }

  /** Whether the filters are dealt out to the tasks rather than shared by all of them. */
  static boolean assignsFilters(AbstractConfig config) {
    return ASSIGNMENT_FILTERS.equalsIgnoreCase(config.getString(TASK_ASSIGNMENT_CONFIG));
  }

  /**
   * The connections per task the user asked for; empty for 'auto' (chosen by the task from the
   * broker's CONNACK).
   */
  static OptionalInt connections(AbstractConfig config) {
    String value = config.getString(CONNECTIONS_CONFIG).trim();
    return CONNECTIONS_AUTO.equalsIgnoreCase(value)
        ? OptionalInt.empty()
        : OptionalInt.of(Integer.parseInt(value));
  }

  private static void checkFilter(String filter) {
    String problem = TopicFilters.filterProblem(filter);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  static final class ConnectionsValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String text = value == null ? "" : value.toString().trim();
      if (CONNECTIONS_AUTO.equalsIgnoreCase(text)) {
        return;
      }
      try {
        int connections = Integer.parseInt(text);
        if (connections >= 1 && connections <= MAX_CONNECTIONS) {
          return;
        }
      } catch (NumberFormatException e) {
        // the message below says what is allowed
      }
      throw new ConfigException(name, value, "Use 'auto' or a number from 1 to " + MAX_CONNECTIONS);
    }

    @Override
    public String toString() {
      return "'auto' or 1.." + MAX_CONNECTIONS;
    }
  }
}
