package io.connectmqtt.migrate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A connector config as users keep it: JSON as submitted to the Connect REST API ({@code {"name":
 * ..., "config": {...}}} or the bare config object) or a .properties file. Values keep their order;
 * JSON numbers and booleans become their text, as Connect itself reads them.
 */
final class ConfigFile {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ConfigFile() {}

  static Map<String, String> parse(String text) {
    String trimmed = text.strip();
    return trimmed.startsWith("{") ? parseJson(trimmed) : parseProperties(text);
  }

  private static Map<String, String> parseJson(String text) {
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
    JsonNode config = root.path("config").isObject() ? root.get("config") : root;
    Map<String, String> values = new LinkedHashMap<>();
    if (root.has("name") && root.get("name").isTextual() && config != root) {
      values.put("name", root.get("name").asText());
    }
    config
        .fields()
        .forEachRemaining(
            field -> {
              JsonNode value = field.getValue();
              values.put(field.getKey(), value.isValueNode() ? value.asText() : value.toString());
            });
    return values;
  }

  private static Map<String, String> parseProperties(String text) {
    // Properties keeps no order; read the keys' order from the text so that the output follows the
    // input.
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(text));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : text.split("\\R")) {
      String stripped = line.strip();
      if (stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("!")) {
        continue;
      }
      String key = stripped.split("\\s*[=:]\\s*|\\s+", 2)[0];
      if (properties.containsKey(key)) {
        values.put(key, properties.getProperty(key));
      }
    }
    properties
        .stringPropertyNames()
        .forEach(key -> values.putIfAbsent(key, properties.getProperty(key)));
    return values;
  }

  /** The REST API's form: {"name": ..., "config": {...}} (name omitted when the input had none). */
  static String toJson(Map<String, String> config) {
    ObjectNode root = JSON.createObjectNode();
    if (config.containsKey("name")) {
      root.put("name", config.get("name"));
    }
    ObjectNode body = root.putObject("config");
    config.forEach(body::put);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String toProperties(Map<String, String> config) {
    StringBuilder out = new StringBuilder();
    config.forEach((key, value) -> out.append(key).append('=').append(escape(value)).append('\n'));
    return out.toString();
  }

  private static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\n", "\\n");
  }
}
