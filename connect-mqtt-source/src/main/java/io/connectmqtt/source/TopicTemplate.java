package io.connectmqtt.source;

import io.connectmqtt.common.PlaceholderTemplates;
import io.connectmqtt.sparkplug.SparkplugTopic;
import java.util.List;

/**
 * A Kafka topic template over an MQTT topic: {@code ${topic}} is the whole MQTT topic with '/'
 * turned into '.', {@code ${N}} its N-th level (1-based; empty when the topic is shorter). For
 * Sparkplug B topics ({@code spBv1.0/...}), {@code ${sparkplug.group}}, {@code ${sparkplug.type}},
 * {@code ${sparkplug.node}}, {@code ${sparkplug.device}} and {@code ${sparkplug.host}} are those
 * parts (empty where the topic has none, or is not Sparkplug). Anything else is literal text.
 */
final class TopicTemplate {

  private sealed interface Part permits Literal, WholeTopic, Level, SparkplugPart {}

  private record Literal(String text) implements Part {}

  private record WholeTopic() implements Part {}

  private record Level(int index) implements Part {}

  private record SparkplugPart(String name) implements Part {
    /** This part of {@code topic}; empty when the topic is not Sparkplug B (null) or lacks it. */
    String of(SparkplugTopic topic) {
      if (topic == null) {
        return "";
      }
      String value =
          switch (name) {
            case "group" -> topic.group();
            case "type" -> topic.type().name();
            case "node" -> topic.edgeNode();
            case "device" -> topic.device();
            default -> topic.hostId();
          };
      return value == null ? "" : value;
    }
  }

  static final List<String> SPARKPLUG_PARTS = List.of("group", "type", "node", "device", "host");

  private final String source;
  private final List<Part> parts;

  private TopicTemplate(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  /** Parses {@code template}; throws IllegalArgumentException naming an unknown placeholder. */
  static TopicTemplate parse(String template) {
    return new TopicTemplate(
        template,
        PlaceholderTemplates.parse(
            template,
            Literal::new,
            TopicTemplate::placeholder,
            "${topic}, a level number such as ${1}, or ${sparkplug.group}, ${sparkplug.type}, "
                + "${sparkplug.node}, ${sparkplug.device}, ${sparkplug.host}",
            "topic template"));
  }

  /** The part a placeholder name stands for; null for an unknown name. */
  private static Part placeholder(String name) {
    if (name.equals("topic")) {
      return new WholeTopic();
    } else if (name.startsWith("sparkplug.")
        && SPARKPLUG_PARTS.contains(name.substring("sparkplug.".length()))) {
      return new SparkplugPart(name.substring("sparkplug.".length()));
    } else if (name.matches("[1-9][0-9]{0,3}")) {
      return new Level(Integer.parseInt(name));
    }
    return null;
  }

  String render(String mqttTopic) {
    String[] levels = null;
    // Parsed once per topic however many Sparkplug parts the template has; null if not Sparkplug B.
    SparkplugTopic sparkplug = null;
    boolean sparkplugParsed = false;
    StringBuilder out = new StringBuilder(64);
    for (Part part : parts) {
      if (part instanceof Literal literal) {
        out.append(literal.text());
      } else if (part instanceof WholeTopic) {
        out.append(mqttTopic.replace('/', '.'));
      } else if (part instanceof Level level) {
        if (levels == null) {
          levels = mqttTopic.split("/", -1);
        }
        if (level.index() <= levels.length) {
          out.append(levels[level.index() - 1]);
        }
      } else if (part instanceof SparkplugPart sparkplugPart) {
        if (!sparkplugParsed) {
          sparkplug = sparkplugTopic(mqttTopic);
          sparkplugParsed = true;
        }
        out.append(sparkplugPart.of(sparkplug));
      }
    }
    return out.toString();
  }

  private static SparkplugTopic sparkplugTopic(String mqttTopic) {
    try {
      return SparkplugTopic.parse(mqttTopic);
    } catch (IllegalArgumentException notSparkplug) {
      return null;
    }
  }

  boolean isFixed() {
    return parts.stream().allMatch(p -> p instanceof Literal);
  }

  @Override
  public String toString() {
    return source;
  }
}
