package io.connectmqtt.common;

import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Validates a key with a parser that throws IllegalArgumentException saying what is wrong, so the
 * key is checked by the same code that later reads it. {@link #value} checks a STRING key (null is
 * checked as empty); {@link #eachElement} and {@link #nonEmptyList} check every element of a LIST
 * key, the error naming the element.
 */
public final class ParsingValidator implements ConfigDef.Validator {

  private final Consumer<String> parser;
  private final boolean eachElement;

  /** For a LIST key that needs an element: what to say when it has none; else null. */
  private final String whenEmpty;

  private final String description;

  private ParsingValidator(
      Consumer<String> parser, boolean eachElement, String whenEmpty, String description) {
    this.parser = parser;
    this.eachElement = eachElement;
    this.whenEmpty = whenEmpty;
    this.description = description;
  }

  /** A STRING key's value must parse; {@code description} is the valid values in the docs. */
  public static ParsingValidator value(Consumer<String> parser, String description) {
    return new ParsingValidator(parser, false, null, description);
  }

  /** Each element of a LIST key must parse. */
  public static ParsingValidator eachElement(Consumer<String> parser, String description) {
    return new ParsingValidator(parser, true, null, description);
  }

  /** Each element of a LIST key must parse, and there must be one; {@code whenEmpty} says so. */
  public static ParsingValidator nonEmptyList(
      Consumer<String> parser, String whenEmpty, String description) {
    return new ParsingValidator(parser, true, whenEmpty, description);
  }

  @Override
  public void ensureValid(String name, Object value) {
    if (!eachElement) {
      parse(name, value == null ? "" : value.toString(), value);
      return;
    }
    @SuppressWarnings("unchecked")
    List<String> elements = (List<String>) value;
    if (whenEmpty != null && (elements == null || elements.isEmpty())) {
      throw new ConfigException(name, value, whenEmpty);
    }
    for (String element : elements == null ? List.<String>of() : elements) {
      parse(name, element, element);
    }
  }

  private void parse(String name, String text, Object reported) {
    try {
      parser.accept(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, reported, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
