package io.connectmqtt.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** An in-memory H2 database in PostgreSQL mode, kept alive while this object is open. */
public final class H2Database implements AutoCloseable {

  private final String url;
  private final Connection keepAlive;

  private H2Database(String name) throws SQLException {
    this.url =
        "jdbc:h2:mem:"
            + name
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    this.keepAlive = DriverManager.getConnection(url, "sa", "");
  }

  public static H2Database start(String name) {
    try {
      return new H2Database(name);
    } catch (SQLException e) {
      throw new IllegalStateException("H2 did not start", e);
    }
  }

  public String jdbcUrl() {
    return url;
  }

  public Connection connection() throws SQLException {
    return DriverManager.getConnection(url, "sa", "");
  }

  @Override
  public void close() {
    try {
      keepAlive.close();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
