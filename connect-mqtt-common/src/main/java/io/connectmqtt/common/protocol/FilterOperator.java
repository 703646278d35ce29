package io.connectmqtt.common.protocol;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

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
    return switch (this) {
      case ISNULL, NOTNULL -> quotedColumn + " " + sql;
      case BETWEEN -> quotedColumn + " BETWEEN ? AND ?";
      case IN, NIN -> quotedColumn + " " + sql + " (" + String.join(", ", java.util.Collections.nCopies(listSize, "?"))
          + ")";
      case ILIKE -> "LOWER(" + quotedColumn + ") LIKE LOWER(?)";
      default -> quotedColumn + " " + sql + " ?";
    };
  }

  /**
   * Whether a row's {@code actual} value satisfies the operator with the filter's value(s), as the SQL above would
   * decide (SQL NULL semantics: comparisons with null are false).
   */
  public boolean matches(Object actual, Object value) {
    return switch (this) {
      case ISNULL -> actual == null;
      case NOTNULL -> actual != null;
      case EQ -> actual != null && value != null && compare(actual, value) == 0;
      case NEQ -> actual != null && value != null && compare(actual, value) != 0;
      case GT -> actual != null && value != null && compare(actual, value) > 0;
      case GTE -> actual != null && value != null && compare(actual, value) >= 0;
      case LT -> actual != null && value != null && compare(actual, value) < 0;
      case LTE -> actual != null && value != null && compare(actual, value) <= 0;
      case LIKE -> actual != null && value != null && like(actual.toString(), value.toString(), false);
      case ILIKE -> actual != null && value != null && like(actual.toString(), value.toString(), true);
      case IN -> actual != null && ((List<?>) value).stream().anyMatch(v -> v != null && compare(actual, v) == 0);
      case NIN -> actual != null && ((List<?>) value).stream().noneMatch(v -> v == null || compare(actual, v) == 0);
      case BETWEEN -> {
        List<?> bounds = (List<?>) value;
        yield actual != null && compare(actual, bounds.get(0)) >= 0 && compare(actual, bounds.get(1)) <= 0;
      }
    };
  }

  /**
   * A key under which values that {@link #EQ} finds equal always coincide, for indexing equality filters: numbers
   * (and text that reads as a number) by their numeric value, other text as itself. Empty for values whose equality
   * is not that simple (null, booleans and "true"/"false" text, anything else): those are not indexed.
   */
  public static Optional<String> equalityKey(Object value) {
    BigDecimal number = number(value);
    if (number != null) {
      return Optional.of("n:" + number.stripTrailingZeros().toPlainString());
    }
    if (value instanceof String text && !text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
      return Optional.of("s:" + text);
    }
    return Optional.empty();
  }

  /** Numbers compare as numbers, booleans as booleans, everything else as text. */
  static int compare(Object actual, Object value) {
    BigDecimal a = number(actual);
    BigDecimal b = number(value);
    if (a != null && b != null) {
      return a.compareTo(b);
    }
    if (actual instanceof Boolean || value instanceof Boolean) {
      return Objects.equals(String.valueOf(actual).toLowerCase(Locale.ROOT),
          String.valueOf(value).toLowerCase(Locale.ROOT)) ? 0 : 1;
    }
    return actual.toString().compareTo(value.toString());
  }

  private static BigDecimal number(Object value) {
    if (value instanceof BigDecimal decimal) {
      return decimal;
    }
    if (value instanceof Number number) {
      return new BigDecimal(number.toString());
    }
    if (value instanceof String text) {
      try {
        return new BigDecimal(text.trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  /** SQL LIKE: '%' any run, '_' one character, everything else literal. */
  static boolean like(String text, String pattern, boolean ignoreCase) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      if (c == '%') {
        regex.append(".*");
      } else if (c == '_') {
        regex.append('.');
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    int flags = Pattern.DOTALL | (ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
    return Pattern.compile(regex.toString(), flags).matcher(text).matches();
  }
}
