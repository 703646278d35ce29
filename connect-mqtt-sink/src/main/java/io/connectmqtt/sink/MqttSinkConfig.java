package io.connectmqtt.sink;

import io.connectmqtt.common.MqttConnectionConfig;
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
import org.apache.kafka.common.config.ConfigException;

/** Configuration of {@link MqttSinkConnector}: the shared MQTT connection keys plus the sink's own. */
public final class MqttSinkConfig extends AbstractConfig {

  private static final String GROUP_PUBLISH = "MQTT publishing";
  private static final String GROUP_DELIVERY = "Delivery";

  public static final String TOPIC_CONFIG = "mqtt.topic";
  public static final String QOS_CONFIG = "mqtt.qos";
  public static final String RETAIN_CONFIG = "mqtt.retain";
  public static final String HEADERS_MAPPED_CONFIG = "mqtt.properties.from.headers";
  public static final String CORRELATION_ENCODING_CONFIG = "mqtt.correlation.data.header.encoding";
  public static final String NULL_VALUE_CONFIG = "mqtt.null.value.behavior";
  public static final String MAX_PAYLOAD_CONFIG = "mqtt.max.payload.bytes";

  public static final String MAX_IN_FLIGHT_CONFIG = "mqtt.max.in.flight";
  public static final String PUBLISH_TIMEOUT_CONFIG = "mqtt.publish.timeout.ms";
  public static final String RETRIES_CONFIG = "mqtt.retries.max";
  public static final String RETRY_BACKOFF_CONFIG = "mqtt.retry.backoff.ms";
  public static final String COMMIT_INTERVAL_CONFIG = "acknowledged.offsets.commit.interval.ms";

  /** Values of {@link #HEADERS_MAPPED_CONFIG}: which source headers become MQTT properties. */
  public static final List<String> MAPPABLE = List.of("qos", "retain", "content.type", "response.topic",
      "correlation.data", "payload.format", "message.expiry", "user");

  public static final String NULL_SKIP = "skip";
  public static final String NULL_EMPTY = "empty";
  public static final String NULL_CLEAR_RETAINED = "clear-retained";

  static final String TASK_INDEX_CONFIG = io.connectmqtt.common.TaskConfigs.TASK_INDEX;
  static final String CONNECTOR_NAME_CONFIG = "name";

  public static final ConfigDef CONFIG_DEF = configDef();

  public MqttSinkConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    int order = 0;
    def.define(TOPIC_CONFIG, Type.STRING, "${topic}", new TemplateValidator(), Importance.HIGH,
            "MQTT topic to publish each record to: a fixed topic, or a template with ${topic} (Kafka topic), "
                + "${partition}, ${key}, ${key.PATH}, ${header.NAME} and ${value.PATH} (a dotted field path in a "
                + "Struct, Map or JSON value). 'devices/${key}/commands' sends a record with key 'd7' to "
                + "'devices/d7/commands'; '${header.mqtt.topic}' keeps the topic a source connector recorded. A "
                + "record the template cannot render, or that renders to an empty topic, one with '+' or '#', or "
                + "one over 65535 bytes, is a bad record (see errors.tolerance).",
            GROUP_PUBLISH, ++order, Width.LONG, "MQTT topic")
        .define(QOS_CONFIG, Type.INT, 1, Range.between(0, 2), Importance.HIGH,
            "QoS of published messages, unless the record's mqtt.qos header says otherwise (see "
                + HEADERS_MAPPED_CONFIG + "). Use 1 or 2: offsets are committed only for acknowledged messages, "
                + "and QoS 0 is never acknowledged by the broker.", GROUP_PUBLISH, ++order, Width.SHORT, "QoS")
        .define(RETAIN_CONFIG, Type.BOOLEAN, false, Importance.MEDIUM,
            "Publish as retained messages, unless the record's mqtt.retain header says otherwise.",
            GROUP_PUBLISH, ++order, Width.SHORT, "Retain")
        .define(HEADERS_MAPPED_CONFIG, Type.LIST, String.join(",", MAPPABLE),
            ConfigDef.ValidList.in(MAPPABLE.toArray(new String[0])), Importance.MEDIUM,
            "Which record headers become MQTT properties; the names are the source connector's: mqtt.qos, "
                + "mqtt.retain, mqtt.content.type, mqtt.response.topic, mqtt.correlation.data, mqtt.payload.format, "
                + "mqtt.message.expiry, and 'user' for every mqtt.user.<name> header. Empty: none.",
            GROUP_PUBLISH, ++order, Width.LONG, "Properties from headers")
        .define(CORRELATION_ENCODING_CONFIG, Type.STRING, "base64",
            ConfigDef.CaseInsensitiveValidString.in("base64", "utf-8"), Importance.LOW,
            "How a text mqtt.correlation.data header is turned into bytes. 'base64' matches what the source "
                + "connector writes under Connect's default SimpleHeaderConverter; bytes headers are used as they "
                + "are.", GROUP_PUBLISH, ++order, Width.SHORT, "Correlation data encoding")
        .define(NULL_VALUE_CONFIG, Type.STRING, NULL_SKIP,
            ConfigDef.CaseInsensitiveValidString.in(NULL_SKIP, NULL_EMPTY, NULL_CLEAR_RETAINED), Importance.MEDIUM,
            "What a record with a null value (a tombstone) does: 'skip' publishes nothing, 'empty' publishes an empty "
                + "payload, 'clear-retained' publishes an empty retained message, which deletes the retained "
                + "message of the topic.", GROUP_PUBLISH, ++order, Width.SHORT, "Null values")
        .define(MAX_PAYLOAD_CONFIG, Type.INT, 0, Range.atLeast(0), Importance.LOW,
            "Largest payload to publish, in bytes; a larger record is a bad record. 0: the broker's maximum packet "
                + "size from its MQTT 5 CONNACK (or 256 MB).", GROUP_PUBLISH, ++order, Width.SHORT,
            "Max payload (bytes)");

