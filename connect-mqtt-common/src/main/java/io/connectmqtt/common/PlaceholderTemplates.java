package io.connectmqtt.common;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${name}} template syntax the source's Kafka topic template and the sink's MQTT topic
 * template share: literal text and placeholders, parsed once when the connector is configured. Each
 * template says what its placeholder names mean; this class only splits the text and names what is
 * wrong.
 */
public final class PlaceholderTemplates {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

  private PlaceholderTemplates() {}

  /**
   * The parts of {@code template}, in order. {@code literal} makes a part of plain text; {@code
   * placeholder} makes one of a placeholder's trimmed name, or returns null for a name it does not
   * know, which is an IllegalArgumentException ending in "; use {@code known}". {@code what} names
   * the template in the message for an empty one.
   */
  public static <P> List<P> parse(
      String template,
      Function<String, P> literal,
      Function<String, P> placeholder,
      String known,
      String what) {
    List<P> parts = new ArrayList<>();
    Matcher matcher = PLACEHOLDER.matcher(template);
    int last = 0;
    while (matcher.find()) {
      if (matcher.start() > last) {
        parts.add(literal.apply(template.substring(last, matcher.start())));
      }
      String name = matcher.group(1).trim();
      P part = placeholder.apply(name);
      if (part == null) {
        throw new IllegalArgumentException(
            "unknown placeholder '${" + name + "}' in '" + template + "'; use " + known);
      }
      parts.add(part);
      last = matcher.end();
    }
    if (last < template.length()) {
      String rest = template.substring(last);
      if (rest.contains("${")) {
        throw new IllegalArgumentException("unclosed placeholder in '" + template + "'");
      }
      parts.add(literal.apply(rest));
    }
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " must not be empty");
    }
    return List.copyOf(parts);
  }
}
