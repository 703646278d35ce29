package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A JVM of a {@link ProcessStack} (Kafka broker, storage tool, Connect worker) started from a Kafka
 * distribution's classes the way Kafka's own scripts start it, logging to {@code <name>.log} in the
 * stack's home, and ended by {@link OrphanGuard} if the test JVM dies first.
 */
final class KafkaJvm {

  private static final List<String> KAFKA_JVM_PERFORMANCE_OPTS =
      List.of(
          "-server",
          "-XX:+UseG1GC",
          "-XX:MaxGCPauseMillis=20",
          "-XX:InitiatingHeapOccupancyPercent=35",
          "-XX:+ExplicitGCInvokesConcurrent",
          "-XX:MaxInlineLevel=15",
          "-Djava.awt.headless=true");

  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private KafkaJvm() {}

  /**
   * JVM options the build gives every JVM a test starts (system property {@code
   * testkit.jvm.options}, whitespace-separated; none outside the build).
   */
  static List<String> testJvmOptions() {
    String options = System.getProperty("testkit.jvm.options", "").strip();
    return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
  }

  /** {@code settings} as lines of a properties file, in the map's order. */
  static String propertiesLines(Map<String, String> settings) {
    return settings.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining("\n"));
  }

  /** Work on files and processes that a stack's callers need not handle the failures of. */
  interface Step<T> {
    T run() throws IOException, InterruptedException;
  }

  /**
   * {@code step}'s result; its IOException as UncheckedIOException, an interrupt as
   * IllegalStateException with the thread's flag set again.
   */
  static <T> T unchecked(Step<T> step) {
    try {
      return step.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts {@code mainAndArgs} in a JVM of {@code heap} with {@code libs/*} on its classpath,
   * {@code jvmOptions} after Kafka's own and {@code environment} added to ours.
   */
  static Process start(
      Path home,
      String name,
      String heap,
      Path libs,
      List<String> jvmOptions,
      Map<String, String> environment,
      List<String> mainAndArgs)
      throws IOException {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log4j = log4jConfig(home);
    Path log4j1 = ConnectVersion.log4j1Config(log4j);
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // Own session: Ctrl-C in a terminal reaches only our JVM, which then stops Connect before
      // Kafka.
      command.add(SETSID.toString());
    }
    command.addAll(List.of(javaBin.toString(), "-Xmx" + heap));
    // The JVM flags Kafka's own scripts (kafka-run-class.sh) give brokers and Connect workers:
    // short G1 pauses.
    command.addAll(KAFKA_JVM_PERFORMANCE_OPTS);
    ClassDataArchive classData =
        ClassDataArchive.of(
            libs,
            mainAndArgs.get(0),
            Stream.concat(testJvmOptions().stream(), jvmOptions.stream()).toList());
    command.addAll(testJvmOptions());
    command.addAll(classData.jvmOptions());
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-Djava.io.tmpdir=" + home,
            "-Dlog4j2.configurationFile=" + log4j,
            "-Dlog4j.configuration=" + log4j1.toUri(),
            "-Dkafka.logs.dir=" + home.resolve("logs-" + name),
            "-cp",
            libs.toAbsolutePath() + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(environment);
    Process process =
        builder
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve(name + ".log").toFile()))
            .start();
    OrphanGuard.killWithThisJvm(process);
    classData.publishWhenExited(process);
    return process;
  }

  private static Path log4jConfig(Path home) throws IOException {
    Path log4j = home.resolve("log4j2.properties");
    if (!Files.exists(log4j)) {
      Files.writeString(
          log4j,
          String.join(
              "\n",
              "rootLogger.level=INFO",
              "rootLogger.appenderRef.stdout.ref=STDOUT",
              "appender.stdout.type=Console",
              "appender.stdout.name=STDOUT",
              "appender.stdout.layout.type=PatternLayout",
              "appender.stdout.layout.pattern=[%d] %p %X{connector.context}%m (%c{1})%n",
              "logger.kafka.name=kafka",
              "logger.kafka.level=WARN",
              "logger.kafkaorg.name=org.apache.kafka",
              "logger.kafkaorg.level=WARN",
              "logger.connectruntime.name=org.apache.kafka.connect.runtime.Worker",
              "logger.connectruntime.level=INFO",
              "logger.ours.name=io.connectmqtt",
              "logger.ours.level=INFO",
              ""));
    }
    return log4j;
  }

  /** The last lines JVM {@code name} printed, for failure messages. */
  static String log(Path home, String name) {
    try {
      List<String> lines = Files.readAllLines(home.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  static void awaitPort(int port, Process process, String name, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited before listening on " + port);
        }
        // Polling: a process tells nothing when its port opens.
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(name + " did not listen on " + port + " within " + timeout);
  }

  /** SIGTERM, then SIGKILL after {@code seconds}; waits for the exit. */
  static void stop(Process process, int seconds) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** SIGKILL, and waits for the exit. */
  static void kill(Process process) {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
