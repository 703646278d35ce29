package io.connectmqtt.sink;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.ParsingValidator;
import io.connectmqtt.common.publish.DeliveryConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Configuration of {@link MqttSinkConnector}: the shared MQTT connection keys ({@link
 * MqttConnectionConfig}, with TLS), the sink's own publishing keys, and the delivery keys of {@link
 * DeliveryConfig}.
 */
public final class MqttSinkConfig extends AbstractConfig {

  private static final String GROUP_PUBLISH = "MQTT publishing";

  public static final String TOPIC_CONFIG = "mqtt.topic";
  public static final String RETAIN_CONFIG = "mqtt.retain";
  public static final String HEADERS_MAPPED_CONFIG = "mqtt.properties.from.headers";
  public static final String CORRELATION_ENCODING_CONFIG = "mqtt.correlation.data.header.encoding";
  public static final String NULL_VALUE_CONFIG = "mqtt.null.value.behavior";
  public static final String MAX_PAYLOAD_CONFIG = "mqtt.max.payload.bytes";
  public static final String PAYLOAD_ENCODING_CONFIG = "mqtt.payload.encoding";
  public static final String ENCODING_AUTO = "auto";
  public static final String ENCODING_SPARKPLUG = "sparkplug";

  /** Values of {@link #HEADERS_MAPPED_CONFIG}: which source headers become MQTT properties. */
  public static final List<String> MAPPABLE =
      List.of(
          "qos",
          "retain",
          "content.type",
          "response.topic",
          "correlation.data",
          "payload.format",
          "message.expiry",
          "user");

  public static final String NULL_SKIP = "skip";
  public static final String NULL_EMPTY = "empty";
  public static final String NULL_CLEAR_RETAINED = "clear-retained";

  /** The connector name where a configuration has none (a hand-made one, in tests). */
  static final String DEFAULT_NAME = "mqtt-sink";

  public static final ConfigDef CONFIG_DEF = configDef();

  public MqttSinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    int order = 0;
    def.define(
        TOPIC_CONFIG,
        Type.STRING,
        "${topic}",
        ParsingValidator.value(
            RecordTemplate::parse,
            "MQTT topic or template with ${topic}, ${partition}, ${key}, ${header.NAME}, ${value.PATH}"),
        Importance.HIGH,
        "MQTT topic to publish each record to: a fixed topic, or a template with ${topic} (Kafka topic), "
            + "${partition}, ${key}, ${key.PATH}, ${header.NAME} and ${value.PATH} (a dotted field path in a "
            + "Struct, Map or JSON value). 'devices/${key}/commands' sends a record with key 'd7' to "
            + "'devices/d7/commands'; '${header.mqtt.topic}' keeps the topic a source connector recorded. A "
            + "record the template cannot render, or that renders to an empty topic, one with '+' or '#', or "
            + "one over 65535 bytes, is a bad record (see "
            + ErrorToleranceConfig.ERRORS_TOLERANCE_CONFIG
            + ").",
        GROUP_PUBLISH,
        ++order,
        Width.LONG,
        "MQTT topic");
    DeliveryConfig.defineQos(
        def,
        GROUP_PUBLISH,
        ++order,
        ", unless the record's mqtt.qos header says otherwise "
            + "(see "
            + HEADERS_MAPPED_CONFIG
            + ")");
    def.define(
            RETAIN_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Publish as retained messages, unless the record's mqtt.retain header says otherwise.",
            GROUP_PUBLISH,
            ++order,
            Width.SHORT,
            "Retain")
        .define(
            HEADERS_MAPPED_CONFIG,
            Type.LIST,
            String.join(",", MAPPABLE),
            ConfigDef.ValidList.in(MAPPABLE.toArray(new String[0])),
            Importance.MEDIUM,
            "Which record headers become MQTT properties; the names are the source connector's: mqtt.qos, "
                + "mqtt.retain, mqtt.content.type, mqtt.response.topic, mqtt.correlation.data, mqtt.payload.format, "
                + "mqtt.message.expiry, and 'user' for every mqtt.user.<name> header. Empty: none.",
            GROUP_PUBLISH,
            ++order,
            Width.LONG,
            "Properties from headers")
        .define(
            CORRELATION_ENCODING_CONFIG,
            Type.STRING,
            "base64",
            ConfigDef.CaseInsensitiveValidString.in("base64", "utf-8"),
            Importance.LOW,
            "How a text mqtt.correlation.data header is turned into bytes. 'base64' matches what the source "
                + "connector writes under Connect's default SimpleHeaderConverter; bytes headers are used as they "
                + "are.",
            GROUP_PUBLISH,
            ++order,
            Width.SHORT,
            "Correlation data encoding")
        .define(
            NULL_VALUE_CONFIG,
            Type.STRING,
            NULL_SKIP,
            ConfigDef.CaseInsensitiveValidString.in(NULL_SKIP, NULL_EMPTY, NULL_CLEAR_RETAINED),
            Importance.MEDIUM,
            "What a record with a null value (a tombstone) does: 'skip' publishes nothing, 'empty' publishes an empty "
                + "payload, 'clear-retained' publishes an empty retained message, which deletes the retained "
                + "message of the topic.",
            GROUP_PUBLISH,
            ++order,
            Width.SHORT,
            "Null values")
        .define(
            MAX_PAYLOAD_CONFIG,
            Type.INT,
            0,
            Range.atLeast(0),
            Importance.LOW,
            "Largest payload to publish, in bytes; a larger record is a bad record. 0: the broker's maximum packet "
                + "size from its MQTT 5 CONNACK (or 256 MB).",
            GROUP_PUBLISH,
            ++order,
            Width.SHORT,
            "Max payload (bytes)")
        .define(
            PAYLOAD_ENCODING_CONFIG,
            Type.STRING,
            ENCODING_AUTO,
            ConfigDef.CaseInsensitiveValidString.in(ENCODING_AUTO, ENCODING_SPARKPLUG),
            Importance.MEDIUM,
            "How a record value becomes the MQTT message. 'auto': bytes as they are, strings as UTF-8, anything else "
                + "as JSON, to "
                + TOPIC_CONFIG
                + ". 'sparkplug': the value is a Struct of the Sparkplug message "
                + "shape the source writes (group, edgeNode, device, messageType NCMD or DCMD, metrics with "
                + "datatype and value; see docs/sparkplug.md), encoded as a Sparkplug B payload and published to "
                + "spBv1.0/{group}/NCMD/{edgeNode} or spBv1.0/{group}/DCMD/{edgeNode}/{device} at QoS 0, not "
                + "retained, as Sparkplug 3.0 requires of commands ("
                + TOPIC_CONFIG
                + ", "
                + RETAIN_CONFIG
                + ", "
                + "the QoS setting and the property headers are not used).",
            GROUP_PUBLISH,
            ++order,
            Width.SHORT,
            "Payload encoding");

    return DeliveryConfig.update(def);
  }

  Set<String> mappedHeaders() {
    return Set.copyOf(getList(HEADERS_MAPPED_CONFIG));
  }

  boolean sparkplug() {
    return ENCODING_SPARKPLUG.equalsIgnoreCase(getString(PAYLOAD_ENCODING_CONFIG));
  }

  String topicTemplate() {
    return getString(TOPIC_CONFIG);
  }

  String nullValueBehavior() {
    return getString(NULL_VALUE_CONFIG).toLowerCase(Locale.ROOT);
  }
}
