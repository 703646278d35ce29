package io.connectmqtt.common.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * How a row value compares with a filter value, as SQL compares them. The row value's own type
 * stands for its column's type, because that is all a change event says about columns: entity sync
 * writes numeric columns as JSON numbers, booleans as JSON booleans and everything else (text,
 * dates, timestamps, UUIDs) as JSON strings. So a number compares numerically with the filter value
 * read as a number ({@code int_column = '007'} is {@code int_column = 7}), a string compares as
 * text with the filter value's text ({@code text_column = '007'} is not {@code '7'}), and a boolean
 * as a boolean.
 *
 * <p>Numbers are {@link BigDecimal}s compared with {@code compareTo} and keyed by {@code
 * stripTrailingZeros()}: never {@code toPlainString()}, which writes out an exponent such as {@code
 * 1e999999999} digit by digit.
 */
final class SqlComparison {

  /** Longer text is not read as a number (Jackson's default limit on a JSON number's length). */
  static final int MAX_NUMBER_LENGTH = 1_000;

  private SqlComparison() {}

  /** A filter value read once in every form a row value may need; null forms do not apply. */
  record Operand(BigDecimal number, String text, Boolean bool) {

    static Operand of(Object value) {
      if (value instanceof Boolean flag) {
        return new Operand(null, flag.toString(), flag);
      }
      if (value instanceof Number number) {
        // The text a text column is compared with: what entity sync binds (the value's toString()).
        return new Operand(decimal(number), number.toString(), null);
      }
      String text = value.toString();
      Boolean bool =
          text.equalsIgnoreCase("true")
              ? Boolean.TRUE
              : text.equalsIgnoreCase("false") ? Boolean.FALSE : null;
      return new Operand(parseNumber(text), text, bool);
    }
  }

  /**
   * {@code actual} compared with the operand: negative, zero or positive, or null when the two
   * cannot be compared (a numeric column against text that is no number, a boolean against anything
   * but a boolean): SQL would have refused such a filter, so no row matches it. Text in
   * PostgreSQL's order.
   */
  static Integer compare(Object actual, Operand operand) {
    return compare(actual, operand, Database.POSTGRESQL);
  }

  static Integer compare(Object actual, Operand operand, Database database) {
    if (actual instanceof String text) {
      return database.compareText(text, operand.text());
    }
    if (actual instanceof Boolean flag) {
      return operand.bool() == null ? null : Boolean.compare(flag, operand.bool());
    }
    if (actual instanceof Number number) {
      if (operand.number() == null) {
        return null;
      }
      BigDecimal decimal = decimal(number);
      if (decimal == null) {
        // Infinity and NaN of a float column: PostgreSQL orders NaN above every number.
        double d = number.doubleValue();
        return d == Double.NEGATIVE_INFINITY ? -1 : 1;
      }
      return decimal.compareTo(operand.number());
    }
    return database.compareText(actual.toString(), operand.text());
  }

  /**
   * A key that two values share whenever {@code =} holds between them: row values give one ({@link
   * #rowKey}), filter values one per form ({@link #filterKeys}).
   */
  record Key(char kind, Object value) {}

  static Key rowKey(Object actual) {
    if (actual instanceof String text) {
      return new Key('s', text);
    }
    if (actual instanceof Boolean flag) {
      return new Key('b', flag);
    }
    if (actual instanceof Number number) {
      BigDecimal decimal = decimal(number);
      return decimal == null ? null : new Key('n', canonical(decimal));
    }
    return new Key('s', actual.toString());
  }

  static List<Key> filterKeys(Operand operand) {
    List<Key> keys = new ArrayList<>(3);
    keys.add(new Key('s', operand.text()));
    if (operand.number() != null) {
      keys.add(new Key('n', canonical(operand.number())));
    }
    if (operand.bool() != null) {
      keys.add(new Key('b', operand.bool()));
    }
    return keys;
  }

  /**
   * Equal numbers, equal keys: 7, 7.0 and 7.00 all become 7 (unscaled 7, scale 0); cheap for any
   * exponent.
   */
  static BigDecimal canonical(BigDecimal number) {
    return number.signum() == 0 ? BigDecimal.ZERO : number.stripTrailingZeros();
  }

  /** A finite number as a BigDecimal; null for infinities and NaN. */
  static BigDecimal decimal(Number number) {
    if (number instanceof BigDecimal decimal) {
      return decimal;
    }
    if (number instanceof Long
        || number instanceof Integer
        || number instanceof Short
        || number instanceof Byte) {
      return BigDecimal.valueOf(number.longValue());
    }
    if (number instanceof BigInteger integer) {
      return new BigDecimal(integer);
    }
    double d = number.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      return null;
    }
    // The shortest decimal that reads back as the double, as the JSON carried it (0.1, not
    // 0.1000000000000000055...).
    return number instanceof Float f ? new BigDecimal(Float.toString(f)) : BigDecimal.valueOf(d);
  }

  /**
   * Text read as a number the way a database reads a string literal for a numeric column: optional
   * surrounding spaces, ASCII digits, sign, point and exponent. Null for anything else, or for text
   * too long to be a number.
   */
  static BigDecimal parseNumber(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty() || trimmed.length() > MAX_NUMBER_LENGTH) {
      return null;
    }
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (!(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') {
        return null;
      }
    }
    try {
      return new BigDecimal(trimmed);
    } catch (NumberFormatException e) {
      // Not a number, or an exponent beyond what a BigDecimal's scale holds.
      return null;
    }
  }
}
