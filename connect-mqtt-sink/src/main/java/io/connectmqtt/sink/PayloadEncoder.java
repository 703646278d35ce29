package io.connectmqtt.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * A record value as MQTT payload bytes: bytes pass through, strings as UTF-8, everything else (Struct, Map, List,
 * numbers, booleans) as JSON. Connect's logical types: Decimal as a JSON number, Date as "2024-05-31", Time as
 * "13:45:00.250", Timestamp as an ISO-8601 instant.
 */
final class PayloadEncoder {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** Whether the payload is text (for the MQTT 5 payload format indicator when no header says otherwise). */
  static boolean isText(Object value) {
    return !(value instanceof byte[]) && !(value instanceof ByteBuffer);
  }

  static byte[] encode(Schema schema, Object value) {
    if (value instanceof byte[] bytes) {
      return bytes;
    }
    if (value instanceof ByteBuffer buffer) {
      byte[] bytes = new byte[buffer.remaining()];
      buffer.duplicate().get(bytes);
      return bytes;
    }
    if (value instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    try {
      return JSON.writeValueAsBytes(toJson(schema, value));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write the value as JSON: " + e.getOriginalMessage(), e);
    }
  }

  static JsonNode toJson(Schema schema, Object value) {
    if (value == null) {
      return NODES.nullNode();
    }
    if (schema != null && schema.name() != null) {
      switch (schema.name()) {
        case Decimal.LOGICAL_NAME:
          return NODES.numberNode((BigDecimal) value);
        case org.apache.kafka.connect.data.Date.LOGICAL_NAME:
          return NODES.textNode(((Date) value).toInstant().atOffset(ZoneOffset.UTC).toLocalDate().toString());
        case Time.LOGICAL_NAME:
          return NODES.textNode(LocalTime.ofNanoOfDay(((Date) value).getTime() * 1_000_000L).toString());
        case Timestamp.LOGICAL_NAME:
          return NODES.textNode(((Date) value).toInstant().toString());
        default:
          break;
      }
    }
    if (value instanceof Struct struct) {
      ObjectNode node = NODES.objectNode();
      for (Field field : struct.schema().fields()) {
        node.set(field.name(), toJson(field.schema(), struct.get(field)));
      }
      return node;
    }
    if (value instanceof Map<?, ?> map) {
      ObjectNode node = NODES.objectNode();
      Schema valueSchema = schema == null ? null : schema.valueSchema();
      map.forEach((k, v) -> node.set(String.valueOf(k), toJson(valueSchema, v)));
      return node;
    }
    if (value instanceof Collection<?> list) {
      ArrayNode node = NODES.arrayNode();
      Schema valueSchema = schema == null ? null : schema.valueSchema();
      list.forEach(v -> node.add(toJson(valueSchema, v)));
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
      return NODES.textNode(Base64.getEncoder().encodeToString(encode(null, buffer)));
    }
    return JSON.valueToTree(value);
  }
}
