package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Aedes, the Node.js MQTT broker (npm {@code aedes}), run with the machine's {@code node} as a
 * child process by {@code aedes-broker.mjs} (a resource beside this class). The npm packages are
 * pinned by the package-lock.json beside it and installed lazily with {@code npm ci} into
 * connect-mqtt-testkit/target/aedes (under a file lock, so parallel test JVMs install once); no
 * registry access after that.
 *
 * <p>Measured with aedes 1.2.0: MQTT 3.1.1 only (an MQTT 5 CONNECT is refused, "unacceptable
 * protocol version"); {@code $share} is not supported. With persistence on, sessions, subscriptions
 * and queued QoS 1/2 messages live in a LevelDB (aedes-persistence-level 9.2.0) and survive a
 * restart; without it, in memory, a restart loses them. The script completes the LevelDB stores in
 * order: as shipped, Aedes withholds part of a stream from online persistent sessions until they
 * reconnect (docs/troubleshooting.md, "Aedes with LevelDB"). No per-client queue limit (queued
 * messages are kept until delivered), no outgoing window (everything queued is sent at once), no
 * drop counter. Starts in about 0.5 s.
 */
public final class AedesBroker extends Mqtt3ProcessBroker {

  private static final String RESOURCES = "aedes/";
  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "aedes-broker.mjs");

  private final Path installation;
  private final String node;

  private AedesBroker(Path installation, String node, BrokerOptions options) {
    // On SIGTERM the script closes the broker and the LevelDB, then exits.
    super("aedes-", options.persistent(), Duration.ofSeconds(15));
    this.installation = installation;
    this.node = node;
  }

  /** Null if node (20 or newer) and npm are installed, else why not. */
  public static String unavailableReason() {
    String node = ExternalCommand.find("node");
    if (node == null || ExternalCommand.find("npm") == null) {
      return "Node.js is not installed; apt-get install -y nodejs npm";
    }
    ExternalCommand.Result version =
        ExternalCommand.run(Path.of("."), Map.of(), 30, List.of(node, "--version"));
    String text = version.output().trim();
    try {
      int major = Integer.parseInt(text.replaceFirst("^v", "").split("\\.")[0]);
      if (major < 20) {
        return "aedes 1.x needs Node.js 20 or newer, this machine has " + text;
      }
    } catch (RuntimeException e) {
      return "cannot read the Node.js version (" + text + ")";
    }
    return null;
  }

  /**
   * A started broker; installs the npm packages first if needed. Throws with npm's output if the
   * install fails, or with the broker's log tail if it does not listen within 30 s.
   */
  public static AedesBroker start(BrokerOptions options) {
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException(reason);
    }
    AedesBroker broker = new AedesBroker(install(), ExternalCommand.find("node"), options);
    broker.startProcess();
    return broker;
  }

  /** connect-mqtt-testkit/target/aedes with the pinned npm packages installed. */
  static Path install() {
    Path dir = ProjectLayout.root().resolve("connect-mqtt-testkit/target/aedes");
    try {
      Files.createDirectories(dir);
      try (FileChannel lockFile =
              FileChannel.open(
                  dir.resolve(".install.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock ignored = lockFile.lock()) {
        boolean changed = false;
        for (String file : FILES) {
          byte[] wanted = resource(file);
          Path target = dir.resolve(file);
          if (!Files.exists(target) || !Arrays.equals(Files.readAllBytes(target), wanted)) {
            Files.write(target, wanted);
            changed = changed || !file.endsWith(".mjs");
          }
        }
        Path installed = dir.resolve("node_modules/.package-lock.json");
        if (changed
            || !Files.exists(installed)
            || !Files.exists(dir.resolve("node_modules/aedes/package.json"))) {
          String npm = ExternalCommand.find("npm");
          ExternalCommand.Result result =
              ExternalCommand.run(
                  dir,
                  Map.of(),
                  300,
                  List.of(npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"));
          if (result.exitCode() != 0) {
            Files.deleteIfExists(installed);
            throw new IllegalStateException(
                "npm ci of aedes in "
                    + dir
                    + " failed ("
                    + result.exitCode()
                    + "):\n"
                    + result.output());
          }
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] resource(String file) throws IOException {
    try (InputStream in = AedesBroker.class.getResourceAsStream(RESOURCES + file)) {
      if (in == null) {
        throw new IllegalStateException("testkit resource " + RESOURCES + file + " is missing");
      }
      return in.readAllBytes();
    }
  }

  /** The installed aedes version, from its package.json. */
  static String version(Path installation) {
    try {
      String json = Files.readString(installation.resolve("node_modules/aedes/package.json"));
      var matcher =
          java.util.regex.Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
      return matcher.find() ? matcher.group(1) : "(unknown version)";
    } catch (IOException e) {
      return "(unknown version)";
    }
  }

  @Override
  void startProcess() {
    String data = persistent ? home.resolve("leveldb").toString() : "-";
    process =
        BrokerProcess.start(
            name(),
            installation,
            home.resolve("aedes.log"),
            Map.of(),
            List.of(
                node,
                installation.resolve("aedes-broker.mjs").toString(),
                Integer.toString(port),
                data),
            null);
    process.awaitListening(port, "READY " + port, Duration.ofSeconds(30));
  }

  @Override
  public String name() {
    return "Aedes " + version(installation);
  }
}
