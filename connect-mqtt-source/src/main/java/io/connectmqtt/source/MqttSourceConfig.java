package io.connectmqtt.source;

import io.connectmqtt.common.ListElementsValidator;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttSession;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.source.presence.PresenceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * Configuration of {@link MqttSourceConnector}: the shared MQTT connection keys plus the source's
 * own.
 */
public final class MqttSourceConfig extends AbstractConfig {

  private static final String GROUP_SUBSCRIPTION = "MQTT subscription";
  private static final String GROUP_MAPPING = "Kafka records";
  private static final String GROUP_FLOW = "Flow control";
  private static final String GROUP_ERRORS = "Errors";

  public static final String TOPICS_CONFIG = "mqtt.topics";
  public static final String QOS_CONFIG = "mqtt.qos";
  public static final String SHARED_GROUP_CONFIG = "mqtt.shared.subscription.group";
  public static final String SHARED_ALWAYS_CONFIG = "mqtt.shared.subscription.enabled";
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

  public static final String KAFKA_TOPIC_CONFIG = "kafka.topic";
  public static final String KAFKA_TOPIC_RULES_CONFIG = "kafka.topic.rules";
  public static final String KAFKA_TOPIC_REPLACEMENT_CONFIG = "kafka.topic.replacement.char";
  public static final String KAFKA_TOPIC_MAX_LENGTH_CONFIG = "kafka.topic.max.length";
  public static final String RECORD_KEY_CONFIG = "record.key";
  public static final String RECORD_KEY_LEVEL_CONFIG = "record.key.level";
  public static final String VALUE_FORMAT_CONFIG = "record.value.format";
  public static final String VALUE_SCHEMAS_ENABLE_CONFIG = "record.value.json.schemas.enable";
  public static final String VALUE_JSON_SCHEMA_CONFIG = "record.value.json.schema";
  public static final String VALUE_JSON_SCHEMA_FILE_CONFIG = "record.value.json.schema.file";
  public static final String SPARKPLUG_REBIRTH_CONFIG = "sparkplug.rebirth.enable";
  public static final String HEADERS_ENABLE_CONFIG = "record.headers.enable";
  public static final String HEADERS_CONFIG = "record.headers";

  public static final String QUEUE_CAPACITY_CONFIG = "queue.capacity";
  public static final String BATCH_SIZE_CONFIG = "poll.batch.max.size";
  public static final String POLL_TIMEOUT_CONFIG = "poll.timeout.ms";

  public static final String DLQ_TOPIC_CONFIG = "errors.deadletterqueue.topic.name";

  /** Connect's own key, read by the task for payload errors (Connect validates its values). */
  public static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";

  /** Set by the connector for each task. */
  static final String TASK_INDEX_CONFIG = io.connectmqtt.common.TaskConfigs.TASK_INDEX;

  /**
   * The filters one task subscribes to, as the connector assigned them (with $share/ where shared).
   */
  static final String TASK_FILTERS_CONFIG = "task.filters";

  /** NUL never occurs in an MQTT topic filter. */
  static final String FILTER_SEPARATOR = "\0";

  static final String CONNECTOR_NAME_CONFIG = "name";

  public static final String KEY_TOPIC = "topic";
  public static final String KEY_NONE = "none";
  public static final String KEY_LEVEL = "level";

  public static final ConfigDef CONFIG_DEF = configDef();

