package io.connectmqtt.source;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kafka topic template over an MQTT topic: {@code ${topic}} is the whole MQTT topic with '/' turned into '.',
 * {@code ${N}} its N-th level (1-based; empty when the topic is shorter). Anything else is literal text.
 */
final class TopicTemplate {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

  private sealed interface Part permits Literal, WholeTopic, Level {}

  private record Literal(String text) implements Part {}

  private record WholeTopic() implements Part {}

  private record Level(int index) implements Part {}

  private final String source;
  private final List<Part> parts;

  private TopicTemplate(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  /** Parses {@code template}; throws IllegalArgumentException naming an unknown placeholder. */
  static TopicTemplate parse(String template) {
    List<Part> parts = new ArrayList<>();
    Matcher matcher = PLACEHOLDER.matcher(template);
    int last = 0;
    while (matcher.find()) {
      if (matcher.start() > last) {
        parts.add(new Literal(template.substring(last, matcher.start())));
      }
      String name = matcher.group(1).trim();
      if (name.equals("topic")) {
        parts.add(new WholeTopic());
      } else if (name.matches("[1-9][0-9]{0,3}")) {
        parts.add(new Level(Integer.parseInt(name)));
      } else {
        throw new IllegalArgumentException("unknown placeholder '${" + name + "}' in '" + template
            + "'; use ${topic} or a level number such as ${1}");
      }
      last = matcher.end();
    }
    if (last < template.length()) {
      String rest = template.substring(last);
      if (rest.contains("${")) {
        throw new IllegalArgumentException("unclosed placeholder in '" + template + "'");
      }
      parts.add(new Literal(rest));
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("the topic template must not be empty");
    }
    return new TopicTemplate(template, List.copyOf(parts));
  }

  String render(String mqttTopic) {
    String[] levels = null;
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
      }
    }
    return out.toString();
  }

  boolean isFixed() {
    return parts.stream().allMatch(p -> p instanceof Literal);
  }

  @Override
  public String toString() {
    return source;
  }
}
