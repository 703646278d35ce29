package io.connectmqtt.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the build puts what the stacks need: Kafka's libs, the built plugin directories, scratch
 * space.
 */
public final class ProjectLayout {
  private ProjectLayout() {}

  /** The reactor root: the first directory upwards from the working directory that holds mvnw. */
  public static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "Run from inside the connect-mqtt checkout (no mvnw found upwards)");
    }
    return dir;
  }

  /** Kafka's own libs/, rebuilt from Maven Central by the connect-mqtt-kafka-dist module. */
  public static Path kafkaLibs() {
    Path libs = root().resolve("connect-mqtt-kafka-dist/target/libs");
    if (!Files.isDirectory(libs)) {
      throw new IllegalStateException(
          libs + " is missing; build first: ./mvnw -DskipTests package");
    }
    return libs;
  }

  /** The directory to put on plugin.path for a module, e.g. connect-mqtt-source/target/plugin. */
  public static Path pluginDirectory(String module) {
    Path plugin = root().resolve(module).resolve("target/plugin");
    if (!Files.isDirectory(plugin.resolve(module).resolve("lib"))) {
      throw new IllegalStateException(
          plugin + " has no built plugin; build first: ./mvnw -DskipTests package");
    }
    return plugin;
  }

  /**
   * Debezium's PostgreSQL connector as a plugin directory, from the connect-mqtt-debezium-dist
   * module.
   */
  public static Path debeziumPluginDirectory() {
    return thirdPartyPluginDirectory("connect-mqtt-debezium-dist", "debezium-connector-postgres");
  }

  /**
   * Debezium's JDBC sink connector as a plugin directory, from the connect-mqtt-debezium-jdbc-dist
   * module.
   */
  public static Path debeziumJdbcPluginDirectory() {
    return thirdPartyPluginDirectory("connect-mqtt-debezium-jdbc-dist", "debezium-connector-jdbc");
  }

  /** The plugin.path entry of a third-party plugin the parent pom's third-party-plugin lays out. */
  private static Path thirdPartyPluginDirectory(String module, String plugin) {
    Path directory = root().resolve(module).resolve("target/plugin");
    if (!Files.isDirectory(directory.resolve(plugin))) {
      throw new IllegalStateException(
          directory + " is missing; build first: ./mvnw -DskipTests package");
    }
    return directory;
  }

  /** A fresh scratch directory under java.io.tmpdir (the build points that into target/). */
  public static Path scratch(String prefix) {
    try {
      Path base = Path.of(System.getProperty("java.io.tmpdir"));
      Files.createDirectories(base);
      return Files.createTempDirectory(base, prefix);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