  public MqttSourceConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    int order = 0;
    def.define(
            TOPICS_CONFIG,
            Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            new TopicFiltersValidator(),
            Importance.HIGH,
            "MQTT topic filters to subscribe to, comma-separated; '+' matches one level, '#' the rest, e.g. "
                + "'sensors/#,devices/+/telemetry'. With tasks.max > 1 the connector subscribes to "
                + "'$share/<group>/<filter>' so each message reaches one task; do not add $share yourself.",
            GROUP_SUBSCRIPTION,
            ++order,
            Width.LONG,
            "Topic filters")
        .define(
            QOS_CONFIG,
            Type.INT,
            1,
            Range.between(0, 2),
            Importance.HIGH,
            "Maximum QoS of the subscriptions. 1 or 2 for at-least-once: QoS 0 messages are never redelivered.",
            GROUP_SUBSCRIPTION,
            ++order,
            Width.SHORT,
            "QoS")
        .define(
            SHARED_GROUP_CONFIG,
            Type.STRING,
            "",
            Importance.MEDIUM,
            "Shared subscription group name used when tasks share the filters. Empty: the connector name "
                + "(characters other than letters, digits, '-' and '_' become '_').",
            GROUP_SUBSCRIPTION,
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
            GROUP_SUBSCRIPTION,
            ++order,
            Width.SHORT,
            "Shared subscription with one task")
        .define(
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
            GROUP_SUBSCRIPTION,
            ++order,
            Width.SHORT,
            "Task assignment")
        .define(
            RECEIVE_MAXIMUM_CONFIG,
            Type.INT,
            MqttSession.DEFAULT_RECEIVE_MAXIMUM,
            Range.between(1, 65_535),
            Importance.LOW,
            "MQTT 5 Receive Maximum: how many unacknowledged QoS 1/2 messages the broker may send this task at once. "
                + "Messages are acknowledged only after Kafka has them, so the broker's window divided by Kafka's "
                + "acknowledgement latency bounds the throughput of one connection. The default, the largest value "
                + "that is sent, lets the broker use its own limit (HiveMQ CE: 50); memory is bounded by "
                + QUEUE_CAPACITY_CONFIG
                + ", not by this. 65535 leaves the property out, and brokers then apply "
                + "their default window (mosquitto: max_inflight_messages, 20). A broker that sends more than this "
                + "(mosquitto 2.0.11) makes the task reconnect once without it, with a WARN.",
            GROUP_SUBSCRIPTION,
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
                + QOS_CONFIG
                + " is 0 or 1, 1 elsewhere (MQTT 3.1.1 "
                + "brokers, a broker that says it has none, QoS 2, which HiveMQ CE delivers to shared "
                + "subscriptions at QoS 1, or mosquitto before 2.1, named by $SYS/broker/version, which drops shared "
                + "subscriptions in a restart). 1..."
                + MAX_CONNECTIONS
                + ": that many; more than 1 needs shared subscriptions "
                + "(validation checks). With more than one connection, messages of one MQTT topic may reach Kafka "
                + "out of order; set 1 where order matters. Lowering it leaves the sessions of the dropped client ids "
                + "on the broker until they expire (see the source guide).",
            GROUP_SUBSCRIPTION,
            ++order,
            Width.SHORT,
            "Connections per task");

