package io.connectmqtt.entitysync;

/** PostgreSQL: double-quoted identifiers, text compares exactly with the default (deterministic) collations. */
final class PostgresDialect implements Dialect {

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String textType() {
    return "VARCHAR(1000000)";
  }
}
