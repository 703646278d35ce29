package io.connectmqtt.common;

import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Validates each element of a LIST key with a parser that throws IllegalArgumentException saying
 * what is wrong; the error names the element. An empty list is valid.
 */
public final class ListElementsValidator implements ConfigDef.Validator {

  private final Consumer<String> parser;
  private final String description;

  public ListElementsValidator(Consumer<String> parser, String description) {
    this.parser = parser;
    this.description = description;
  }

  @Override
  public void ensureValid(String name, Object value) {
    @SuppressWarnings("unchecked")
    List<String> elements = (List<String>) value;
    for (String element : elements == null ? List.<String>of() : elements) {
      try {
        parser.accept(element);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(name, element, e.getMessage());
      }
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
