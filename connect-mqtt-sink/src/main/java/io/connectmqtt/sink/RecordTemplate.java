package io.connectmqtt.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.PlaceholderTemplates;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * An MQTT topic template over a Kafka record: {@code ${topic}}, {@code ${partition}}, {@code
 * ${key}}, {@code ${key.PATH}}, {@code ${header.NAME}} and {@code ${value.PATH}}, where PATH is a
 * dotted field path into a Struct, a Map, or a JSON document (String or bytes value).
 */
final class RecordTemplate {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The record lacks what the template asks for; the message says what. */
  static final class RenderException extends Exception {
    private static final long serialVersionUID = 1L;

    RenderException(String message) {
      super(message);
    }
  }

  private enum Kind {
    LITERAL,
    TOPIC,
    PARTITION,
    KEY,
    KEY_PATH,
    HEADER,
    VALUE_PATH
  }

  private record Part(Kind kind, String text, String[] path) {}

  private final List<Part> parts;
  private final String source;

  private RecordTemplate(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  static RecordTemplate parse(String template) {
    return new RecordTemplate(
        template,
        PlaceholderTemplates.parse(
            template,
            text -> new Part(Kind.LITERAL, text, null),
            RecordTemplate::placeholder,
            "${topic}, ${partition}, ${key}, ${key.PATH}, ${header.NAME} or ${value.PATH}",
            "template"));
  }

  /** The part a placeholder name stands for; null for an unknown name. */
  private static Part placeholder(String name) {
    if (name.equals("topic")) {
      return new Part(Kind.TOPIC, null, null);
    } else if (name.equals("partition")) {
      return new Part(Kind.PARTITION, null, null);
    } else if (name.equals("key")) {
      return new Part(Kind.KEY, null, null);
    } else if (name.startsWith("key.") && name.length() > 4) {
      return new Part(Kind.KEY_PATH, null, name.substring(4).split("\\."));
    } else if (name.startsWith("header.") && name.length() > 7) {
      return new Part(Kind.HEADER, name.substring(7), null);
    } else if (name.startsWith("value.") && name.length() > 6) {
      return new Part(Kind.VALUE_PATH, null, name.substring(6).split("\\."));
    }
    return null;
  }

  String render(SinkRecord record) throws RenderException {
    StringBuilder out = new StringBuilder(64);
    JsonNode[] parsedValue = {null};
    for (Part part : parts) {
      switch (part.kind()) {
        case LITERAL -> out.append(part.text());
        case TOPIC -> out.append(record.topic());
        case PARTITION -> out.append(record.kafkaPartition());
        case KEY -> out.append(scalar(record.key(), "key"));
        case KEY_PATH ->
            out.append(scalar(path(record.key(), part.path(), "key", null), "key." + join(part)));
        case HEADER -> {
          Header header = record.headers().lastWithName(part.text());
          if (header == null || header.value() == null) {
            throw new RenderException("the record has no header '" + part.text() + "'");
          }
          out.append(scalar(header.value(), "header." + part.text()));
        }
        case VALUE_PATH ->
            out.append(
                scalar(
                    path(record.value(), part.path(), "value", parsedValue),
                    "value." + join(part)));
        default -> throw new IllegalStateException();
      }
    }
    return out.toString();
  }

  private static String join(Part part) {
    return String.join(".", part.path());
  }

  private static String scalar(Object value, String what) throws RenderException {
    if (value == null) {
      throw new RenderException("${" + what + "} is null");
    }
    if (value instanceof JsonNode node) {
      if (node.isValueNode() && !node.isNull()) {
        return node.asText();
      }
      throw new RenderException("${" + what + "} is not a single value but " + node.getNodeType());
    }
    if (value instanceof Struct || value instanceof Map || value instanceof List) {
      throw new RenderException("${" + what + "} is not a single value; name a field inside it");
    }
    if (value instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return value.toString();
  }

  private static Object path(Object root, String[] path, String what, JsonNode[] parsedCache)
      throws RenderException {
    Object current = root;
    for (int i = 0; i < path.length; i++) {
      String field = path[i];
      if (current == null) {
        throw new RenderException(
            "${" + what + "." + String.join(".", path) + "}: " + what + " is null");
      }
      if (current instanceof Struct struct) {
        Field f = struct.schema().field(field);
        if (f == null) {
          throw new RenderException("the " + what + " has no field '" + field + "'");
        }
        current = struct.get(f);
      } else if (current instanceof Map<?, ?> map) {
        if (!map.containsKey(field)) {
          throw new RenderException("the " + what + " has no field '" + field + "'");
        }
        current = map.get(field);
      } else if (current instanceof JsonNode node) {
        JsonNode child = node.get(field);
        if (child == null) {
          throw new RenderException("the " + what + " has no field '" + field + "'");
        }
        current = child;
      } else if (i == 0 && (current instanceof String || current instanceof byte[])) {
        JsonNode node =
            parsedCache != null && parsedCache[0] != null
                ? parsedCache[0]
                : parseJson(current, what);
        if (parsedCache != null) {
          parsedCache[0] = node;
        }
        current = node;
        i--;
      } else {
        throw new RenderException(
            "the "
                + what
                + " is a "
                + current.getClass().getSimpleName()
                + ", which has no field '"
                + field
                + "'");
      }
    }
    return current;
  }

  private static JsonNode parseJson(Object value, String what) throws RenderException {
    try {
      return value instanceof String text ? JSON.readTree(text) : JSON.readTree((byte[]) value);
    } catch (java.io.IOException e) {
      throw new RenderException(
          "the " + what + " is not a Struct, a Map or JSON text, so it has no fields");
    }
  }

  @Override
  public String toString() {
    return source;
  }
}
