package io.connectmqtt.source.presence;

import io.connectmqtt.common.KafkaTopicNames;
import io.connectmqtt.common.ParsingValidator;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.sparkplug.SparkplugTopic;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The device presence keys of the MQTT source: a config fragment ({@link #update}) with typed
 * getters.
 */
public final class PresenceConfig {

  private static final String GROUP = "Device presence";

  public static final String TOPIC_CONFIG = "presence.topic";
  public static final String DEVICE_TOPICS_CONFIG = "presence.device.topics";
  public static final String WILL_TOPICS_CONFIG = "presence.will.topics";
  public static final String STATUS_TOPICS_CONFIG = "presence.status.topics";
  public static final String ONLINE_PAYLOAD_CONFIG = "presence.status.online.payload";
  public static final String OFFLINE_PAYLOAD_CONFIG = "presence.status.offline.payload";
  public static final String SPARKPLUG_CONFIG = "presence.sparkplug.enable";
  public static final String OFFLINE_AFTER_CONFIG = "presence.offline.after.ms";

  private static final List<String> PATTERN_KEYS =
      List.of(DEVICE_TOPICS_CONFIG, WILL_TOPICS_CONFIG, STATUS_TOPICS_CONFIG);

  private static final ConfigDef.Validator PATTERNS =
      ParsingValidator.eachElement(
          TopicPattern::parse, "list of MQTT topic filters with one {device} level");

  private final AbstractConfig config;

  public PresenceConfig(AbstractConfig config) {
    this.config = config;
  }

  public static ConfigDef update(ConfigDef def) {
    int order = 0;
    String pattern =
        " Each is an MQTT topic filter with one level written {device}, which names the device; the "
            + "filters must be among those mqtt.topics subscribes to.";
    return def.define(
            TOPIC_CONFIG,
            Type.STRING,
            "",
            new TopicNameValidator(),
            Importance.MEDIUM,
            "Kafka topic of the device presence stream: one record per change of a device's state (online or "
                + "offline, with the reason, first and last seen), keyed by the device. Create it compacted (a "
                + "topic.creation group, see the presence guide). Empty: no presence stream.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Presence topic")
        .define(
            DEVICE_TOPICS_CONFIG,
            Type.LIST,
            "",
            PATTERNS,
            Importance.MEDIUM,
            "Topic patterns of the devices' own messages, e.g. 'sensors/{device}/#': any message there marks the "
                + "device online (reason 'message') and restarts its silence timer."
                + pattern,
            GROUP,
            ++order,
            Width.LONG,
            "Device topics")
        .define(
            WILL_TOPICS_CONFIG,
            Type.LIST,
            "",
            PATTERNS,
            Importance.MEDIUM,
            "Topic patterns the devices' Last Will messages go to, e.g. 'clients/{device}/will': a message there "
                + "marks the device offline (reason 'will'), except the "
                + ONLINE_PAYLOAD_CONFIG
                + ", which marks "
                + "it online (reason 'explicit')."
                + pattern,
            GROUP,
            ++order,
            Width.LONG,
            "Will topics")
        .define(
            STATUS_TOPICS_CONFIG,
            Type.LIST,
            "",
            PATTERNS,
            Importance.MEDIUM,
            "Topic patterns where devices announce themselves: the "
                + ONLINE_PAYLOAD_CONFIG
                + " marks the device "
                + "online, the "
                + OFFLINE_PAYLOAD_CONFIG
                + " offline (reason 'explicit'); other payloads count as "
                + "a message."
                + pattern,
            GROUP,
            ++order,
            Width.LONG,
            "Status topics")
        .define(
            ONLINE_PAYLOAD_CONFIG,
            Type.STRING,
            "online",
            Importance.LOW,
            "Payload (UTF-8, exact) that says a device is online on its status or Will topic.",
            GROUP,
            ++order,
            Width.SHORT,
            "Online payload")
        .define(
            OFFLINE_PAYLOAD_CONFIG,
            Type.STRING,
            "offline",
            Importance.LOW,
            "Payload (UTF-8, exact) that says a device is offline on its status topic.",
            GROUP,
            ++order,
            Width.SHORT,
            "Offline payload")
        .define(
            SPARKPLUG_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Track Sparkplug B edge nodes ('group/node') and devices ('group/node/device') from spBv1.0 topics: "
                + "NBIRTH/DBIRTH online (reason 'birth'), NDATA/DDATA a message, NDEATH offline with all its "
                + "devices (reason 'ndeath'), DDEATH offline (reason 'ddeath'). Only the topic is read.",
            GROUP,
            ++order,
            Width.SHORT,
            "Sparkplug presence")
        .define(
            OFFLINE_AFTER_CONFIG,
            Type.LONG,
            0L,
            Range.atLeast(0),
            Importance.MEDIUM,
            "An online device with no message for this long goes offline (reason 'silence'). 0: never.",
            GROUP,
            ++order,
            Width.SHORT,
            "Offline after silence (ms)");
  }

  public boolean enabled() {
    return !topic().isEmpty();
  }

  public String topic() {
    return config.getString(TOPIC_CONFIG).trim();
  }

  long offlineAfterMs() {
    return config.getLong(OFFLINE_AFTER_CONFIG);
  }

  PresenceRules rules() {
    return new PresenceRules(
        config.getBoolean(SPARKPLUG_CONFIG),
        patterns(WILL_TOPICS_CONFIG),
        patterns(STATUS_TOPICS_CONFIG),
        patterns(DEVICE_TOPICS_CONFIG),
        config.getString(ONLINE_PAYLOAD_CONFIG),
        config.getString(OFFLINE_PAYLOAD_CONFIG));
  }

  private List<TopicPattern> patterns(String key) {
    return config.getList(key).stream().map(TopicPattern::parse).toList();
  }

  /**
   * Checks across keys: presence needs an identity rule, one task (each task would keep its own
   * state), and patterns that the connector's subscriptions can deliver.
   */
  public void crossFieldChecks(
      List<String> subscribed, int tasks, Map<String, ConfigValue> values) {
    if (!enabled()) {
      return;
    }
    boolean anyRule =
        config.getBoolean(SPARKPLUG_CONFIG)
            || PATTERN_KEYS.stream().anyMatch(key -> !config.getList(key).isEmpty());
    if (!anyRule) {
      values
          .get(TOPIC_CONFIG)
          .addErrorMessage(
              "Presence needs a device identity: set "
                  + DEVICE_TOPICS_CONFIG
                  + ", "
                  + WILL_TOPICS_CONFIG
                  + ", "
                  + STATUS_TOPICS_CONFIG
                  + " or "
                  + SPARKPLUG_CONFIG
                  + "=true.");
    }
    if (tasks > 1) {
      values
          .get(TOPIC_CONFIG)
          .addErrorMessage(
              "Presence keeps every device's state in one task, reading in order on one "
                  + "connection; set tasks.max=1.");
    }
    for (String key : PATTERN_KEYS) {
      for (TopicPattern pattern : patterns(key)) {
        if (subscribed.stream()
            .noneMatch(filter -> TopicFilters.overlap(filter, pattern.filter()))) {
          values
              .get(key)
              .addErrorMessage(
                  "'"
                      + pattern.pattern()
                      + "' matches no topic of mqtt.topics "
                      + subscribed
                      + ": the connector would never receive these messages; add '"
                      + pattern.filter()
                      + "' to mqtt.topics.");
        }
      }
    }
    if (config.getBoolean(SPARKPLUG_CONFIG)
        && subscribed.stream()
            .noneMatch(filter -> TopicFilters.overlap(filter, SparkplugTopic.NAMESPACE + "/#"))) {
      values
          .get(SPARKPLUG_CONFIG)
          .addErrorMessage(
              "mqtt.topics "
                  + subscribed
                  + " has no "
                  + SparkplugTopic.NAMESPACE
                  + " topic; add e.g. '"
                  + SparkplugTopic.NAMESPACE
                  + "/#'.");
    }
  }

  static final class TopicNameValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String topic = value == null ? "" : value.toString().trim();
      if (!topic.isEmpty() && !KafkaTopicNames.isLegal(topic)) {
        throw new ConfigException(
            name, value, "Not a legal Kafka topic name; use letters, digits, '.', '_', '-'");
      }
    }

    @Override
    public String toString() {
      return "empty, or a Kafka topic name";
    }
  }
}
