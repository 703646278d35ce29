package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's MariaDB server ({@code apt-get install -y mariadb-server}) as a private child process: a
 * fresh data directory under java.io.tmpdir (target/), its own socket, 127.0.0.1 and a free port,
 * and a user that logs in with a password over TCP, as an application would. The server gets
 * Debian's packaged defaults that matter here (utf8mb4 with the case-insensitive {@code
 * utf8mb4_general_ci} collation), so tests see what users' servers do. Tests that need it are
 * skipped, with a message, where it is not installed or does not start. It never outlives the test
 * JVM: {@link #close()} ends it, and so does a shutdown hook.
 */
public final class MariaDbDatabase implements AutoCloseable {

  public static final Path SERVER = Path.of("/usr/sbin/mariadbd");
  public static final Path INSTALL_DB = Path.of("/usr/bin/mariadb-install-db");
  private static final String INSTALL_HINT = "apt-get install -y mariadb-server";

  private final Path home;
  private final int port;
  private final String user = "connect";
  private final String password = "pw-" + UUID.randomUUID();
  private volatile Process process;
  private Thread shutdownHook;
  private String version;
  private long startMillis;

  private MariaDbDatabase(Path home, int port) {
    this.home = home;
    this.port = port;
  }

  public static boolean available() {
    return Files.isExecutable(SERVER) && Files.isExecutable(INSTALL_DB);
  }

  /**
   * A started server with an empty database {@code database}, or the calling test is skipped (with
   * a message on stderr saying why) when mariadb-server is not installed or cannot start here.
   */
  public static MariaDbDatabase start(String database) {
    if (!available()) {
      skip("mariadb-server is not installed; " + INSTALL_HINT);
    }
    MariaDbDatabase server = new MariaDbDatabase(ProjectLayout.scratch("mariadb-"), Ports.free());
    try {
      server.startProcess();
      server.createDatabase(database);
      return server;
    } catch (RuntimeException | IOException | SQLException e) {
      String log = server.logTail();
      server.close();
      skip(
          "MariaDB did not start here ("
              + e.getMessage()
              + ")"
              + (log.isEmpty() ? "" : "; its log ends:\n" + log));
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.close();
      throw new IllegalStateException(e);
    }
  }

  /**
   * A server, or the reason there is none: for a test class that runs other databases too, so that
   * only the MariaDB cases are skipped ({@link Attempt#require()}) and the others still run.
   */
  public record Attempt(MariaDbDatabase server, String skipReason) {
    /** The server, or the calling test is skipped with the reason it did not start. */
    public MariaDbDatabase require() {
      if (server == null) {
        skip(skipReason);
      }
      return server;
    }

    public void close() {
      if (server != null) {
        server.close();
      }
    }
  }

  /**
   * {@link #start(String)}, but a server that cannot start is an {@link Attempt} with its reason.
   */
  public static Attempt attempt(String database) {
    try {
      return new Attempt(start(database), null);
    } catch (org.opentest4j.TestAbortedException e) {
      return new Attempt(null, e.getMessage());
    }
  }

  private static void skip(String why) {
    System.err.println("SKIPPED: " + why);
    Assumptions.abort(why);
  }

  /** Small redo log and buffer pool: a test server, started once per test class. */
  private static final List<String> SIZES =
      List.of("--innodb-log-file-size=8M", "--innodb-buffer-pool-size=32M");

  private void startProcess() throws IOException, InterruptedException, SQLException {
    long begin = System.nanoTime();
    install();
    launch();
    startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    System.err.println(
        "MariaDB " + version + " on 127.0.0.1:" + port + ", started in " + startMillis + " ms");
  }

  /** Creates the data directory and the start-up script that adds the application's user. */
  private void install() throws IOException, InterruptedException {
    Path data = home.resolve("data");
    String osUser = System.getProperty("user.name");
    List<String> install =
        new ArrayList<>(
            List.of(
                INSTALL_DB.toString(),
                "--no-defaults",
                "--datadir=" + data,
                "--user=" + osUser,
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve"));
    install.addAll(SIZES);
    Process installing =
        new ProcessBuilder(install)
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("install.log").toFile())
            .start();
    if (!installing.waitFor(120, TimeUnit.SECONDS)) {
      installing.destroyForcibly();
      throw new IllegalStateException("mariadb-install-db did not finish within 120 s");
    }
    if (installing.exitValue() != 0) {
      throw new IllegalStateException(
          "mariadb-install-db failed ("
              + installing.exitValue()
              + "): "
              + Files.readString(home.resolve("install.log")));
    }
    // Run at every start-up, before connections are accepted: the application's user, with a
    // password, and no password-less root over TCP (mariadb-install-db --skip-name-resolve makes
    // root@127.0.0.1 and root@::1).
    Files.writeString(
        home.resolve("init.sql"),
        "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n"
            + "CREATE USER IF NOT EXISTS '"
            + user
            + "'@'127.0.0.1' IDENTIFIED BY '"
            + password
            + "';\n"
            + "GRANT ALL PRIVILEGES ON *.* TO '"
            + user
            + "'@'127.0.0.1';\n",
        StandardCharsets.UTF_8);
  }

  /** Starts mariadbd on the installed data directory and waits until it accepts the user. */
  private void launch() throws IOException, InterruptedException, SQLException {
    String osUser = System.getProperty("user.name");
    List<String> command =
        new ArrayList<>(
            List.of(
                SERVER.toString(),
                "--no-defaults",
                "--datadir=" + home.resolve("data"),
                "--socket=" + socketPath(),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--user=" + osUser,
                "--pid-file=" + home.resolve("mariadbd.pid"),
                "--log-error=" + home.resolve("error.log"),
                "--skip-name-resolve",
                "--init-file=" + home.resolve("init.sql"),
                // What Debian's /etc/mysql/mariadb.conf.d/50-server.cnf sets: utf8mb4 with a
                // case-insensitive collation.
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_general_ci"));
    command.addAll(SIZES);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("mariadbd.out").toFile()))
            .start();
    OrphanGuard.killWithThisJvm(process);
    if (shutdownHook == null) {
      shutdownHook =
          new Thread(
              () -> {
                Process running = process;
                if (running != null) {
                  running.destroyForcibly();
                }
              },
              "mariadb-" + port + "-shutdown");
      Runtime.getRuntime().addShutdownHook(shutdownHook);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("mariadbd exited with " + process.exitValue());
      }
      try (Connection connection = connection("");
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT VERSION()")) {
        rows.next();
        version = rows.getString(1);
        return;
      } catch (SQLException notYet) {
        last = notYet;
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(
        "mariadbd did not accept "
            + user
            + " on port "
            + port
            + " within 60 s: "
            + (last == null ? "" : last.getMessage()));
  }

  /**
   * The socket path must stay below the kernel's ~107 characters; deep build directories get one in
   * /tmp.
   */
  private String socketPath() throws IOException {
    Path socket = home.resolve("mariadbd.sock");
    if (socket.toString().length() < 100) {
      return socket.toString();
    }
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "mariadb-");
    dir.toFile().deleteOnExit();
    return dir.resolve("mariadbd.sock").toString();
  }

  /**
   * Creates {@code database} (MariaDB's schema) with the server's default character set and
   * collation.
   */
  public void createDatabase(String database) throws SQLException {
    try (Connection connection = connection("");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE IF NOT EXISTS `" + database.replace("`", "``") + "`");
    }
  }

  /** jdbc:mariadb://127.0.0.1:port/database */
  public String jdbcUrl(String database) {
    return "jdbc:mariadb://127.0.0.1:" + port + "/" + database;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  public int port() {
    return port;
  }

  /** The server's version, e.g. 10.11.19-MariaDB-0+deb12u1. */
  public String version() {
    return version;
  }

  /** Milliseconds from mariadb-install-db to the first successful login. */
  public long startMillis() {
    return startMillis;
  }

  /** A connection of the application's user to {@code database} ("" for none). */
  public Connection connection(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), user, password);
  }

  private String logTail() {
    Path log = home.resolve("error.log");
    try {
      if (!Files.exists(log)) {
        return "";
      }
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * Kills the server with SIGKILL, as a crash would: clients see their connections reset, and
   * InnoDB recovers from its redo log at the next start. {@link #startAgain()} brings it back.
   */
  public void crash() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts the server again after {@link #crash()}, on the same port and data. */
  public void startAgain() throws IOException, InterruptedException, SQLException {
    launch();
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      shutdownHook = null;
    }
    deleteData();
  }

  /** The data directory is tens of MB; logs stay for reading after a failure. */
  private void deleteData() {
    Path data = home.resolve("data");
    if (!Files.exists(data)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(data)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
