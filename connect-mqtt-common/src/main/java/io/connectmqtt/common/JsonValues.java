package io.connectmqtt.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * JSON trees as the plain Java values Connect's schemaless converters take, and Connect values as
 * JSON trees.
 */
public final class JsonValues {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonValues() {}

  /**
   * Map, List, String, Long, Double, Boolean or null, as JsonConverter with schemas off produces
   * and accepts. Integers beyond a long and decimals become doubles: JsonConverter cannot write
   * BigDecimal without a schema.
   */
  public static Object plain(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>(node.size());
      node.forEach(child -> list.add(plain(child)));
      return list;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.asText();
  }

  /**
   * A Connect value as a JSON tree: Struct, Map and List as objects and arrays, bytes as Base64
   * text, and Connect's logical types as people read them: Decimal as a JSON number, Date as
   * "2024-05-31", Time as "13:45:00.250", Timestamp as an ISO-8601 instant.
   */
  public static JsonNode tree(Schema schema, Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (schema != null && schema.name() != null) {
      switch (schema.name()) {
        case Decimal.LOGICAL_NAME:
          return NODES.numberNode((BigDecimal) value);
        case org.apache.kafka.connect.data.Date.LOGICAL_NAME:
          return NODES.textNode(
              ((Date) value).toInstant().atOffset(ZoneOffset.UTC).toLocalDate().toString());
        case Time.LOGICAL_NAME:
          return NODES.textNode(
              LocalTime.ofNanoOfDay(((Date) value).getTime() * 1_000_000L).toString());
        case Timestamp.LOGICAL_NAME:
          return NODES.textNode(((Date) value).toInstant().toString());
        default:
          break;
      }
    }
    if (value instanceof Struct struct) {
      ObjectNode node = NODES.objectNode();
      for (Field field : struct.schema().fields()) {
        node.set(field.name(), tree(field.schema(), struct.get(field)));
      }
      return node;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode node = NODES.objectNode();
      Schema valueSchema = schema == null ? null : schema.valueSchema();
      map.forEach((k, v) -> node.set(String.valueOf(k), tree(valueSchema, v)));
      return node;
    }
    if (value instanceof Collection<?> list) {
      ArrayNode node = NODES.arrayNode();
      Schema valueSchema = schema == null ? null : schema.valueSchema();
      list.forEach(v -> node.add(tree(valueSchema, v)));
      return node;
    }
    if (value instanceof Date date) {
      return NODES.textNode(date.toInstant().toString());
    }
    if (value instanceof Instant instant) {
      return NODES.textNode(instant.toString());
    }
    if (value instanceof byte[] bytes) {
      return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
    }
    if (value instanceof ByteBuffer buffer) {
      return NODES.textNode(Base64.getEncoder().encodeToString(bytes(buffer)));
    }
    return JSON.valueToTree(value);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
