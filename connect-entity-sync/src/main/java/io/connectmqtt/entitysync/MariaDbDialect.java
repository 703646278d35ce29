package io.connectmqtt.entitysync;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * MariaDB 10.5 or later (tested with Debian's 10.11). Backquoted identifiers; a "schema" is a
 * database, which JDBC metadata names as a catalog. The usual default collations ({@code
 * utf8mb4_general_ci}, {@code latin1_swedish_ci}) ignore case and trailing spaces, so every text
 * comparison entity sync makes is done in {@value #EXACT}: a tenant 'a' never matches rows of
 * tenant 'A', and 'a' never equals 'a ', as on PostgreSQL. The state tables are created in that
 * collation too, so client ids and request ids are told apart exactly.
 */
final class MariaDbDialect implements Dialect {

  /** Binary (case- and accent-sensitive) and NO PAD (trailing spaces count). */
  static final String EXACT = "utf8mb4_nopad_bin";

  @Override
  public String name() {
    return "MariaDB";
  }

  @Override
  public String quote(String identifier) {
    return '`' + identifier.replace("`", "``") + '`';
  }

  @Override
  public String textType() {
    return "MEDIUMTEXT";
  }

  @Override
  public String identityType() {
    return "BIGINT NOT NULL AUTO_INCREMENT";
  }

  /**
   * DATETIME, not TIMESTAMP: MariaDB's TIMESTAMP ends in 2038, follows the session time zone, and
   * before 10.10 a first TIMESTAMP NOT NULL column updates itself on every UPDATE.
   */
  @Override
  public String timestampType() {
    return "DATETIME(6)";
  }

  @Override
  public String tableOptions() {
    return " DEFAULT CHARSET=utf8mb4 COLLATE=" + EXACT;
  }

  /**
   * The collation goes on the parameter, not the column: it then wins over the column's own (latin1
   * columns are converted), and an index on the column is still used.
   */
  @Override
  public String parameter(Catalog.Column column) {
    return SqlValues.isText(column) ? "? COLLATE " + EXACT : "?";
  }

  /**
   * A decimal beyond DECIMAL(65,38) is rounded before it is compared ({@code = 1e-300} matches a
   * row's 0), so only values with at most 38 decimals and 65 digits in all compare as written.
   */
  @Override
  public boolean comparesExactly(java.math.BigDecimal value) {
    java.math.BigDecimal stripped =
        value.signum() == 0 ? java.math.BigDecimal.ZERO : value.stripTrailingZeros();
    long decimals = Math.max(stripped.scale(), 0);
    long integerDigits = Math.max((long) stripped.precision() - stripped.scale(), 0);
    return decimals <= 38 && integerDigits + decimals <= 65;
  }

  /**
   * MariaDB's driver writes a bound NaN or infinity as a bare word, which the server reads as a
   * column name.
   */
  @Override
  public boolean comparesNonFiniteFloats() {
    return false;
  }

  /** INSERT ... RETURNING (10.5+): the key itself, also when it is not an AUTO_INCREMENT column. */
  @Override
  public Optional<String> returningClause(String quotedKeyColumn) {
    return Optional.of(" RETURNING " + quotedKeyColumn);
  }

  /** max_statement_time is in seconds and covers every statement, lock waits included. */
  @Override
  public String statementTimeoutSql(long timeoutMillis) {
    return String.format(
        Locale.ROOT, "SET SESSION max_statement_time = %.3f", timeoutMillis / 1000.0);
  }

  /** MariaDB Connector/J's socketTimeout is in milliseconds. */
  @Override
  public Map<String, String> driverProperties(String jdbcUrl, long statementTimeoutMillis) {
    if (jdbcUrl.toLowerCase(Locale.ROOT).contains("sockettimeout=")) {
      return Map.of();
    }
    return Map.of("socketTimeout", Long.toString(statementTimeoutMillis + 15_000));
  }

  @Override
  public String serverProblem(DatabaseMetaData metadata) throws SQLException {
    String product = metadata.getDatabaseProductName();
    String version = metadata.getDatabaseProductVersion();
    if (product == null || !product.toLowerCase(Locale.ROOT).contains("mariadb")) {
      return "the server is "
          + product
          + " "
          + version
          + ", not MariaDB; entity sync supports MariaDB 10.5 or later "
          + "(MySQL is not supported)";
    }
    int major = metadata.getDatabaseMajorVersion();
    int minor = metadata.getDatabaseMinorVersion();
    if (major < 10 || major == 10 && minor < 5) {
      return "the server is MariaDB "
          + version
          + "; entity sync needs MariaDB 10.5 or later (INSERT ... RETURNING)";
    }
    return null;
  }

  @Override
  public boolean schemasAreCatalogs() {
    return true;
  }

  /**
   * MariaDB reports some errors with the generic state HY000: a NOT NULL column without a default
   * left out of an insert (1364, PostgreSQL's 23502) and a value of the wrong kind (1366), and the
   * statement time limit (1969, state 70100).
   */
  @Override
  public Failure classify(SQLException e) {
    return switch (e.getErrorCode()) {
      case 1969 -> Failure.TIMEOUT;
      case 1364 -> Failure.CONFLICT;
      case 1366 -> Failure.INVALID_VALUE;
      default -> "70100".equals(e.getSQLState()) ? Failure.TIMEOUT : Dialect.super.classify(e);
    };
  }
}
