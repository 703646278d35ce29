package io.connectmqtt.entitysync;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything in entity sync's SQL that differs between the supported databases (PostgreSQL, H2, MariaDB): identifier
 * quoting, the types and options of the state tables, how an insert returns its key, how a text value is compared,
 * the statement timeout, how metadata names a schema, and what an error means. All other SQL is the same on all
 * of them and is written where it is used; identifiers only ever come from JDBC metadata or configuration.
 */
interface Dialect {

  Dialect POSTGRESQL = new PostgresDialect();
  Dialect H2 = new H2Dialect();
  Dialect MARIADB = new MariaDbDialect();

  /** What a database error means for the client. */
  enum Failure { CONFLICT, INVALID_VALUE, UNAVAILABLE, TIMEOUT, OTHER }

  /** The dialect of a JDBC URL; an {@link IllegalArgumentException} that says what to use for anything else. */
  static Dialect forUrl(String jdbcUrl) {
    String url = jdbcUrl.toLowerCase(Locale.ROOT);
    if (url.startsWith("jdbc:postgresql:")) {
      return POSTGRESQL;
    }
    if (url.startsWith("jdbc:h2:")) {
      return H2;
    }
    if (url.startsWith("jdbc:mariadb:")) {
      return MARIADB;
    }
    if (url.startsWith("jdbc:mysql:")) {
      throw new IllegalArgumentException("MySQL is not supported (its ALTER TABLE and CREATE INDEX have no IF NOT "
          + "EXISTS, it has no INSERT ... RETURNING, and its statement time limit covers only SELECT). For a MariaDB "
          + "server use jdbc:mariadb://host:3306/database (the MariaDB driver is in the plugin).");
    }
    throw new IllegalArgumentException("unsupported database URL; use jdbc:postgresql:, jdbc:mariadb: or jdbc:h2:");
  }

  /** The database's name, for messages. */
  String name();

  /**
   * Quotes an identifier that came from JDBC metadata or configuration (never from a message); SQL's double quotes
   * unless a database differs.
   */
  default String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  default String table(String schema, String table) {
    return quote(schema) + "." + quote(table);
  }

  default String table(Catalog.Entity entity) {
    return table(entity.schema(), entity.table());
  }

  // --- The state tables (processed requests, subscriptions, audit log) ---

  /** A column type for long text (stored replies, events, subscription definitions). */
  default String textType() {
    return "VARCHAR(1000000)";
  }

  /** A column type for a point in time, without a time zone (written and read as java.sql.Timestamp). */
  default String timestampType() {
    return "TIMESTAMP";
  }

  /** What follows the column list of a CREATE TABLE of a state table: text that compares exactly. */
  default String tableOptions() {
    return "";
  }

  // Column names of the state tables are entity sync's own lower-case identifiers, written unquoted everywhere (so
  // H2 and PostgreSQL fold them alike); tables and indexes are named by configuration and quoted.

  default String createTableIfMissing(String table, List<String> columnDefinitions) {
    return "CREATE TABLE IF NOT EXISTS " + table + " (" + String.join(", ", columnDefinitions) + ")"
        + tableOptions();
  }

  default String addColumnIfMissing(String table, String column, String type) {
    return "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column + " " + type;
  }

  default String createIndexIfMissing(String name, String table, String column) {
    return "CREATE INDEX IF NOT EXISTS " + quote(name) + " ON " + table + " (" + column + ")";
  }

  // --- Statements ---

  /** Whether a decimal column is compared with {@code value} exactly, without rounding it first. */
  default boolean comparesExactly(java.math.BigDecimal value) {
    return true;
  }

  /** Whether a float column can be compared with NaN or an infinity (MariaDB's DOUBLE has neither). */
  default boolean comparesNonFiniteFloats() {
    return true;
  }

  /**
   * The bound parameter a column is compared with: "?", or for text columns where the database's default collation
   * may ignore case or trailing spaces, a parameter with an exact (binary, no-pad) collation, so that tenant 'a' is
   * not tenant 'A' on any database.
   */
  default String parameter(Catalog.Column column) {
    return "?";
  }

  /**
   * Runs {@code INSERT INTO table (columns) VALUES (?, ...)} with {@code values} and returns the value of
   * {@code keyColumn} in the new row, or null when the database did not report it.
   */
  default Object insertReturningKey(Connection connection, String table, List<String> quotedColumns,
      String keyColumn, List<Object> values) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(insertSql(table, quotedColumns),
        new String[] {keyColumn})) {
      SqlValues.bindAll(insert, values);
      insert.executeUpdate();
      try (ResultSet keys = insert.getGeneratedKeys()) {
        return keys.next() ? keys.getObject(1) : null;
      }
    }
  }

  static String insertSql(String table, List<String> quotedColumns) {
    return "INSERT INTO " + table + " (" + String.join(", ", quotedColumns) + ") VALUES ("
        + String.join(", ", java.util.Collections.nCopies(quotedColumns.size(), "?")) + ")";
  }

  // --- Connections ---

  /**
   * SQL run on every new pooled connection so that each statement on it, whoever runs it, is cancelled by the
   * server after {@code timeoutMillis}, lock waits included.
   */
  String statementTimeoutSql(long timeoutMillis);

  /**
   * Driver properties that bound how long a connection waits for a server that stopped answering (the statement
   * timeout cannot fire when the server is gone), unless the URL sets them itself.
   */
  default Map<String, String> driverProperties(String jdbcUrl, long statementTimeoutMillis) {
    return Map.of();
  }

  /** Why entity sync cannot run on the server behind {@code metadata}, or null when it can. */
  default String serverProblem(DatabaseMetaData metadata) throws SQLException {
    return null;
  }

  /**
   * Whether JDBC metadata names a database as a catalog (MariaDB: "schema.table" is "database.table") rather than a
   * schema.
   */
  default boolean schemasAreCatalogs() {
    return false;
  }

  /** What a database error means for the client. */
  default Failure classify(SQLException e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLTimeoutException) {
        return Failure.TIMEOUT;
      }
    }
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.equals("57014")) {
      return Failure.TIMEOUT; // query_canceled: PostgreSQL's statement_timeout, H2's QUERY_TIMEOUT
    }
    if (state.startsWith("23")) {
      return Failure.CONFLICT;
    }
    if (state.startsWith("08") || e instanceof SQLTransientConnectionException) {
      return Failure.UNAVAILABLE;
    }
    if (state.startsWith("22")) {
      return Failure.INVALID_VALUE;
    }
    return Failure.OTHER;
  }
}
