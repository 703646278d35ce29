package io.connectmqtt.source;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.KafkaTopicNames;
import io.connectmqtt.common.ParsingValidator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;

/**
 * How an MQTT message becomes a Kafka record (a config fragment of {@link MqttSourceConfig}): the
 * Kafka topic and its rules, the key, the value format (with its JSON Schema and Sparkplug options)
 * and the metadata headers.
 */
public final class RecordMappingConfig {

  static final String GROUP = "Kafka records";

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

  public static final String KEY_TOPIC = "topic";
  public static final String KEY_NONE = "none";
  public static final String KEY_LEVEL = "level";

  private RecordMappingConfig() {}

  /** Adds the record keys to {@code def}, in their own group, and returns it. */
  static ConfigDef update(ConfigDef def) {
    int order = 0;
    return def.define(
            KAFKA_TOPIC_CONFIG,
            Type.STRING,
            "mqtt.${topic}",
            ParsingValidator.value(
                TopicTemplate::parse,
                "topic name or template with ${topic}, ${1}, ${2}, ..., ${sparkplug.group|type|node|device|host}"),
            Importance.HIGH,
            "Kafka topic for messages no rule matches: a fixed name, or a template where ${topic} is the MQTT topic "
                + "with '/' turned into '.', and ${1}, ${2}, ... are its levels. 'sensors/plant1/temp' with "
                + "'iot.${2}.${3}' gives 'iot.plant1.temp'. Sparkplug B topics also have ${sparkplug.group}, ${sparkplug.type}, "
                + "${sparkplug.node}, ${sparkplug.device} and ${sparkplug.host} (STATE). Characters Kafka does not allow become "
                + KAFKA_TOPIC_REPLACEMENT_CONFIG
                + ".",
            GROUP,
            ++order,
            Width.LONG,
            "Kafka topic")
        .define(
            KAFKA_TOPIC_RULES_CONFIG,
            Type.LIST,
            "",
            ParsingValidator.eachElement(
                TopicMapper::validateRule, "list of 'mqtt/filter=>kafka.template'"),
            Importance.MEDIUM,
            "Ordered rules 'filter=>template', comma-separated; the first whose MQTT filter matches picks the "
                + "template, e.g. 'sensors/+/temperature=>iot.temperature,devices/#=>devices.${2}'.",
            GROUP,
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
            GROUP,
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
            GROUP,
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
            GROUP,
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
            GROUP,
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
                + SubscriptionConfig.CONNECTIONS_CONFIG
                + "=auto opens one connection, since "
                + "a node's BIRTH must be read before its DATA.",
            GROUP,
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
            GROUP,
            ++order,
            Width.SHORT,
            "JSON with schemas")
        .define(
            VALUE_JSON_SCHEMA_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "A JSON Schema (inline text, draft 2020-12 by default) every json payload must match; a payload that "
                + "does not is an error (see "
                + ErrorToleranceConfig.ERRORS_TOLERANCE_CONFIG
                + ").",
            GROUP,
            ++order,
            Width.LONG,
            "JSON Schema")
        .define(
            VALUE_JSON_SCHEMA_FILE_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "Path of a file with the JSON Schema, instead of " + VALUE_JSON_SCHEMA_CONFIG + ".",
            GROUP,
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
            GROUP,
            ++order,
            Width.SHORT,
            "Sparkplug rebirth requests")
        .define(
            HEADERS_ENABLE_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.LOW,
            "Add the MQTT metadata headers (mqtt.topic, mqtt.qos, ..., mqtt.user.<name>) to every record.",
            GROUP,
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
            GROUP,
            ++order,
            Width.LONG,
            "Headers written");
  }

  static String keyMode(AbstractConfig config) {
    return config.getString(RECORD_KEY_CONFIG).toLowerCase(Locale.ROOT);
  }

  static PayloadConverter.Format valueFormat(AbstractConfig config) {
    return PayloadConverter.Format.valueOf(
        config.getString(VALUE_FORMAT_CONFIG).toUpperCase(Locale.ROOT));
  }

  /** The JSON Schema text from the inline key or the file, or null. */
  static String jsonSchemaText(AbstractConfig config) {
    String inline = config.getString(VALUE_JSON_SCHEMA_CONFIG);
    if (inline != null && !inline.isBlank()) {
      return inline;
    }
    String file = config.getString(VALUE_JSON_SCHEMA_FILE_CONFIG);
    if (file == null || file.isBlank()) {
      return null;
    }
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new ConfigException(VALUE_JSON_SCHEMA_FILE_CONFIG, file, "cannot read the file: " + e);
    }
  }

  /** The metadata headers to write; null: none. */
  static MetadataHeaders metadataHeaders(AbstractConfig config) {
    return config.getBoolean(HEADERS_ENABLE_CONFIG)
        ? new MetadataHeaders(config.getList(HEADERS_CONFIG))
        : null;
  }

  /** The topic mapper the Kafka topic keys describe. */
  static TopicMapper topicMapper(AbstractConfig config) {
    return new TopicMapper(
        config.getString(KAFKA_TOPIC_CONFIG),
        config.getList(KAFKA_TOPIC_RULES_CONFIG),
        config.getString(KAFKA_TOPIC_REPLACEMENT_CONFIG).charAt(0),
        config.getInt(KAFKA_TOPIC_MAX_LENGTH_CONFIG));
  }

  static final class ReplacementValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String text = (String) value;
      if (text == null || text.length() != 1 || !KafkaTopicNames.isLegal(text.charAt(0))) {
        throw new ConfigException(name, value, "Use one of '_', '-' or '.' (or a letter or digit)");
      }
    }

    @Override
    public String toString() {
      return "one character legal in topic names, e.g. _";
    }
  }
}
