package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** JSON values to bound SQL parameters of the column's type, and result rows back to JSON. */
final class SqlValues {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SqlValues() {}

  /**
   * Converts a JSON value (or a filter's Java value) for {@code column}; wrong types are
   * invalid_value.
   */
  static Object coerce(Catalog.Column column, Object value) throws ProtocolException {
    if (value == null || value instanceof JsonNode node && node.isNull()) {
      return null;
    }
    Object raw = value instanceof JsonNode node ? unwrap(node, column) : value;
    String text = raw.toString();
    try {
      return switch (column.jdbcType()) {
        case Types.INTEGER, Types.SMALLINT, Types.TINYINT, Types.BIGINT -> {
          if (raw instanceof Boolean) {
            throw new NumberFormatException();
          }
          yield new BigDecimal(text).longValueExact();
        }
        case Types.NUMERIC, Types.DECIMAL -> new BigDecimal(text);
        case Types.REAL, Types.FLOAT, Types.DOUBLE -> floatValue(text);
        case Types.BOOLEAN, Types.BIT -> {
          if (raw instanceof Boolean flag) {
            yield flag;
          }
          if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
            yield Boolean.parseBoolean(text);
          }
          throw new IllegalArgumentException();
        }
        case Types.DATE -> java.sql.Date.valueOf(LocalDate.parse(text));
        case Types.TIMESTAMP ->
            java.sql.Timestamp.valueOf(
                text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")
                    ? OffsetDateTime.parse(text).toLocalDateTime()
                    : LocalDateTime.parse(text));
        case Types.TIMESTAMP_WITH_TIMEZONE -> OffsetDateTime.parse(text);
        case Types.CHAR,
            Types.VARCHAR,
            Types.LONGVARCHAR,
            Types.NCHAR,
            Types.NVARCHAR,
            Types.CLOB -> {
          if (!(raw instanceof String) && !(raw instanceof Number) && !(raw instanceof Boolean)) {
            throw new IllegalArgumentException();
          }
          // A number as PostgreSQL's numeric-to-text cast writes it: 1e2 is '100', 7.0 is '7.0',
          // never '1E+2'.
          yield raw instanceof BigDecimal decimal ? decimal.toPlainString() : text;
        }
        default -> {
          if ("uuid".equalsIgnoreCase(column.typeName())) {
            yield UUID.fromString(text);
          }
          yield text;
        }
      };
    } catch (RuntimeException e) {
      throw new ProtocolException(
          ErrorCode.INVALID_VALUE,
          "'"
              + abbreviate(text)
              + "' is not a valid "
              + column.typeName().toLowerCase()
              + " for column '"
              + column.name()
              + "'");
    }
  }

  /**
   * A double, refusing a number beyond a double's range (1e400, 1e-400) as PostgreSQL's float8
   * input does, rather than letting it silently become Infinity or 0 (found by
   * HostileSubscriptionCorpusIT). NaN and Infinity as words stay.
   */
  private static double floatValue(String text) {
    double value = Double.parseDouble(text);
    String trimmed = text.trim();
    boolean word = trimmed.endsWith("Infinity") || trimmed.equals("NaN");
    if (Double.isInfinite(value) && !word || value == 0 && new BigDecimal(trimmed).signum() != 0) {
      throw new IllegalArgumentException("out of a double's range");
    }
    return value;
  }

  /**
   * The column's type in the protocol's vocabulary: one word per branch of {@link #coerce}, which
   * binds its filter values; empty for a column {@code coerce} binds as text without being a text
   * column (JSON, intervals, ...): the notify sink infers those from row values.
   */
  static Optional<ColumnType> type(Catalog.Column column) {
    return Optional.ofNullable(
        switch (column.jdbcType()) {
          case Types.INTEGER, Types.SMALLINT, Types.TINYINT, Types.BIGINT -> ColumnType.INTEGER;
          case Types.NUMERIC, Types.DECIMAL -> ColumnType.DECIMAL;
          case Types.REAL, Types.FLOAT, Types.DOUBLE -> ColumnType.FLOAT;
          case Types.BOOLEAN, Types.BIT -> ColumnType.BOOLEAN;
          case Types.DATE -> ColumnType.DATE;
          case Types.TIMESTAMP -> ColumnType.TIMESTAMP;
          case Types.TIMESTAMP_WITH_TIMEZONE -> ColumnType.TIMESTAMPTZ;
          default ->
              isText(column)
                  ? ColumnType.TEXT
                  : "uuid".equalsIgnoreCase(column.typeName()) ? ColumnType.UUID : null;
        });
  }

  /** The types of every column of {@code entity} that has one ({@link #type}). */
  static Map<String, ColumnType> types(Catalog.Entity entity) {
    Map<String, ColumnType> types = new TreeMap<>();
    entity
        .columns()
        .values()
        .forEach(column -> type(column).ifPresent(type -> types.put(column.name(), type)));
    return types;
  }

  /**
   * A bound value ({@link #coerce}) as a subscription record holds it: numbers that a double holds
   * exactly (whole numbers, doubles) and booleans as they are, a decimal as the text of its exact
   * value (a JSON converter without schemas would turn it into a double), dates and times as ISO
   * text the way {@link #row} writes them.
   */
  static Object recorded(Object bound) {
    if (bound instanceof BigDecimal decimal) {
      return decimal.toString();
    }
    if (bound instanceof java.sql.Timestamp timestamp) {
      return timestamp.toLocalDateTime().toString();
    }
    if (bound instanceof java.sql.Date date) {
      return date.toLocalDate().toString();
    }
    if (bound instanceof OffsetDateTime time) {
      return time.toInstant().toString();
    }
    if (bound instanceof Long
        || bound instanceof Double
        || bound instanceof Boolean
        || bound instanceof String) {
      return bound;
    }
    return bound.toString();
  }

  private static Object unwrap(JsonNode node, Catalog.Column column) throws ProtocolException {
    if (node.isContainerNode()) {
      throw new ProtocolException(
          ErrorCode.INVALID_VALUE,
          "column '" + column.name() + "' takes a single value, " + "not an object or array");
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isNumber()) {
      return node.decimalValue();
    }
    return node.asText();
  }

  static boolean isText(Catalog.Column column) {
    return switch (column.jdbcType()) {
      case Types.CHAR,
          Types.VARCHAR,
          Types.LONGVARCHAR,
          Types.NCHAR,
          Types.NVARCHAR,
          Types.LONGNVARCHAR,
          Types.CLOB ->
          true;
      default -> "text".equalsIgnoreCase(column.typeName());
    };
  }

  static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
    statement.setObject(index, value);
  }

  static void bindAll(PreparedStatement statement, java.util.List<Object> values)
      throws SQLException {
    for (int i = 0; i < values.size(); i++) {
      bind(statement, i + 1, values.get(i));
    }
  }

  /** One result row as a JSON object, column names as the database reports them. */
  static ObjectNode row(ResultSet rows) throws SQLException {
    ResultSetMetaData meta = rows.getMetaData();
    ObjectNode node = NODES.objectNode();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      String name = meta.getColumnLabel(i);
      Object value = rows.getObject(i);
      if (value == null) {
        node.putNull(name);
      } else if (value instanceof Integer
          || value instanceof Long
          || value instanceof Short
          || value instanceof Byte) {
        node.put(name, ((Number) value).longValue());
      } else if (value instanceof BigDecimal decimal) {
        node.put(name, decimal);
      } else if (value instanceof java.math.BigInteger integer) {
        node.put(name, integer); // MariaDB's BIGINT UNSIGNED (SERIAL)
      } else if (value instanceof Double || value instanceof Float) {
        node.put(name, ((Number) value).doubleValue());
      } else if (value instanceof Boolean flag) {
        node.put(name, flag);
      } else if (value instanceof java.sql.Timestamp timestamp) {
        node.put(name, timestamp.toLocalDateTime().toString());
      } else if (value instanceof java.sql.Date date) {
        node.put(name, date.toLocalDate().toString());
      } else if (value instanceof OffsetDateTime time) {
        node.put(name, time.toInstant().toString());
      } else if (value instanceof byte[] bytes) {
        node.put(name, Base64.getEncoder().encodeToString(bytes));
      } else {
        node.put(name, value.toString());
      }
    }
    return node;
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
