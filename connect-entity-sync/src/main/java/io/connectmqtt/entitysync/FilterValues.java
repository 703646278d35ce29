package io.connectmqtt.entitysync;

import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.common.protocol.ProtocolException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * What a filter may hold, and its values as bound parameters: the one definition for reads and
 * subscriptions. A subscription's values outlive the request (the notify sink compares them with
 * every change), so every value is bounded here, at the door: text at most {@value #MAX_TEXT_CHARS}
 * characters; a number, or text that reads as one for a column that is not text, at most {@value
 * #MAX_DIGITS} digits with a decimal exponent from -{@value #MAX_EXPONENT} to {@value
 * #MAX_EXPONENT} (written out, at most a few thousand characters); LIKE and ILIKE only on text
 * columns; every other value of the column's type. (IN lists are capped at 1000 values by {@link
 * Filter#parseAll}.)
 */
final class FilterValues {

  static final int MAX_TEXT_CHARS = 1_000;
  static final int MAX_DIGITS = 1_000;
  static final int MAX_EXPONENT = 1_000;

  private FilterValues() {}

  /**
   * The parameters {@code filter} on {@code column} binds: none (isnull, notnull), one, or one per
   * list value.
   */
  static List<Object> parameters(Catalog.Column column, Filter filter) throws ProtocolException {
    return parameters(Dialect.POSTGRESQL, column, filter);
  }

  /** {@link #parameters(Catalog.Column, Filter)} for the values {@code dialect} can compare. */
  static List<Object> parameters(Dialect dialect, Catalog.Column column, Filter filter)
      throws ProtocolException {
    boolean pattern =
        filter.operator() == FilterOperator.LIKE || filter.operator() == FilterOperator.ILIKE;
    if (pattern && !SqlValues.isText(column)) {
      throw new ProtocolException(
          ErrorCode.INVALID_FILTER,
          filter.operator().name().toLowerCase()
              + " needs a text column; '"
              + column.name()
              + "' is "
              + column.typeName().toLowerCase());
    }
    List<Object> parameters = new ArrayList<>();
    if (filter.value() instanceof List<?> list) {
      for (Object value : list) {
        parameters.add(
            comparable(dialect, column, SqlValues.coerce(column, bounded(column, value))));
      }
    } else if (filter.value() != null) {
      Object value = bounded(column, filter.value());
      parameters.add(
          pattern
              ? value.toString()
              : comparable(dialect, column, SqlValues.coerce(column, value)));
    }
    return parameters;
  }

  /**
   * A time value with at most microseconds, else invalid_value: PostgreSQL rounds a bound value's
   * nanoseconds to its columns' microseconds ({@code 10:00:00.1234564} equals a row's {@code
   * 10:00:00.123456}), H2 does not, and the notify sink could mean only one of the two (found by
   * FilterAgreementPropertyIT).
   */
  private static Object comparable(Dialect dialect, Catalog.Column column, Object bound)
      throws ProtocolException {
    if (bound instanceof Double d && !Double.isFinite(d) && !dialect.comparesNonFiniteFloats()) {
      throw new ProtocolException(
          ErrorCode.INVALID_VALUE,
          "a filter value for column '"
              + column.name()
              + "' is "
              + d
              + ", which "
              + dialect.name()
              + " cannot compare");
    }
    if (bound instanceof BigDecimal decimal && !dialect.comparesExactly(decimal)) {
      throw new ProtocolException(
          ErrorCode.INVALID_VALUE,
          "a filter value for column '"
              + column.name()
              + "' has "
              + "more digits than "
              + dialect.name()
              + " compares exactly");
    }
    return withinMicroseconds(column, bound);
  }

  private static Object withinMicroseconds(Catalog.Column column, Object bound)
      throws ProtocolException {
    int nanos =
        bound instanceof java.sql.Timestamp timestamp
            ? timestamp.getNanos()
            : bound instanceof java.time.OffsetDateTime time ? time.getNano() : 0;
    if (nanos % 1_000 != 0) {
      throw new ProtocolException(
          ErrorCode.INVALID_VALUE,
          "a filter value for column '"
              + column.name()
              + "' has more than 6 fractional digits of a second; at most microseconds are allowed");
    }
    return bound;
  }

  /**
   * {@code filter} as a subscription record holds it (checked exactly as {@link #parameters} checks
   * it for a read): each value as the database binds it for {@code column}, written so that JSON
   * without exact decimals keeps it (see {@link SqlValues#recorded}); the notify sink reads it with
   * the column's type.
   */
  static Filter recorded(Catalog.Column column, Filter filter) throws ProtocolException {
    return recorded(Dialect.POSTGRESQL, column, filter);
  }

  /** {@link #recorded(Catalog.Column, Filter)} for the values {@code dialect} can compare. */
  static Filter recorded(Dialect dialect, Catalog.Column column, Filter filter)
      throws ProtocolException {
    List<Object> parameters = parameters(dialect, column, filter);
    Object value =
        switch (filter.operator().arity()) {
          case NONE -> null;
          case ONE -> SqlValues.recorded(parameters.get(0));
          case TWO, LIST -> parameters.stream().map(SqlValues::recorded).toList();
        };
    return new Filter(column.name(), filter.operator(), value, filter.or());
  }

  /** {@code value} when it is within the bounds, else invalid_value. */
  static Object bounded(Catalog.Column column, Object value) throws ProtocolException {
    BigDecimal number = null;
    if (value instanceof String text) {
      if (text.length() > MAX_TEXT_CHARS) {
        throw new ProtocolException(
            ErrorCode.INVALID_VALUE,
            "a filter value for column '"
                + column.name()
                + "' has "
                + text.length()
                + " characters; at most "
                + MAX_TEXT_CHARS
                + " are allowed");
      }
      // On a text column text is compared as text (by SQL and by the notify sink alike), whatever
      // it looks like.
      number = SqlValues.isText(column) ? null : number(text.trim());
    } else if (value instanceof BigDecimal decimal) {
      number = decimal;
    }
    if (number != null) {
      long exponent = (long) number.precision() - number.scale() - 1;
      if (number.precision() > MAX_DIGITS || Math.abs(exponent) > MAX_EXPONENT) {
        throw new ProtocolException(
            ErrorCode.INVALID_VALUE,
            "a filter value for column '"
                + column.name()
                + "' is a number of more than "
                + MAX_DIGITS
                + " digits or outside 1e-"
                + MAX_EXPONENT
                + " to 1e"
                + MAX_EXPONENT);
      }
    }
    return value;
  }

  private static BigDecimal number(String text) {
    if (text.isEmpty()
        || !(Character.isDigit(text.charAt(0)) || "+-.".indexOf(text.charAt(0)) >= 0)) {
      return null;
    }
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
