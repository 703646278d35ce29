package io.connectmqtt.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.JsonValues;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.data.Schema;

/**
 * A record value as MQTT payload bytes: bytes pass through, strings as UTF-8, everything else
 * (Struct, Map, List, numbers, booleans) as JSON ({@link JsonValues#tree}).
 */
final class PayloadEncoder {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Whether the payload is text (for the MQTT 5 payload format indicator when no header says
   * otherwise).
   */
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
      return JSON.writeValueAsBytes(JsonValues.tree(schema, value));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot write the value as JSON: " + e.getOriginalMessage(), e);
    }
  }
}
