package io.connectmqtt.common.protocol;

import io.connectmqtt.common.protocol.SqlComparison.Operand;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The filter operators of the protocol, with both of their meanings in one place: the SQL the request processor
 * runs and the in-memory test the notification matcher applies to changed rows, so the two never disagree.
 */
public enum FilterOperator {
  EQ("=", Arity.ONE), NEQ("<>", Arity.ONE), GT(">", Arity.ONE), GTE(">=", Arity.ONE), LT("<", Arity.ONE),
  LTE("<=", Arity.ONE), LIKE("LIKE", Arity.ONE), ILIKE("ILIKE", Arity.ONE), IN("IN", Arity.LIST),
  NIN("NOT IN", Arity.LIST), ISNULL("IS NULL", Arity.NONE), NOTNULL("IS NOT NULL", Arity.NONE),
  BETWEEN("BETWEEN", Arity.TWO);

  /** How many values the operator takes. */
  public enum Arity { NONE, ONE, TWO, LIST }

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
   * The SQL condition for an already quoted column, with '?' for each bound value. ILIKE is written portably as
   * LOWER(column) LIKE LOWER(?).
   */
  public String sql(String quotedColumn, int listSize) {
    return sql(quotedColumn, listSize, "?");
  }

  /**
   * {@link #sql(String, int)} with {@code parameter} for each bound value: "?", or a dialect's form of it (MariaDB
   * compares text in an exact collation with "? COLLATE utf8mb4_nopad_bin").
   */
  public String sql(String quotedColumn, int listSize, String parameter) {
    String p = parameter;
    return switch (this) {
      case ISNULL, NOTNULL -> quotedColumn + " " + sql;
      case BETWEEN -> quotedColumn + " BETWEEN " + p + " AND " + p;
      case IN, NIN -> quotedColumn + " " + sql + " (" + String.join(", ", java.util.Collections.nCopies(listSize, p))
          + ")";
      case ILIKE -> "LOWER(" + quotedColumn + ") LIKE LOWER(" + p + ")";
      default -> quotedColumn + " " + sql + " " + p;
    };
  }

  /**
   * Whether a row's {@code actual} value satisfies the operator with the filter's value(s), as the SQL above would
   * decide (SQL NULL semantics: comparisons with null are false). Compiles the value each time: to test many rows,
   * {@link #compile} once.
   */
  public boolean matches(Object actual, Object value) {
    return compile(value).test(actual);
  }

  /**
   * The test of a row value against the filter's value(s), with the value parsed (numbers, booleans) and a LIKE
   * pattern compiled once. How values compare is {@link SqlComparison}'s: by the row value's type, which stands for
   * its column's. An {@link IllegalArgumentException} for a LIKE pattern the databases refuse.
   */
  public Predicate<Object> compile(Object value) {
    return switch (this) {
      case ISNULL -> actual -> actual == null;
      case NOTNULL -> actual -> actual != null;
      case EQ, NEQ, GT, GTE, LT, LTE -> {
        if (value == null) {
          yield actual -> false;
        }
        Operand operand = Operand.of(value);
        yield actual -> {
          Integer order = actual == null ? null : SqlComparison.compare(actual, operand);
          return order != null && holds(order);
        };
      }
      case LIKE, ILIKE -> {
        if (value == null) {
          yield actual -> false;
        }
        LikePattern pattern = LikePattern.compile(Operand.of(value).text(), this == ILIKE);
        // PostgreSQL has no LIKE for numbers or booleans (the query fails), so only text can match.
        yield actual -> actual instanceof String text && pattern.matches(text);
      }
      case IN, NIN -> {
        List<Operand> operands = ((List<?>) value).stream().map(v -> v == null ? null : Operand.of(v)).toList();
        boolean in = this == IN;
        yield actual -> {
          if (actual == null) {
            return false;
          }
          // NOT IN is true only when every comparison is a definite "different" (NULL or incomparable: not true).
          for (Operand operand : operands) {
            Integer order = operand == null ? null : SqlComparison.compare(actual, operand);
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
        Operand low = bounds.get(0) == null ? null : Operand.of(bounds.get(0));
        Operand high = bounds.get(1) == null ? null : Operand.of(bounds.get(1));
        yield actual -> {
          if (actual == null || low == null || high == null) {
            return false;
          }
          Integer fromLow = SqlComparison.compare(actual, low);
          Integer toHigh = SqlComparison.compare(actual, high);
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
   * The keys under which {@link #EQ} can find a row value equal to {@code value}: one per form the value takes (its
   * text, and its number and boolean when it reads as one). A row value equal to it always has one of these as its
   * {@link #rowEqualityKey}. Every key is about the size of the value, whatever exponent a number has.
   */
  public static List<Object> equalityKeys(Object value) {
    return value == null ? List.of() : List.copyOf(SqlComparison.filterKeys(Operand.of(value)));
  }

  /** The key of a row value for {@link #equalityKeys}; empty for null and values that equal no filter value. */
  public static Optional<Object> rowEqualityKey(Object actual) {
    return Optional.ofNullable(actual == null ? null : SqlComparison.rowKey(actual));
  }
}
