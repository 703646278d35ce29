package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Debian's RabbitMQ with its MQTT plugin, a private node run as a child process of the test JVM:
 * its own node name, Erlang distribution port, epmd port, Erlang cookie (HOME), mnesia and log
 * folders, all in a scratch folder, and only an MQTT listener (no AMQP listener) on 127.0.0.1. The
 * script under /usr/lib/rabbitmq/bin is run as the current user, so nothing has to be owned by the
 * rabbitmq user (Debian's /usr/sbin wrapper would switch to it).
 *
 * <p>Measured with 3.10.8: MQTT 3.1.1 only (an MQTT 5 CONNECT is closed without a CONNACK); {@code
 * $share/g/filter} is taken as a literal topic filter, not a shared subscription; a client with a
 * persistent session (clean session false) gets a durable queue, and with the node's mnesia folder
 * kept, that queue and its QoS 1 messages survive a restart. Queues have no length limit, so
 * nothing is dropped and there is no drop counter. The outgoing window is {@code mqtt.prefetch}
 * (RabbitMQ's default 10); the matrix raises it to {@link #DEFAULT_PREFETCH}. A cold start took
 * 8-18 s here (2 busy cores), a restart with existing mnesia 6-14 s.
 *
 * <p>With users in {@link BrokerOptions}, anonymous MQTT clients are refused, the guest user is
 * deleted, each user is added with {@code rabbitmqctl add_user} and given its permissions by the
 * options' ACL script (run as {@code sh script <user>} with {@code RABBITMQCTL} set): about 1.5 s
 * per rabbitmqctl call here.
 */
public final class RabbitMqBroker extends Mqtt3ProcessBroker {

  public static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");
  public static final Path SERVER = BIN.resolve("rabbitmq-server");
  public static final Path CTL = BIN.resolve("rabbitmqctl");
  private static final Path EPMD = Path.of("/usr/lib/erlang/bin/epmd");
  private static final Path LIB = Path.of("/usr/lib/rabbitmq/lib");

  /**
   * {@code mqtt.prefetch} of the matrix instance: RabbitMQ's 10 would make a lossless subscriber
   * carry at most 10 messages per Kafka round trip; 100 is the connector's default Receive Maximum.
   */
  public static final int DEFAULT_PREFETCH = 100;

  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final int distPort;
  private final int epmdPort;
  private final int prefetch;
  private final BrokerOptions options;

  /** Whether the users of {@link #options} exist in the node's current mnesia folder. */
  private boolean provisioned;

  private RabbitMqBroker(BrokerOptions options) {
    super("rabbitmq-", options.persistent(), Duration.ofSeconds(30));
    this.distPort = Ports.free();
    this.epmdPort = Ports.free();
    this.prefetch = options.outgoingWindow() > 0 ? options.outgoingWindow() : DEFAULT_PREFETCH;
    this.options = options;
  }

  /** Null if RabbitMQ and its MQTT plugin are installed, else why not. */
  public static String unavailableReason() {
    if (!Files.isExecutable(SERVER) || !Files.isExecutable(CTL) || !Files.isExecutable(EPMD)) {
      return "RabbitMQ is not installed ("
          + SERVER
          + " missing); apt-get install -y rabbitmq-server";
    }
    if (version() == null) {
      return "RabbitMQ's MQTT plugin is missing under "
          + LIB
          + "; apt-get install -y rabbitmq-server";
    }
    return null;
  }

  /** The version of the installed rabbitmq_server that has the MQTT plugin, or null. */
  static String version() {
    try (Stream<Path> servers = Files.list(LIB)) {
      return servers
          .map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("rabbitmq_server-"))
          .filter(
              n -> {
                try (Stream<Path> plugins = Files.list(LIB.resolve(n).resolve("plugins"))) {
                  return plugins.anyMatch(
                      p -> p.getFileName().toString().startsWith("rabbitmq_mqtt-"));
                } catch (IOException e) {
                  return false;
                }
              })
          .map(n -> n.substring("rabbitmq_server-".length()))
          .sorted()
          .reduce((a, b) -> b)
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** A started node; throws with the node's log tail if it does not answer MQTT within 90 s. */
  public static RabbitMqBroker start(BrokerOptions options) {
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException(reason);
    }
    RabbitMqBroker broker = new RabbitMqBroker(options);
    broker.startProcess();
    return broker;
  }

  private Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("RABBITMQ_NODENAME", "connect-mqtt-" + port + "@localhost");
    env.put("RABBITMQ_MNESIA_BASE", home.resolve("mnesia").toString());
    env.put("RABBITMQ_LOG_BASE", home.resolve("log").toString());
    env.put("RABBITMQ_LOGS", "-");
    env.put("RABBITMQ_PID_FILE", home.resolve("rabbitmq.pid").toString());
    env.put("RABBITMQ_ENABLED_PLUGINS_FILE", home.resolve("enabled_plugins").toString());
    env.put("RABBITMQ_CONFIG_FILE", home.resolve("rabbitmq.conf").toString());
    env.put("RABBITMQ_ADVANCED_CONFIG_FILE", home.resolve("advanced.config").toString());
    env.put("RABBITMQ_CONF_ENV_FILE", home.resolve("rabbitmq-env.conf").toString());
    env.put("RABBITMQ_DIST_PORT", Integer.toString(distPort));
    env.put("ERL_EPMD_PORT", Integer.toString(epmdPort));
    return env;
  }

  @Override
  void startProcess() {
    try {
      Files.createDirectories(home.resolve("mnesia"));
      Files.createDirectories(home.resolve("log"));
      Files.writeString(home.resolve("enabled_plugins"), "[rabbitmq_mqtt].\n");
      Files.writeString(home.resolve("rabbitmq-env.conf"), "");
      Files.writeString(
          home.resolve("rabbitmq.conf"),
          """
          listeners.tcp = none
          loopback_users = none
          mqtt.listeners.tcp.default = 127.0.0.1:%d
          mqtt.allow_anonymous = %s
          mqtt.prefetch = %d
          """
              .formatted(port, !options.authenticated(), prefetch));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    process =
        BrokerProcess.start(
            "RabbitMQ " + version(),
            home,
            home.resolve("rabbitmq.log"),
            environment(),
            List.of(SERVER.toString()),
            EPMD + " -kill");
    process.awaitListening(port, "Server startup complete", START_TIMEOUT);
    if (options.authenticated() && !provisioned) {
      provisionUsers();
      provisioned = true;
    }
  }

  /**
   * Deletes guest, adds the users of {@link #options} and runs its ACL script for each; fails on
   * any error.
   */
  private void provisionUsers() {
    ctl(List.of(CTL.toString(), "delete_user", "guest"));
    for (Map.Entry<String, String> user : options.users().entrySet()) {
      ctl(List.of(CTL.toString(), "add_user", user.getKey(), user.getValue()));
      if (options.aclFile() != null) {
        ctl(List.of("/bin/sh", options.aclFile().toAbsolutePath().toString(), user.getKey()));
      }
    }
  }

  private void ctl(List<String> command) {
    Map<String, String> env = environment();
    env.put("RABBITMQCTL", CTL.toString());
    ExternalCommand.Result result = ExternalCommand.run(home, env, 60, command);
    if (result.exitCode() != 0) {
      stop();
      throw new IllegalStateException(
          String.join(" ", command) + " failed (" + result.exitCode() + "): " + result.output());
    }
  }

  @Override
  public String name() {
    return "RabbitMQ " + version();
  }

  /** The outgoing window this node gives each subscriber ({@code mqtt.prefetch}). */
  public int prefetch() {
    return prefetch;
  }

  /**
   * Stops the node and starts it again; without persistence its mnesia folder (sessions, queues) is
   * wiped first.
   */
  @Override
  public void restart() {
    stop();
    if (!persistent) {
      deleteRecursively(home.resolve("mnesia"));
      provisioned = false;
    }
    startProcess();
  }

  /**
   * {@code rabbitmqctl stop}, then waits for the node and its start script to exit and ends its
   * epmd.
   */
  @Override
  public void stop() {
    if (process != null && process.alive()) {
      ExternalCommand.Result result =
          ExternalCommand.run(home, environment(), 60, List.of(CTL.toString(), "stop"));
      if (result.exitCode() != 0) {
        System.err.println(
            "WARNING: rabbitmqctl stop failed (" + result.exitCode() + "): " + result.output());
      }
    }
    super.stop();
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
