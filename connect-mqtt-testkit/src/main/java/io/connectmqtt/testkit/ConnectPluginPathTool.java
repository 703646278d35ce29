package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Kafka's own plugin verification tool, {@code org.apache.kafka.tools.ConnectPluginPath list
 * --plugin-location DIR} (connect-plugin-path.sh, KIP-898, in kafka-tools since 3.6), run in its
 * own JVM from a Connect version's libs.
 */
public final class ConnectPluginPathTool {
  private ConnectPluginPathTool() {}

  /** One row of the tool's table: a plugin class it found and what it says about it. */
  public record Row(
      String pluginName,
      String pluginType,
      String pluginVersion,
      boolean loadable,
      boolean hasManifest,
      Path pluginLocation) {}

  /**
   * Runs {@code list} once over plugin directories (e.g. target/plugin/connect-mqtt-source, each a
   * {@code --plugin-location}) with the tool of the Connect version in {@code libs}, and parses its
   * table.
   */
  public static List<Row> list(Path libs, List<Path> pluginLocations) {
    Path output = ProjectLayout.scratch("connect-plugin-path-").resolve("output.txt");
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    try {
      List<String> command =
          new ArrayList<>(
              List.of(
                  javaBin.toString(),
                  "-Xmx256m",
                  // Quiet loggers of both generations: only the table goes to stdout.
                  "-Dlog4j.configuration=file:/dev/null",
                  "-Dlog4j2.level=OFF",
                  "-cp",
                  libs.toAbsolutePath() + "/*",
                  "org.apache.kafka.tools.ConnectPluginPath",
                  "list"));
      command.addAll(1, KafkaJvm.testJvmOptions());
      pluginLocations.forEach(
          location ->
              command.addAll(List.of("--plugin-location", location.toAbsolutePath().toString())));
      Process tool =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      // A bound for a hung tool, not for a slow one: it scans every class of the three archives
      // (16 s of CPU, 9.5 s alone on two cores), and beside four other rows' tools and workers and
      // another module's ITs it was still at it after 180 s once.
      if (!tool.waitFor(600, TimeUnit.SECONDS)) {
        tool.destroyForcibly();
        throw new IllegalStateException("ConnectPluginPath did not finish within 600 s");
      }
      List<String> lines = Files.readAllLines(output);
      if (tool.exitValue() != 0) {
        throw new IllegalStateException(
            "ConnectPluginPath exited with " + tool.exitValue() + ": " + lines);
      }
      return parse(lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The table's columns are named in its header line; rows follow until the first blank line. */
  static List<Row> parse(List<String> lines) {
    int header = 0;
    while (header < lines.size() && !lines.get(header).startsWith("pluginName\t")) {
      header++;
    }
    if (header == lines.size()) {
      throw new IllegalStateException("no table in ConnectPluginPath output: " + lines);
    }
    List<String> columns = List.of(lines.get(header).split("\t"));
    List<Row> rows = new ArrayList<>();
    for (String line : lines.subList(header + 1, lines.size())) {
      if (line.isBlank()) {
        break;
      }
      String[] cells = line.split("\t");
      rows.add(
          new Row(
              cells[columns.indexOf("pluginName")],
              cells[columns.indexOf("pluginType")],
              cells[columns.indexOf("pluginVersion")],
              Boolean.parseBoolean(cells[columns.indexOf("isLoadable")]),
              Boolean.parseBoolean(cells[columns.indexOf("hasManifest")]),
              Path.of(cells[columns.indexOf("pluginLocation")])));
    }
    return rows;
  }
}
