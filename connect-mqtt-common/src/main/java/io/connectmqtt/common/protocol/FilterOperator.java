package io.connectmqtt.common.protocol;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The filter operators of the protocol, with both of their meanings in one place: the SQL the
 * request processor runs and the in-memory test the notification matcher applies to changed rows,
 * so the two never disagree.
 */
public enum FilterOperator {
  EQ("=", Arity.ONE),
  NEQ("<>", Arity.ONE),
  GT(">", Arity.ONE),
  GTE(">=", Arity.ONE),
  LT("<", Arity.ONE),
  LTE("<=", Arity.ONE),
  LIKE("LIKE", Arity.ONE),
  ILIKE("ILIKE", Arity.ONE),
  IN("IN", Arity.LIST),
  NIN("NOT IN", Arity.LIST),
  ISNULL("IS NULL", Arity.NONE),
  NOTNULL("IS NOT NULL", Arity.NONE),
  BETWEEN("BETWEEN", Arity.TWO);

  /** How many values the operator takes. */
  public enum Arity {
    NONE,
    ONE,
    TWO,
    LIST
  }

  private final String sql;
  private final Arity arity;

  FilterOperator(String sql, Arity arity) {
    this.sql = sql;
    this.arity = arity;
  }

  public Arity arity() {
    return arity;
  }

  public static Optional<FilterOperator> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String normalized = name.toUpperCase(Locale.ROOT);
    for (FilterOperator operator : values()) {
      if (operator.name().equals(normalized)) {
        return Optional.of(operator);
      }
    }
    return Optional.empty();
  }

  /**
   * The SQL condition for an already quoted column, with '?' for each bound value. ILIKE is written
   * portably as LOWER(column) LIKE LOWER(?).
   */
  public String sql(String quotedColumn, int listSize) {
    return sql(quotedColumn, listSize, "?");
  }

  /**
   * {@link #sql(String, int)} with {@code parameter} for each bound value: "?", or a dialect's form
   * of it (MariaDB compares text in an exact collation with "? COLLATE utf8mb4_nopad_bin").
   */
  public String sql(String quotedColumn, int listSize, String parameter) {
    String p = parameter;
    return switch (this) {
      case ISNULL, NOTNULL -> quotedColumn + " " + sql;
      case BETWEEN -> quotedColumn + " BETWEEN " + p + " AND " + p;
      case IN, NIN ->
          quotedColumn
              + " "
              + sql
              + " ("
              + String.join(", ", java.util.Collections.nCopies(listSize, p))
              + ")";
      case ILIKE -> "LOWER(" + quotedColumn + ") LIKE LOWER(" + p + ")";
      default -> quotedColumn + " " + sql + " " + p;
    };
  }

  /**
   * Whether a row's {@code actual} value satisfies the operator with the filter's value(s), as the
   * SQL above would decide (SQL NULL semantics: comparisons with null are false). Compiles the
   * value each time: to test many rows, {@link #compile} once.
   */
  public boolean matches(Object actual, Object value) {
    return compile(value).test(actual);
  }

  /**
   * The test of a row value against the filter's value(s), with the value parsed (numbers,
   * booleans) and a LIKE pattern compiled once, the column's type inferred from each row value's
   * JSON type and text compared as PostgreSQL compares it. An {@link IllegalArgumentException} for
   * a LIKE pattern the databases refuse.
   */
  public Predicate<Object> compile(Object value) {
    return compile(value, null, null);
  }

  /**
   * The test of a row value against the filter's value(s) for a column of {@code type} (null:
   * inferred from each row value's JSON type, as for subscription records that do not name it) in
   * {@code database} (null: PostgreSQL). How values compare is {@link ColumnSemantics}'. An {@link
   * IllegalArgumentException} for a LIKE pattern the databases refuse.
   */
  public Predicate<Object> compile(Object value, ColumnType type, Database database) {
    ColumnSemantics column = new ColumnSemantics(type, database);
    return switch (this) {
      case ISNULL -> actual -> actual == null;
      case NOTNULL -> actual -> actual != null;
      case EQ, NEQ, GT, GTE, LT, LTE -> {
        if (value == null) {
          yield actual -> false;
        }
        Object operand = column.operand(value);
        yield actual -> {
          Integer order = column.compare(actual, operand);
          return order != null && holds(order);
        };
      }
      case LIKE, ILIKE -> {
        if (value == null) {
          yield actual -> false;
        }
        LikePattern pattern =
            LikePattern.compile(column.text(value), this == ILIKE, column.database());
        // PostgreSQL has no LIKE for numbers or booleans (the query fails), so only text can match.
        yield actual -> {
          String text = column.likeSubject(actual);
          return text != null && pattern.matches(text);
        };
      }
      case IN, NIN -> {
        List<Object> operands =
            ((List<?>) value).stream().map(v -> v == null ? null : column.operand(v)).toList();
        boolean in = this == IN;
        yield actual -> {
          if (actual == null) {
            return false;
          }
          // NOT IN is true only when every comparison is a definite "different" (NULL or
          // incomparable: not true).
          for (Object operand : operands) {
            Integer order = column.compare(actual, operand);
            if (in && order != null && order == 0) {
              return true;
            }
            if (!in && (order == null || order == 0)) {
              return false;
            }
          }
          return !in;
        };
      }
      case BETWEEN -> {
        List<?> bounds = (List<?>) value;
        Object low = bounds.get(0) == null ? null : column.operand(bounds.get(0));
        Object high = bounds.get(1) == null ? null : column.operand(bounds.get(1));
        yield actual -> {
          Integer fromLow = column.compare(actual, low);
          Integer toHigh = column.compare(actual, high);
          return fromLow != null && toHigh != null && fromLow >= 0 && toHigh <= 0;
        };
      }
    };
  }

  private boolean holds(int order) {
    return switch (this) {
      case EQ -> order == 0;
      case NEQ -> order != 0;
      case GT -> order > 0;
      case GTE -> order >= 0;
      case LT -> order < 0;
      case LTE -> order <= 0;
      default -> throw new IllegalStateException(name() + " is not a comparison");
    };
  }

  /**
   * The keys under which {@link #EQ} can find a row value equal to {@code value}: one per form the
   * value takes (its text, and its number and boolean when it reads as one). A row value equal to
   * it always has one of these as its {@link #rowEqualityKey}. Every key is about the size of the
   * value, whatever exponent a number has.
   */
  public static List<Object> equalityKeys(Object value) {
    return equalityKeys(value, null, null);
  }

  /**
   * {@link #equalityKeys(Object)} for a column of {@code type} (null: inferred) in {@code
   * database}.
   */
  public static List<Object> equalityKeys(Object value, ColumnType type, Database database) {
    if (value == null) {
      return List.of();
    }
    ColumnSemantics column = new ColumnSemantics(type, database);
    return List.copyOf(column.keys(column.operand(value)));
  }

  /**
   * The key of a row value for {@link #equalityKeys}; empty for null and values that equal no
   * filter value.
   */
  public static Optional<Object> rowEqualityKey(Object actual) {
    return rowEqualityKey(actual, null, null);
  }

  /**
   * {@link #rowEqualityKey(Object)} for a column of {@code type} (null: inferred) in {@code
   * database}.
   */
  public static Optional<Object> rowEqualityKey(Object actual, ColumnType type, Database database) {
    return Optional.ofNullable(new ColumnSemantics(type, database).rowKey(actual));
  }
}
