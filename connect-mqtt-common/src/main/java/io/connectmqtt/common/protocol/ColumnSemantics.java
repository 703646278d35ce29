package io.connectmqtt.common.protocol;

import io.connectmqtt.common.protocol.SqlComparison.Key;
import io.connectmqtt.common.protocol.SqlComparison.Operand;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * How one column's values compare, as its database compares them: by the column's declared {@link
 * ColumnType} when the subscription record names it, else (older records) by each row value's JSON
 * type ({@link SqlComparison}).
 *
 * <p>A typed column reads the filter value and the row value into one Java type first ({@code
 * BigDecimal}, {@code Double}, {@code Boolean}, {@code LocalDate}, {@code LocalDateTime}, {@code
 * Instant}, {@code UUID} or text), the way entity sync binds the filter value for that column; a
 * value that does not read as the type compares with nothing (the database would have refused the
 * filter; a row value of that kind cannot occur).
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
      case UUID ->
          database == Database.MARIADB
              ? Integer.signum(
                  java.util.Arrays.compareUnsigned(
                      mariaDbOrder((java.util.UUID) a), mariaDbOrder((java.util.UUID) b)))
              : uuidOrder((java.util.UUID) a, (java.util.UUID) b);
      default -> {
        @SuppressWarnings("unchecked")
        Comparable<Object> comparable = (Comparable<Object>) a;
        yield Integer.signum(comparable.compareTo(b));
      }
    };
  }

  /** As PostgreSQL and H2 order UUIDs: their 16 bytes, unsigned. */
  private static int uuidOrder(java.util.UUID x, java.util.UUID y) {
    int high = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
    return Integer.signum(
        high != 0
            ? high
            : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits()));
  }

  /**
   * The bytes MariaDB (10.10 and later) orders a UUID by: an RFC 4122 UUID of version 1 to 5
   * ({@code llllllll-mmmm-Vhhh-vsss-nnnnnnnnnnnn}, V from 1 to 5, the variant's high bit set) is
   * stored and compared with its groups in reverse order ({@code
   * nnnnnnnnnnnn-vsss-Vhhh-mmmm-llllllll}), any other UUID as it is; then byte by byte, unsigned
   * (found by FilterAgreementPropertyIT: a0eebc99-...-6bb9bd380a11 sorts before 7fffffff-...).
   */
  private static byte[] mariaDbOrder(java.util.UUID uuid) {
    byte[] bytes =
        java.nio.ByteBuffer.allocate(16)
            .putLong(uuid.getMostSignificantBits())
            .putLong(uuid.getLeastSignificantBits())
            .array();
    if (!(bytes[6] > 0 && bytes[6] < 0x60 && (bytes[8] & 0x80) != 0)) {
      return bytes;
    }
    byte[] swapped = new byte[16];
    System.arraycopy(bytes, 10, swapped, 0, 6);
    System.arraycopy(bytes, 8, swapped, 6, 2);
    System.arraycopy(bytes, 6, swapped, 8, 2);
    System.arraycopy(bytes, 4, swapped, 10, 2);
    System.arraycopy(bytes, 0, swapped, 12, 4);
    return swapped;
  }

  /**
   * {@code value} read as the column's type, with equal values equal ({@code equals}) and
   * canonical; null when it does not read as one. Filter values and row values read alike.
   */
  private Object normalize(Object value) {
    try {
      return switch (type) {
        case TEXT -> value instanceof String text ? text : Operand.of(value).text();
        case INTEGER, DECIMAL -> {
          // A numeric column's NaN or Infinity (a double in JSON) reads as no decimal: it equals no
          // filter value.
          BigDecimal number =
              value instanceof Number n
                  ? SqlComparison.decimal(n)
                  : value instanceof String text ? SqlComparison.parseNumber(text) : null;
          yield number == null ? null : SqlComparison.canonical(number);
        }
        case FLOAT -> {
          // A change event carries NaN and Infinity as text ("NaN"), which Double.parseDouble
          // reads.
          Double d =
              value instanceof Number n
                  ? Double.valueOf(n.doubleValue())
                  : value instanceof String text
                      ? Double.valueOf(Double.parseDouble(text.trim()))
                      : null;
          yield d == null ? null : d == 0.0 ? Double.valueOf(0.0) : d;
        }
        case BOOLEAN ->
            value instanceof Boolean flag
                ? flag
                : value instanceof String text && text.equalsIgnoreCase("true")
                    ? Boolean.TRUE
                    : value instanceof String text && text.equalsIgnoreCase("false")
                        ? Boolean.FALSE
                        : null;
        case DATE -> value instanceof String text ? LocalDate.parse(text) : null;
        case TIMESTAMP -> value instanceof String text ? localDateTime(text) : null;
        case TIMESTAMPTZ ->
            value instanceof String text ? OffsetDateTime.parse(text).toInstant() : null;
        case UUID -> value instanceof String text ? java.util.UUID.fromString(text) : null;
      };
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * As entity sync binds a timestamp: an offset ({@code Z}, {@code +02:00}) is dropped, the local
   * time kept.
   */
  private static LocalDateTime localDateTime(String text) {
    return text.endsWith("Z") || text.matches(".*[+-]\\d\\d:\\d\\d$")
        ? OffsetDateTime.parse(text).toLocalDateTime()
        : LocalDateTime.parse(text);
  }
}
