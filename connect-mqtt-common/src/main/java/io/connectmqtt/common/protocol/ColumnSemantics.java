package io.connectmqtt.common.protocol;

import io.connectmqtt.common.protocol.SqlComparison.Key;
import io.connectmqtt.common.protocol.SqlComparison.Operand;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * How one column's values compare, as its database compares them: by the column's declared {@link ColumnType} when
 * the subscription record names it, else (older records) by each row value's JSON type ({@link SqlComparison}).
 *
 * <p>A typed column reads the filter value and the row value into one Java type first ({@code BigDecimal},
 * {@code Double}, {@code Boolean}, {@code LocalDate}, {@code LocalDateTime}, {@code Instant}, {@code UUID} or text),
 * the way entity sync binds the filter value for that column; a value that does not read as the type compares with
 * nothing (the database would have refused the filter; a row value of that kind cannot occur).
 */
final class ColumnSemantics {

  /** A typed filter value that does not read as its column's type: matches nothing. */
  private static final Object INCOMPARABLE = new Object();

  private final ColumnType type;
  private final Database database;

  ColumnSemantics(ColumnType type, Database database) {
    this.type = type;
    this.database = database == null ? Database.POSTGRESQL : database;
  }

  Database database() {
    return database;
  }

  /** A filter value prepared once for {@link #compare}; never null for a non-null value. */
  Object operand(Object value) {
    if (type == null) {
      return Operand.of(value);
    }
    Object normalized = normalize(value);
    return normalized == null ? INCOMPARABLE : normalized;
  }

  /** The filter value's text, as a LIKE pattern binds it. */
  String text(Object value) {
    return Operand.of(value).text();
  }

  /** The text LIKE tests, or null when the row value is no text (LIKE needs a text column). */
  String likeSubject(Object actual) {
    if (type == null || type == ColumnType.TEXT) {
      return actual instanceof String text ? text : null;
    }
    return null;
  }

  /** {@code actual} compared with a prepared operand, or null when they cannot be compared. */
  Integer compare(Object actual, Object operand) {
    if (actual == null || operand == null || operand == INCOMPARABLE) {
      return null;
    }
    if (type == null) {
      return SqlComparison.compare(actual, (Operand) operand, database);
    }
    Object row = normalize(actual);
    return row == null ? null : order(row, operand);
  }

  /** Keys under which an equal row value is found: a prepared operand's. */
  List<Key> keys(Object operand) {
    if (operand == INCOMPARABLE) {
      return List.of();
    }
    if (type == null) {
      return SqlComparison.filterKeys((Operand) operand);
    }
    return List.of(key(operand));
  }

  /** The key of a row value; null when it equals no filter value. */
  Key rowKey(Object actual) {
    if (actual == null) {
      return null;
    }
    if (type == null) {
      return SqlComparison.rowKey(actual);
    }
    Object row = normalize(actual);
    return row == null ? null : key(row);
  }

  private Key key(Object normalized) {
    return new Key(Character.forDigit(type.ordinal(), 36), normalized);
  }

  private int order(Object a, Object b) {
    return switch (type) {
      case TEXT -> database.compareText((String) a, (String) b);
      case FLOAT -> {
        double x = (Double) a;
        double y = (Double) b;
        // As PostgreSQL: NaN equals NaN and is above every number; -0 equals 0.
        if (Double.isNaN(x) || Double.isNaN(y)) {
          yield Double.isNaN(x) == Double.isNaN(y) ? 0 : Double.isNaN(x) ? 1 : -1;
        }
        yield x < y ? -1 : x > y ? 1 : 0;
      }
      case UUID -> {
        java.util.UUID x = (java.util.UUID) a;
        java.util.UUID y = (java.util.UUID) b;
        int high = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
        yield Integer.signum(high != 0 ? high : Long.compareUnsigned(x.getLeastSignificantBits(),
            y.getLeastSignificantBits()));
      }
      default -> {
        @SuppressWarnings("unchecked")
        Comparable<Object> comparable = (Comparable<Object>) a;
        yield Integer.signum(comparable.compareTo(b));
      }
    };
  }

  /**
   * {@code value} read as the column's type, with equal values equal ({@code equals}) and canonical; null when it
   * does not read as one. Filter values and row values read alike.
   */
  private Object normalize(Object value) {
    try {
      return switch (type) {
        case TEXT -> value instanceof String text ? text : Operand.of(value).text();
        case INTEGER, DECIMAL -> {
          // A numeric column's NaN or Infinity (a double in JSON) reads as no decimal: it equals no filter value.
          BigDecimal number = value instanceof Number n ? SqlComparison.decimal(n)
              : value instanceof String text ? SqlComparison.parseNumber(text) : null;
          yield number == null ? null : SqlComparison.canonical(number);
        }
        case FLOAT -> {
          // A change event carries NaN and Infinity as text ("NaN"), which Double.parseDouble reads.
          Double d = value instanceof Number n ? Double.valueOf(n.doubleValue())
              : value instanceof String text ? Double.valueOf(Double.parseDouble(text.trim())) : null;
          yield d == null ? null : d == 0.0 ? Double.valueOf(0.0) : d;
        }
        case BOOLEAN -> value instanceof Boolean flag ? flag
            : value instanceof String text && text.equalsIgnoreCase("true") ? Boolean.TRUE
            : value instanceof String text && text.equalsIgnoreCase("false") ? Boolean.FALSE : null;
        case DATE -> value instanceof String text ? LocalDate.parse(text) : null;
        case TIMESTAMP -> value instanceof String text ? localDateTime(text) : null;
        case TIMESTAMPTZ -> value instanceof String text ? OffsetDateTime.parse(text).toInstant() : null;
        case UUID -> value instanceof String text ? java.util.UUID.fromString(text) : null;
      };
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** As entity sync binds a timestamp: an offset ({@code Z}, {@code +02:00}) is dropped, the local time kept. */
  private static LocalDateTime localDateTime(String text) {
    return text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$") ? OffsetDateTime.parse(text).toLocalDateTime()
        : LocalDateTime.parse(text);
  }
}