    order = 0;
    def.define(
            KAFKA_TOPIC_CONFIG,
            Type.STRING,
            "mqtt.${topic}",
            new TemplateValidator(),
            Importance.HIGH,
            "Kafka topic for messages no rule matches: a fixed name, or a template where ${topic} is the MQTT topic "
                + "with '/' turned into '.', and ${1}, ${2}, ... are its levels. 'sensors/plant1/temp' with "
                + "'iot.${2}.${3}' gives 'iot.plant1.temp'. Sparkplug B topics also have ${sparkplug.group}, ${sparkplug.type}, "
                + "${sparkplug.node}, ${sparkplug.device} and ${sparkplug.host} (STATE). Characters Kafka does not allow become "
                + KAFKA_TOPIC_REPLACEMENT_CONFIG
                + ".",
            GROUP_MAPPING,
            ++order,
            Width.LONG,
            "Kafka topic")
        .define(
            KAFKA_TOPIC_RULES_CONFIG,
            Type.LIST,
            "",
            new ListElementsValidator(
                TopicMapper::validateRule, "list of 'mqtt/filter=>kafka.template'"),
            Importance.MEDIUM,
            "Ordered rules 'filter=>template', comma-separated; the first whose MQTT filter matches picks the "
                + "template, e.g. 'sensors/+/temperature=>iot.temperature,devices/#=>devices.${2}'.",
            GROUP_MAPPING,
            ++order,
            Width.LONG,
            "Topic rules")
        .define(
            KAFKA_TOPIC_REPLACEMENT_CONFIG,
            Type.STRING,
            "_",
            new ReplacementValidator(),
            Importance.LOW,
            "Character that replaces anything not allowed in a Kafka topic name (only letters, digits, '.', '_' "
                + "and '-' are).",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Replacement character")
        .define(
            KAFKA_TOPIC_MAX_LENGTH_CONFIG,
            Type.INT,
            249,
            Range.between(16, 249),
            Importance.LOW,
            "Longest Kafka topic name produced; longer names keep their start and end in '-' plus a hash of the "
                + "whole name.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Topic name max length")
        .define(
            RECORD_KEY_CONFIG,
            Type.STRING,
            KEY_TOPIC,
            ConfigDef.CaseInsensitiveValidString.in(KEY_TOPIC, KEY_NONE, KEY_LEVEL),
            Importance.MEDIUM,
            "Record key: 'topic' (the MQTT topic, so one device's messages stay in one partition, in order), 'none', "
                + "or 'level' (one level of the topic, see "
                + RECORD_KEY_LEVEL_CONFIG
                + ").",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Record key")
        .define(
            RECORD_KEY_LEVEL_CONFIG,
            Type.INT,
            1,
            Range.between(1, 1000),
            Importance.LOW,
            "Topic level (1-based) used as the key when " + RECORD_KEY_CONFIG + "=level.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Record key level")
        .define(
            VALUE_FORMAT_CONFIG,
            Type.STRING,
            "bytes",
            ConfigDef.CaseInsensitiveValidString.in("bytes", "string", "json", "sparkplug"),
            Importance.HIGH,
            "Record value: 'bytes' (the payload unchanged), 'string' (UTF-8 text), 'json' (parsed; a Struct with "
                + "an inferred Connect schema, or a Map, see "
                + VALUE_SCHEMAS_ENABLE_CONFIG
                + ") or 'sparkplug' "
                + "(Sparkplug B on spBv1.0/# topics: a Struct with the group, edge node, device, message type and "
                + "every metric with its name resolved from the last BIRTH, plus sparkplug.* headers; see "
                + "docs/sparkplug.md). With 'sparkplug', "
                + CONNECTIONS_CONFIG
                + "=auto opens one connection, since "
                + "a node's BIRTH must be read before its DATA.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Value format")
        .define(
            VALUE_SCHEMAS_ENABLE_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.MEDIUM,
            "With json values: true gives a Struct with a schema (for Avro, Protobuf or JSON Schema converters), "
                + "false a schemaless Map.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "JSON with schemas")
        .define(
            VALUE_JSON_SCHEMA_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "A JSON Schema (inline text, draft 2020-12 by default) every json payload must match; a payload that "
                + "does not is an error (see errors.tolerance).",
            GROUP_MAPPING,
            ++order,
            Width.LONG,
            "JSON Schema")
        .define(
            VALUE_JSON_SCHEMA_FILE_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "Path of a file with the JSON Schema, instead of " + VALUE_JSON_SCHEMA_CONFIG + ".",
            GROUP_MAPPING,
            ++order,
            Width.LONG,
            "JSON Schema file")
        .define(
            SPARKPLUG_REBIRTH_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "With "
                + VALUE_FORMAT_CONFIG
                + "=sparkplug: when DATA arrives from an edge node whose BIRTH the "
                + "connector has not seen (or with aliases that BIRTH does not declare), publish a rebirth request "
                + "to it (NCMD metric 'Node Control/Rebirth' = true, QoS 0; at most every 30 s per node). Off by "
                + "default: a source connector then only reads, and needs no publish permission on spBv1.0/+/NCMD/+;"
                + " such DATA is written with the unknown metrics unnamed and counted in the "
                + "sparkplug.unresolved.aliases header. Turn it on where the connector is trusted to command edge "
                + "nodes, so names come back after a BIRTH was missed.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Sparkplug rebirth requests")
        .define(
            HEADERS_ENABLE_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.LOW,
            "Add the MQTT metadata headers (mqtt.topic, mqtt.qos, ..., mqtt.user.<name>) to every record.",
            GROUP_MAPPING,
            ++order,
            Width.SHORT,
            "Headers")
        .define(
            HEADERS_CONFIG,
            Type.LIST,
            String.join(",", MetadataHeaders.NAMES),
            ConfigDef.ValidList.in(MetadataHeaders.NAMES.toArray(new String[0])),
            Importance.LOW,
            "Which metadata headers to write (when "
                + HEADERS_ENABLE_CONFIG
                + "=true), by the header name without "
                + "'mqtt.': topic, qos, retain, dup, message.id, source, content.type, response.topic, "
                + "correlation.data, payload.format, message.expiry, and 'user' for every mqtt.user.<name> header. "
                + "Default: all. Each header costs CPU in the Connect worker and the Kafka broker; write only those "
                + "your consumers read. Records sent to the dead letter topic always carry all of them.",
            GROUP_MAPPING,
            ++order,
            Width.LONG,
            "Headers written");

    order = 0;
    def.define(
            QUEUE_CAPACITY_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 60_000),
            Importance.LOW,
            "Most MQTT messages the task holds unacknowledged, queued for poll() or on their way to Kafka. At the "
                + "limit the MQTT client stops reading, so the broker holds the backlog, not this JVM's heap, on "
                + "every broker. It also bounds the duplicates after a crash. At most 60,000, below the 65,535 "
                + "unacknowledged messages an MQTT 5 client tolerates.",
            GROUP_FLOW,
            ++order,
            Width.SHORT,
            "Queue capacity")
        .define(
            BATCH_SIZE_CONFIG,
            Type.INT,
            500,
            Range.between(1, 100_000),
            Importance.LOW,
            "Most records returned by one poll().",
            GROUP_FLOW,
            ++order,
            Width.SHORT,
            "Batch size")
        .define(
            POLL_TIMEOUT_CONFIG,
            Type.INT,
            100,
            Range.between(1, 60_000),
            Importance.LOW,
            "How long poll() waits for a first message before returning none.",
            GROUP_FLOW,
            ++order,
            Width.SHORT,
            "Poll timeout (ms)");

    order = 0;
    def.define(
        DLQ_TOPIC_CONFIG,
        Type.STRING,
        "",
        Importance.MEDIUM,
        "With errors.tolerance=all, messages whose payload cannot be converted go to this Kafka topic, raw, with "
            + "headers __connect.errors.* saying why (the MQTT message is acknowledged once Kafka has it). "
            + "Empty: they are logged and skipped. With errors.tolerance=none the task fails instead.",
        GROUP_ERRORS,
        ++order,
        Width.LONG,
        "Dead letter topic");
    return PresenceConfig.update(def);
  }

  List<String> topicFilters() {
    return getList(TOPICS_CONFIG);
  }

  PresenceConfig presence() {
    return new PresenceConfig(this);
  }

  String keyMode() {
    return getString(RECORD_KEY_CONFIG).toLowerCase(Locale.ROOT);
  }

  PayloadConverter.Format valueFormat() {
    return PayloadConverter.Format.valueOf(getString(VALUE_FORMAT_CONFIG).toUpperCase(Locale.ROOT));
  }

  /** The JSON Schema text from the inline key or the file, or null. */
  String jsonSchemaText() {
    String inline = getString(VALUE_JSON_SCHEMA_CONFIG);
    if (inline != null && !inline.isBlank()) {
      return inline;
    }
    String file = getString(VALUE_JSON_SCHEMA_FILE_CONFIG);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new ConfigException(VALUE_JSON_SCHEMA_FILE_CONFIG, file, "cannot read the file: " + e);
    }
  }

