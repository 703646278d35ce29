package io.connectmqtt.entitysync.notify;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.JsonValues;
import io.connectmqtt.common.protocol.ChangeEvent;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.publish.BadRecordException;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * One row change as the notify sink reads it from a change event, entity sync's own or Debezium's
 * (with or without the JSON converter's schema envelope): the entity, the operation (create, update
 * or delete), the row before and after with exact decimals (null where the operation has none), and
 * the row's key.
 */
record RowChange(
    String schema,
    String entity,
    String operation,
    JsonNode before,
    JsonNode after,
    ObjectNode key) {

  /** Numbers exactly as written, so a decimal column compares as the database compares it. */
  static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  /**
   * The row change in {@code record}; null when there is none (a tombstone, or Debezium's snapshot
   * reads, truncates and messages); a {@link BadRecordException} when the event cannot be read.
   */
  static RowChange read(SinkRecord record) throws BadRecordException {
    JsonNode event = toJson(record.value());
    if (event == null) {
      return null;
    }
    if (event.has("payload") && event.has("schema") && event.get("payload").isObject()) {
      event = event.get("payload");
    }
    if (!event.isObject()) {
      throw new BadRecordException("the change event is not a JSON object", null);
    }
    String op = event.path("op").asText();
    String schema;
    String entity;
    String operation;
    Map<String, ColumnType> types = Map.of();
    ObjectNode key;
    if (event.has("source") && event.path("source").has("table")) {
      // Debezium: op c/u/d; r (snapshot read), t (truncate) and m (message) are no row changes.
      schema = event.path("source").path("schema").asText(null);
      entity = event.path("source").path("table").asText();
      operation =
          switch (op) {
            case "c" -> "create";
            case "u" -> "update";
            case "d" -> "delete";
            case "r", "t", "m" -> null;
            default ->
                throw new BadRecordException(
                    "unknown Debezium op '" + SubscriptionTable.abbreviate(op) + "'", null);
          };
      key = debeziumKey(record.key());
    } else {
      try {
        if (ChangeEvent.version(event) >= 1) {
          types = ChangeEvent.types(event);
        }
      } catch (IllegalArgumentException e) {
        throw new BadRecordException(e.getMessage(), null);
      }
      schema = event.path("schema").asText(null);
      entity = event.path("entity").asText();
      operation =
          switch (op) {
            case "create", "update", "delete" -> op;
            default ->
                throw new BadRecordException(
                    "unknown op '"
                        + SubscriptionTable.abbreviate(op)
                        + "'; expected create, update or delete",
                    null);
          };
      key = null;
    }
    if (operation == null) {
      return null;
    }
    if (entity.isEmpty()) {
      throw new BadRecordException("the change event names no entity", null);
    }
    // Rows with exact decimals again, converted once, not once per subscription they are checked
    // against.
    JsonNode beforeImage = operation.equals("create") ? null : image(event, "before", types);
    JsonNode afterImage = operation.equals("delete") ? null : image(event, "after", types);
    if (key == null) {
      key = entitySyncKey(event, afterImage, beforeImage);
    }
    return new RowChange(schema, entity, operation, beforeImage, afterImage, key);
  }

  /**
   * The changed row's key as an object, from an entity sync event: its primary key column (named by
   * version 1 events; {@code id} before) with the value the row has there, else with the event's
   * record id.
   */
  private static ObjectNode entitySyncKey(JsonNode event, JsonNode after, JsonNode before) {
    String recordId = event.path("record_id").asText();
    String column = event.path("primary_key").asText("id");
    for (JsonNode side : Arrays.asList(after, before)) {
      JsonNode value = side == null ? null : side.get(column);
      if (value != null && !value.isNull() && !value.isContainerNode()) {
        return JSON.createObjectNode().set(column, value);
      }
    }
    return JSON.createObjectNode().put(column.isEmpty() ? "id" : column, recordId);
  }

  /**
   * The changed row's key from a Debezium record's key (its key columns, with or without the JSON
   * converter's schema envelope, as a map, a struct or JSON text); an empty object when the record
   * has none.
   */
  private static ObjectNode debeziumKey(Object recordKey) {
    try {
      JsonNode key = toJson(recordKey);
      if (key != null && key.has("payload") && key.has("schema")) {
        key = key.get("payload");
      }
      if (key != null && key.isObject()) {
        ObjectNode scalars = JSON.createObjectNode();
        key.fields()
            .forEachRemaining(
                field -> {
                  if (!field.getValue().isContainerNode()) {
                    scalars.set(field.getKey(), field.getValue());
                  }
                });
        return scalars;
      }
    } catch (BadRecordException | RuntimeException e) {
      // No usable key: a leave then names none.
    }
    return JSON.createObjectNode();
  }

  /**
   * The event's row image {@code field} with exact decimals ({@link ChangeEvent#exactRow}): null
   * when absent (a delete's after), an error when not an object.
   */
  private static JsonNode image(JsonNode event, String field, Map<String, ColumnType> types)
      throws BadRecordException {
    JsonNode image = event.get(field);
    if (image == null || image.isNull()) {
      return null;
    }
    if (!image.isObject()) {
      throw new BadRecordException("the change event's '" + field + "' is not an object", null);
    }
    return ChangeEvent.exactRow(image, types);
  }

  private static JsonNode toJson(Object value) throws BadRecordException {
    try {
      if (value == null) {
        return null;
      }
      if (value instanceof byte[] bytes) {
        return JSON.readTree(bytes);
      }
      if (value instanceof String text) {
        return JSON.readTree(text);
      }
      if (value instanceof Map<?, ?> map) {
        return JSON.valueToTree(map);
      }
      if (value instanceof Struct struct) {
        return JsonValues.tree(struct.schema(), struct);
      }
    } catch (java.io.IOException e) {
      throw new BadRecordException(
          "the change event is not JSON: "
              + SubscriptionTable.abbreviate(String.valueOf(e.getMessage())),
          e);
    }
    throw new BadRecordException(
        "the change event is a " + value.getClass().getSimpleName() + ", not a JSON document",
        null);
  }
}
