package io.connectmqtt.entitysync;

/**
 * H2 (tests and development): double-quoted identifiers, case-sensitive text unless the URL says
 * IGNORECASE.
 */
final class H2Dialect implements Dialect {

  @Override
  public String name() {
    return "H2";
  }

  /**
   * QUERY_TIMEOUT for running statements, LOCK_TIMEOUT for waiting on another transaction's row
   * lock.
   */
  @Override
  public String statementTimeoutSql(long timeoutMillis) {
    return "SET QUERY_TIMEOUT " + timeoutMillis + "; SET LOCK_TIMEOUT " + timeoutMillis;
  }
}
