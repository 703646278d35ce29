package io.connectmqtt.entitysync;

import java.util.Locale;

/** What differs between databases: identifier quoting and how an insert returns the new row. */
enum Dialect {
  POSTGRESQL('"'), H2('"'), MYSQL('`');

  private final char quote;

  Dialect(char quote) {
    this.quote = quote;
  }

  static Dialect forUrl(String jdbcUrl) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (url.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (url.startsWith("jdbc:mysql:") || url.startsWith("jdbc:mariadb:")) {
      return MYSQL;
    }
    throw new IllegalArgumentException("unsupported database URL; use jdbc:postgresql:, jdbc:h2:, jdbc:mysql: or "
        + "jdbc:mariadb:");
  }

  /** Quotes an identifier that came from JDBC metadata (never from a message). */
  String quote(String identifier) {
    String q = String.valueOf(quote);
    return q + identifier.replace(q, q + q) + q;
  }

  /** A column type for long text (stored replies and events). */
  String textType() {
    return this == MYSQL ? "MEDIUMTEXT" : "VARCHAR(1000000)";
  }

  String table(Catalog.Entity entity) {
    return quote(entity.schema()) + "." + quote(entity.table());
  }
}
