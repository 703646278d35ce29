package io.connectmqtt.entitysync;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Plain SQL against a test database, for setting tables up and counting what a test wrote. */
final class Sql {

  private Sql() {}

  /** Where a connection comes from: {@code postgres::connection}, {@code h2::connection}, .... */
  @FunctionalInterface
  interface Database {
    Connection connection() throws SQLException;
  }

  /** Runs {@code statements} in order on one connection. */
  static void execute(Database database, String... statements) throws SQLException {
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement()) {
      for (String sql : statements) {
        statement.execute(sql);
      }
    }
  }

  /** The single number {@code query} selects (a {@code count(*)}). */
  static long count(Database database, String query) throws SQLException {
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(query)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
