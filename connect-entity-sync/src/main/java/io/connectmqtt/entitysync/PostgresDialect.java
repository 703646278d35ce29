package io.connectmqtt.entitysync;

import java.util.Locale;
import java.util.Map;

/**
 * PostgreSQL: double-quoted identifiers, text compares exactly with the default (deterministic)
 * collations.
 */
final class PostgresDialect implements Dialect {

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public String statementTimeoutSql(long timeoutMillis) {
    return "SET statement_timeout = " + timeoutMillis;
  }

  /** pgJDBC's socketTimeout is in seconds. */
  @Override
  public Map<String, String> driverProperties(String jdbcUrl, long statementTimeoutMillis) {
    if (jdbcUrl.toLowerCase(Locale.ROOT).contains("sockettimeout=")) {
      return Map.of();
    }
    return Map.of("socketTimeout", Long.toString((statementTimeoutMillis + 999) / 1000 + 15));
  }
}
