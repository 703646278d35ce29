package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The Kafka Connect versions our plugins are tested in (docs/compatibility.md), each a worker
 * classpath the build lays out from Maven Central:
 * connect-mqtt-connect-dists/connect-X.Y/target/libs, and for the build's own Kafka
 * connect-mqtt-kafka-dist/target/libs.
 */
public enum ConnectVersion {
  V3_6("3.6"),
  V3_7("3.7"),
  V3_9("3.9"),
  V4_0("4.0"),
  V4_1("4.1");

  private final String minor;

  ConnectVersion(String minor) {
    this.minor = minor;
  }

  public String minor() {
    return minor;
  }

  /**
   * The worker's libs, or empty when the build has not laid them out (e.g. Maven Central was
   * unreachable).
   */
  public Optional<Path> libs() {
    Path libs =
        this == V4_1
            ? ProjectLayout.root().resolve("connect-mqtt-kafka-dist/target/libs")
            : ProjectLayout.root()
                .resolve("connect-mqtt-connect-dists/connect-" + minor + "/target/libs");
    return runtimeJar(libs).isPresent() ? Optional.of(libs) : Optional.empty();
  }

  /** The exact Kafka version, read from the connect-runtime jar in {@link #libs()}, e.g. 3.6.2. */
  public String exactVersion() {
    Path jar =
        libs()
            .flatMap(ConnectVersion::runtimeJar)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "no Connect " + minor + " libs; build connect-mqtt-connect-dists"));
    String name = jar.getFileName().toString();
    return name.substring("connect-runtime-".length(), name.length() - ".jar".length());
  }

  /**
   * plugin.discovery=service_load where the worker has the key (KIP-898, Kafka 3.6+): workers start
   * much faster and only plugins with complete service manifests load. Null below 3.6: the worker
   * scans plugin.path the classic way.
   */
  public String pluginDiscovery() {
    String[] parts = minor.split("\\.");
    int major = Integer.parseInt(parts[0]);
    return major > 3 || Integer.parseInt(parts[1]) >= 6 ? "service_load" : null;
  }

  /**
   * Writes (once) and returns log4j.properties beside {@code log4j2Properties}, with its root
   * level, logger levels and pattern: Kafka 3.x workers log through reload4j (log4j 1), which
   * ignores log4j 2 files.
   */
  static Path log4j1Config(Path log4j2Properties) throws IOException {
    Path file = log4j2Properties.resolveSibling("log4j.properties");
    if (Files.exists(file)) {
      return file;
    }
    Properties log4j2 = new Properties();
    try (var in = Files.newBufferedReader(log4j2Properties)) {
      log4j2.load(in);
    }
    List<String> lines =
        new ArrayList<>(
            List.of(
                "log4j.rootLogger=" + log4j2.getProperty("rootLogger.level") + ", stdout",
                "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.stdout.layout.ConversionPattern="
                    + log4j2.getProperty("appender.stdout.layout.pattern")));
    for (String key : log4j2.stringPropertyNames()) {
      if (key.startsWith("logger.") && key.endsWith(".name")) {
        String id = key.substring(0, key.length() - ".name".length());
        lines.add(
            "log4j.logger." + log4j2.getProperty(key) + "=" + log4j2.getProperty(id + ".level"));
      }
    }
    Files.write(file, lines);
    return file;
  }

  private static Optional<Path> runtimeJar(Path libs) {
    if (!Files.isDirectory(libs)) {
      return Optional.empty();
    }
    try (Stream<Path> jars = Files.list(libs)) {
      return jars.filter(j -> j.getFileName().toString().matches("connect-runtime-[0-9.]+\\.jar"))
          .findFirst();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
