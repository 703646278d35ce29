package io.connectmqtt.common.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * A column's SQL type as the subscription record and the change event name it: a small, stable
 * vocabulary, one word per way entity sync binds a filter value (SqlValues.coerce), so the notify
 * sink compares as the database does. A column of any other type is not named; the matcher then
 * infers its type from each row value's JSON type.
 */
public enum ColumnType {
  /** CHAR, VARCHAR, TEXT, CLOB and their national forms: text in the database's order. */
  TEXT,
  /** SMALLINT, INTEGER, BIGINT: whole numbers. */
  INTEGER,
  /** NUMERIC, DECIMAL: exact decimals. */
  DECIMAL,
  /**
   * REAL, FLOAT, DOUBLE PRECISION: binary floating point, compared as doubles (NaN above every
   * number).
   */
  FLOAT,
  /** BOOLEAN (PostgreSQL reports it as BIT): false before true. */
  BOOLEAN,
  /** DATE: ISO {@code yyyy-mm-dd}. */
  DATE,
  /**
   * TIMESTAMP (without time zone): ISO local date-time; a filter value's offset is dropped, as
   * entity sync binds it.
   */
  TIMESTAMP,
  /** TIMESTAMP WITH TIME ZONE as JDBC reports it (H2): instants. */
  TIMESTAMPTZ,
  /** UUID: compared as its 128 bits, unsigned. */
  UUID;

  /** The word on the wire: {@code text}, {@code integer}, ... */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The type a wire word names; empty for any other word (a newer writer's type: the matcher infers
   * instead).
   */
  public static Optional<ColumnType> parse(String word) {
    if (word == null) {
      return Optional.empty();
    }
    for (ColumnType type : values()) {
      if (type.wire().equals(word)) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }
}
