package io.connectmqtt.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The change events entity sync writes for every create, update and delete, and how the notify sink
 * reads their rows: one shape for both.
 *
 * <pre>{"v":1,"op":"update","schema":"public","entity":"users","record_id":"42","primary_key":"id",
 *  "types":{"id":"integer","score":"decimal",...},"before":{...},"after":{...},"ts":...,
 *  "source":{"client_id":"c1","request_id":"msg-4"}}</pre>
 *
 * <p>Kafka Connect's JsonConverter without schemas has no exact decimal (it writes a Java
 * BigDecimal as nothing, a double loses digits beyond 15 to 17, and a consumer reading with it gets
 * doubles back), so a {@code decimal} column's value travels as a JSON string holding its exact
 * decimal ({@code "123456789012345678.25"}), like Debezium's {@code decimal.handling.mode=string};
 * {@code types} says which columns those are. {@link #exactRow} turns such a row back into exact
 * JSON numbers. Events without {@code v} (written before version 1) carry decimals as plain JSON
 * numbers and no types.
 */
public final class ChangeEvent {

  /** The version entity sync writes, and the newest the notify sink reads. */
  public static final int VERSION = 1;

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private ChangeEvent() {}

  /**
   * A change event: {@code before} null for a create, {@code after} null for a delete; rows as the
   * database returned them (decimals as BigDecimals), written here in the wire form.
   */
  public static ObjectNode of(
      ObjectMapper json,
      String op,
      String schema,
      String entity,
      String recordId,
      String primaryKey,
      Map<String, ColumnType> types,
      ObjectNode before,
      ObjectNode after,
      long timestamp,
      String clientId,
      String requestId) {
    ObjectNode event =
        json.createObjectNode()
            .put("v", VERSION)
            .put("op", op)
            .put("schema", schema)
            .put("entity", entity)
            .put("record_id", recordId)
            .put("primary_key", primaryKey);
    ObjectNode typeNodes = event.putObject("types");
    types.forEach((column, type) -> typeNodes.put(column, type.wire()));
    event.set("before", before == null ? json.nullNode() : wireRow(before, types));
    event.set("after", after == null ? json.nullNode() : wireRow(after, types));
    event.put("ts", timestamp);
    event.putObject("source").put("client_id", clientId).put("request_id", requestId);
    return event;
  }

  /** A row in the wire form: each decimal column's number as a string of its exact decimal. */
  public static ObjectNode wireRow(ObjectNode row, Map<String, ColumnType> types) {
    ObjectNode wire = row.deepCopy();
    types.forEach(
        (column, type) -> {
          JsonNode value = wire.get(column);
          if (type == ColumnType.DECIMAL && value != null && value.isNumber()) {
            wire.put(column, value.decimalValue().toString());
          }
        });
    return wire;
  }

  /**
   * The event's version: 0 without {@code v}; an {@link IllegalArgumentException} naming the
   * version for one this code does not read.
   */
  public static int version(JsonNode event) {
    JsonNode v = event.get("v");
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber()
        || !v.canConvertToInt()
        || v.intValue() < 1
        || v.intValue() > VERSION) {
      throw new IllegalArgumentException(
          "the change event is of version "
              + v
              + "; this notify sink reads versions "
              + "up to "
              + VERSION
              + " (upgrade it to match entity sync)");
    }
    return v.intValue();
  }

  /** The event's column types; empty for an event without them. Unknown type words are left out. */
  public static Map<String, ColumnType> types(JsonNode event) {
    Map<String, ColumnType> types = new LinkedHashMap<>();
    JsonNode typeNodes = event.get("types");
    if (typeNodes != null && typeNodes.isObject()) {
      typeNodes
          .fields()
          .forEachRemaining(
              field ->
                  ColumnType.parse(field.getValue().asText(null))
                      .ifPresent(type -> types.put(field.getKey(), type)));
    }
    return types;
  }

  /**
   * A row image as exact JSON: a decimal column's string read back as its exact number (text that
   * is no number stays text). Null stays null; anything but an object is returned as it is.
   */
  public static JsonNode exactRow(JsonNode row, Map<String, ColumnType> types) {
    if (row == null || !row.isObject() || types.isEmpty()) {
      return row;
    }
    ObjectNode exact = null;
    for (Map.Entry<String, ColumnType> column : types.entrySet()) {
      JsonNode value = row.get(column.getKey());
      if (column.getValue() == ColumnType.DECIMAL && value != null && value.isTextual()) {
        BigDecimal number = SqlComparison.parseNumber(value.asText());
        if (number != null) {
          if (exact == null) {
            exact = ((ObjectNode) row).deepCopy();
          }
          exact.set(column.getKey(), NODES.numberNode(number));
        }
      }
    }
    return exact == null ? row : exact;
  }
}
