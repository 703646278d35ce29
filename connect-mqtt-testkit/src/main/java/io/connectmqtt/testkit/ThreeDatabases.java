package io.connectmqtt.testkit;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;

/**
 * PostgreSQL, H2 and MariaDB, for a test class whose cases run on each: started together, closed
 * together. MariaDB is Debian's server; where it cannot start only the MariaDB cases are skipped,
 * with the reason ({@link MariaDbDatabase.Attempt#require()}).
 */
public final class ThreeDatabases implements AutoCloseable {

  private static final List<String> NAMES = List.of("postgresql", "h2", "mariadb");

  private final String database;
  private final PostgresDatabase postgres;
  private final H2Database h2;
  private final MariaDbDatabase.Attempt mariadb;

  private ThreeDatabases(
      String database, PostgresDatabase postgres, H2Database h2, MariaDbDatabase.Attempt mariadb) {
    this.database = database;
    this.postgres = postgres;
    this.h2 = h2;
    this.mariadb = mariadb;
  }

  /** The three, each with a database (H2, MariaDB) called {@code database}. */
  public static ThreeDatabases start(String database) {
    PostgresDatabase postgres = PostgresDatabase.start();
    H2Database h2 = null;
    try {
      h2 = H2Database.start(database);
      return new ThreeDatabases(database, postgres, h2, MariaDbDatabase.attempt(database));
    } catch (RuntimeException e) {
      postgres.close();
      if (h2 != null) {
        h2.close();
      }
      throw e;
    }
  }

  /** The databases' names, as parameters of a test: {@code @MethodSource}'s stream. */
  public static Stream<String> names() {
    return NAMES.stream();
  }

  /** A new connection to {@code name} (one of {@link #names}). */
  public Connection connection(String name) throws SQLException {
    return switch (name) {
      case "postgresql" -> postgres.connection();
      case "h2" -> h2.connection();
      case "mariadb" -> mariadb.require().connection(database);
      default -> throw new IllegalArgumentException("No database " + name + "; one of " + NAMES);
    };
  }

  public PostgresDatabase postgres() {
    return postgres;
  }

  public H2Database h2() {
    return h2;
  }

  /** The MariaDB server, or the calling test is skipped with the reason it did not start. */
  public MariaDbDatabase mariadb() {
    return mariadb.require();
  }

  /** Closes all three, also when closing one fails (that failure is thrown at the end). */
  @Override
  public void close() {
    try {
      postgres.close();
    } finally {
      try {
        h2.close();
      } finally {
        mariadb.close();
      }
    }
  }
}