  boolean toleratesErrors() {
    Object tolerance = originals().get(ERRORS_TOLERANCE_CONFIG);
    return tolerance != null && "all".equalsIgnoreCase(tolerance.toString().trim());
  }

  String sharedGroup(String connectorName) {
    return TopicFilters.sharedGroup(getString(SHARED_GROUP_CONFIG), connectorName);
  }

  /**
   * The connections per task the user asked for; empty for 'auto' (chosen by the task from the
   * broker's CONNACK).
   */
  java.util.OptionalInt connections() {
    String value = getString(CONNECTIONS_CONFIG).trim();
    if (CONNECTIONS_AUTO.equalsIgnoreCase(value) && needsOrder()) {
      return java.util.OptionalInt.of(1);
    }
    return CONNECTIONS_AUTO.equalsIgnoreCase(value)
        ? java.util.OptionalInt.empty()
        : java.util.OptionalInt.of(Integer.parseInt(value));
  }

  /**
   * Whether the task must read messages in the order the broker sent them, so one connection:
   * several connections may hand a node's DATA to Kafka before its BIRTH (Sparkplug), or a device's
   * Will before its last message (presence, which would then leave it online).
   */
  boolean needsOrder() {
    return valueFormat() == PayloadConverter.Format.SPARKPLUG || presence().enabled();
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

  static final class TopicFiltersValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      @SuppressWarnings("unchecked")
      List<String> filters = (List<String>) value;
      if (filters == null || filters.isEmpty()) {
        throw new ConfigException(
            name, value, "Give at least one MQTT topic filter, e.g. 'sensors/#'");
      }
      for (String filter : filters) {
        String problem = TopicFilters.filterProblem(filter);
        if (problem != null) {
          throw new ConfigException(name, filter, problem);
        }
      }
    }

    @Override
    public String toString() {
      return "non-empty list of MQTT topic filters";
    }
  }

  static final class TemplateValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        TopicTemplate.parse(value == null ? "" : value.toString());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "topic name or template with ${topic}, ${1}, ${2}, ..., ${sparkplug.group|type|node|device|host}";
    }
  }

  static final class ReplacementValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String text = (String) value;
      if (text == null
          || text.length() != 1
          || !io.connectmqtt.common.KafkaTopicNames.isLegal(text.charAt(0))) {
        throw new ConfigException(name, value, "Use one of '_', '-' or '.' (or a letter or digit)");
      }
    }

    @Override
    public String toString() {
      return "one character legal in topic names, e.g. _";
    }
  }
}