    order = 0;
    def.define(MAX_IN_FLIGHT_CONFIG, Type.INT, 1_000, Range.between(1, 65_535), Importance.MEDIUM,
            "Most publishes awaiting the broker's acknowledgement at once. When the window is full, put() waits: "
                + "memory stays bounded and the consumer slows down.", GROUP_DELIVERY, ++order, Width.SHORT,
            "Max in flight")
        .define(PUBLISH_TIMEOUT_CONFIG, Type.LONG, 30_000L, Range.between(100L, 290_000L), Importance.LOW,
            "How long put() waits for room in the window (the broker may be away) before giving up for now with a "
                + "retriable error; Connect then redelivers the batch after " + RETRY_BACKOFF_CONFIG + ".",
            GROUP_DELIVERY, ++order, Width.SHORT, "Publish timeout (ms)")
        .define(RETRIES_CONFIG, Type.INT, 10, Range.atLeast(0), Importance.LOW,
            "Retriable failures in a row (no progress at all) before the task fails with a message saying the "
                + "broker is unavailable.", GROUP_DELIVERY, ++order, Width.SHORT, "Max retries")
        .define(RETRY_BACKOFF_CONFIG, Type.LONG, 5_000L, Range.between(0L, 600_000L), Importance.LOW,
            "Wait before Connect redelivers a batch after a retriable failure.", GROUP_DELIVERY, ++order,
            Width.SHORT, "Retry backoff (ms)")
        .define(COMMIT_INTERVAL_CONFIG, Type.LONG, 1_000L, Range.between(0L, 3_600_000L), Importance.LOW,
            "How often the task asks Connect to commit the offsets the broker has acknowledged. A crash repeats "
                + "what was published since the last commit, so this bounds the duplicates after a worker crash "
                + "to about this much traffic. 0: leave it to the worker's offset.flush.interval.ms (60 s by "
                + "default).", GROUP_DELIVERY, ++order, Width.SHORT, "Commit interval (ms)");
    return def;
  }

  Set<String> mappedHeaders() {
    return Set.copyOf(getList(HEADERS_MAPPED_CONFIG));
  }

  String nullValueBehavior() {
    return getString(NULL_VALUE_CONFIG).toLowerCase(Locale.ROOT);
  }

  static final class TemplateValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      try {
        RecordTemplate.parse(value == null ? "" : value.toString());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, value, e.getMessage());
      }
    }

    @Override
    public String toString() {
      return "MQTT topic or template with ${topic}, ${partition}, ${key}, ${header.NAME}, ${value.PATH}";
    }
  }
}
