package io.connectmqtt.entitysync;

/** H2 (tests and development): double-quoted identifiers, case-sensitive text unless the URL says IGNORECASE. */
final class H2Dialect implements Dialect {

  @Override
  public String name() {
    return "H2";
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
