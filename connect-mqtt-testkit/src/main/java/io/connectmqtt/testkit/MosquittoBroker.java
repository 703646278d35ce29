package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's mosquitto run as a child process on 127.0.0.1 and a free port: an independent MQTT 5
 * broker, and with mosquitto_pub/mosquitto_sub independent clients. Tests that need it are skipped,
 * visibly, where it is not installed. The process never outlives the test JVM (see {@link
 * BrokerProcess}).
 *
 * <p>The factories other than {@link #startForMatrix(BrokerOptions)} keep their settings: sessions
 * in memory ({@code persistence false}), 100,000 queued messages per client, {@code
 * max_inflight_messages 100}. The matrix instance keeps mosquitto's own outgoing window (20 for
 * MQTT 3.1.1 clients; an MQTT 5 client's Receive Maximum) and can persist sessions to {@code
 * mosquitto.db}, written when it stops, so {@link #restart()} keeps them.
 */
public final class MosquittoBroker implements TestBroker {

  public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  public static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
  public static final Path SUB = Path.of("/usr/bin/mosquitto_sub");

  private static final String DROPPED = "$SYS/broker/publish/messages/dropped";

  private final Path home;
  private final int port;

  /** User name to password; empty: no password file. */
  private Map<String, String> users = Map.of();

  /**
   * mosquitto_sub on the drop counter from the broker's start, writing each value to {@link
   * #droppedLog()}: see {@link #droppedMessageCount()}.
   */
  private BrokerProcess droppedWatcher;

  /** Whether clients without a user name get in too (with a password file). */
  private boolean anonymous;

  private Path aclFile;
  private boolean persistent;
  private int maxQueuedMessages = 100_000;

  /** {@code max_inflight_messages}, or 0 to keep mosquitto's default (20). */
  private int maxInflightMessages = 100;

  private BrokerProcess process;
  private static volatile String version;

  private MosquittoBroker(int port) {
    this.home = ProjectLayout.scratch("mosquitto-");
    this.port = port;
  }

  public static boolean available() {
    return Files.isExecutable(BINARY) && Files.isExecutable(PUB) && Files.isExecutable(SUB);
  }

  /** Skips the calling test with a message saying how to install mosquitto. */
  public static void assumeAvailable() {
    if (!available()) {
      System.err.println(
          "SKIPPED: mosquitto is not installed; apt-get install -y mosquitto mosquitto-clients");
    }
    Assumptions.assumeTrue(
        available(),
        "mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients); skipping mosquitto tests");
  }

  /** A started broker that accepts only {@code user} with {@code password}. */
  public static MosquittoBroker startWithPassword(String user, String password) {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.users = Map.of(user, password);
    broker.startProcess();
    return broker;
  }

  /**
   * A started broker that lets anonymous clients in as well as {@code user}, and applies {@code
   * aclFile} (mosquitto's acl_file syntax) to all of them.
   */
  public static MosquittoBroker startWithAcl(Path aclFile, String user, String password) {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.users = Map.of(user, password);
    broker.anonymous = true;
    broker.aclFile = aclFile;
    broker.startProcess();
    return broker;
  }

  public static MosquittoBroker start() {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.startProcess();
    return broker;
  }

  /**
   * The broker matrix's instance: anonymous clients, {@code max_queued_messages} from {@code
   * options}, mosquitto's default {@code max_inflight_messages} unless {@code options} sets an
   * outgoing window, persistence to disk when {@code options} asks for it, and the $SYS tree every
   * second for {@link #droppedMessageCount()}. With users in {@code options}, only they get in (a
   * password file, no anonymous clients), confined by its ACL file.
   */
  public static MosquittoBroker startForMatrix(BrokerOptions options) {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.users = options.users();
    broker.aclFile = options.aclFile();
    broker.persistent = options.persistent();
    broker.maxQueuedMessages = options.maxQueuedMessages();
    broker.maxInflightMessages = options.outgoingWindow();
    broker.startProcess();
    return broker;
  }

  private void startProcess() {
    try {
      Path conf = home.resolve("mosquitto.conf");
      String authentication = "allow_anonymous true";
      if (!users.isEmpty()) {
        Path passwords = home.resolve("passwords");
        Files.deleteIfExists(passwords);
        Files.createFile(passwords);
        for (Map.Entry<String, String> user : users.entrySet()) {
          run(
              new String[] {
                "/usr/bin/mosquitto_passwd",
                "-b",
                passwords.toString(),
                user.getKey(),
                user.getValue()
              },
              Duration.ofSeconds(30));
        }
        authentication = "allow_anonymous " + anonymous + "\npassword_file " + passwords;
      }
      if (aclFile != null) {
        authentication += "\nacl_file " + aclFile.toAbsolutePath();
      }
      String persistence =
          persistent
              ? "persistence true\npersistence_location " + home + "/\nautosave_interval 1800"
              : "persistence false";
      String inflight =
          maxInflightMessages > 0 ? "max_inflight_messages " + maxInflightMessages : "";
      Files.writeString(
          conf,
          """
          listener %d 127.0.0.1
          %s
          user %s
          %s
          max_queued_messages %d
          %s
          sys_interval 1
          log_dest stderr
          log_type error
          log_type warning
          """
              .formatted(
                  port,
                  authentication,
                  System.getProperty("user.name"),
                  persistence,
                  maxQueuedMessages,
                  inflight));
      process =
          BrokerProcess.start(
              "mosquitto",
              home,
              home.resolve("mosquitto.log"),
              Map.of(),
              List.of(BINARY.toString(), "-c", conf.toString()),
              null);
      process.awaitListening(port, null, Duration.ofSeconds(10));
      if (users.isEmpty()) {
        Files.deleteIfExists(droppedLog());
        droppedWatcher =
            BrokerProcess.start(
                "mosquitto_sub on the drop counter",
                home,
                droppedLog(),
                Map.of(),
                Stream.concat(
                        Stream.of("/usr/bin/stdbuf", "-oL"),
                        Arrays.stream(clientCommand(SUB, port, "-t", DROPPED)))
                    .toList(),
                null);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String name() {
    if (version == null) {
      // "mosquitto version 2.0.11" on the first line of its usage text (it exits with code 3 after
      // printing it).
      String usage =
          ExternalCommand.run(home, Map.of(), 10, List.of(BINARY.toString(), "-h")).output();
      version =
          usage
              .lines()
              .filter(l -> l.startsWith("mosquitto version "))
              .findFirst()
              .map(l -> l.substring("mosquitto version ".length()).trim())
              .orElse("(unknown version)");
    }
    return "mosquitto " + version;
  }

  @Override
  public boolean mqtt5() {
    return true;
  }

  @Override
  public boolean sharedSubscriptions() {
    return true;
  }

  @Override
  public boolean sessionsSurviveRestart() {
    return persistent;
  }

  /**
   * mosquitto's {@code $SYS/broker/publish/messages/dropped}: QoS 1/2 messages dropped because a
   * client's queue or in-flight limit was full, since the broker process started (a restart resets
   * it). Empty while the broker is stopped, and with users (anonymous clients cannot read $SYS
   * then); otherwise the counter must answer, so that a test's drop check is never skipped
   * unnoticed.
   */
  @Override
  public OptionalLong droppedMessageCount() {
    if (process == null || !users.isEmpty()) {
      return OptionalLong.empty();
    }
    // mosquitto 2.0 sends $SYS values retained with a 60 s expiry, and again only when they
    // change: a subscriber that comes more than a minute after the last change gets nothing. The
    // watcher subscribed at the start and has every value since; asking is for its first second.
    OptionalLong watched = lastNumber(BrokerProcess.tail(droppedLog(), 5));
    if (watched.isPresent()) {
      return watched;
    }
    ExternalCommand.Result result =
        ExternalCommand.run(
            home,
            Map.of(),
            30,
            List.of(clientCommand(SUB, port, "-C", "1", "-W", "20", "-t", DROPPED)));
    OptionalLong dropped = lastNumber(result.output());
    if (dropped.isEmpty()) {
      throw new IllegalStateException(
          "mosquitto's $SYS/broker/publish/messages/dropped did not answer within 20 s: "
              + result.output());
    }
    return dropped;
  }

  /** The last line of {@code output} that is a number (client warnings may come besides). */
  private static OptionalLong lastNumber(String output) {
    return output
        .lines()
        .map(String::trim)
        .filter(line -> line.matches("\\d+"))
        .mapToLong(Long::parseLong)
        .reduce((first, last) -> last);
  }

  private Path droppedLog() {
    return home.resolve("dropped.log");
  }

  @Override
  public int port() {
    return port;
  }

  /**
   * Restarts the broker accepting only {@code newPassword} for {@code newUser} (credential
   * rotation).
   */
  public void restartWithPassword(String newUser, String newPassword) {
    stop();
    users = Map.of(newUser, newPassword);
    startProcess();
  }

  @Override
  public void restart() {
    stop();
    startProcess();
  }

  /** Runs mosquitto_pub against this broker with the given extra arguments and waits for it. */
  public void publish(String... args) {
    publishTo(port, args);
  }

  /**
   * Runs mosquitto_pub against any broker on 127.0.0.1:{@code port} (an independent client for
   * every broker of the matrix) with the given extra arguments and waits for it.
   */
  public static void publishTo(int port, String... args) {
    run(clientCommand(PUB, port, args), Duration.ofSeconds(30));
  }

  /**
   * Runs mosquitto_pub -d against any broker on 127.0.0.1:{@code port} with the given extra
   * arguments and returns its exit code and what it printed, without failing: for publishes the
   * broker is expected to refuse (mosquitto answers a refused MQTT 5 QoS 1 publish with "Not
   * authorized", RabbitMQ closes the connection).
   */
  public static ExternalCommand.Result attemptPublishTo(int port, String... args) {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(PUB.toString(), "-d", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return ExternalCommand.run(ProjectLayout.scratch("mosquitto-pub-"), Map.of(), 30, command);
  }

  /**
   * Runs mosquitto_sub against any broker on 127.0.0.1:{@code port} (an independent subscriber for
   * every broker of the matrix) with the given extra arguments, which must make it end ({@code -E},
   * {@code -C}, {@code -W}); returns what it printed. Fails if it exits with an error, e.g. when
   * {@code -W} passed before {@code -C} messages came.
   */
  public static String subscribeTo(int port, Duration timeout, String... args) {
    return run(clientCommand(SUB, port, args), timeout);
  }

  /**
   * {@code client} (mosquitto_pub or mosquitto_sub) against 127.0.0.1:{@code port}, {@code args}.
   */
  private static String[] clientCommand(Path client, int port, String... args) {
    String[] command = new String[args.length + 5];
    command[0] = client.toString();
    command[1] = "-h";
    command[2] = "127.0.0.1";
    command[3] = "-p";
    command[4] = Integer.toString(port);
    System.arraycopy(args, 0, command, 5, args.length);
    return command;
  }

  static String run(String[] command, Duration timeout) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " did not finish within " + timeout);
      }
      String output = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void stop() {
    if (droppedWatcher != null) {
      droppedWatcher.stop(Duration.ofSeconds(5));
      droppedWatcher = null;
    }
    if (process != null) {
      // With persistence on, mosquitto writes mosquitto.db on SIGTERM: give a large backlog time.
      process.stop(Duration.ofSeconds(persistent ? 60 : 10));
      process = null;
    }
  }
}
