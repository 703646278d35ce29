package io.connectmqtt.bench;

import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** What every benchmark starts from: its command-line options and its Kafka and Connect JVMs. */
final class BenchmarkSetup {

  private BenchmarkSetup() {}

  /** A benchmark made from its options, ready to measure and write its report. */
  @FunctionalInterface
  interface Run {
    /** Measures and writes the report into {@code reportFile}; {@code arguments} as typed. */
    void writeReport(Path reportFile, String arguments) throws Exception;
  }

  /**
   * The main method of a benchmark: {@code benchmark} made from the {@code --name=value} {@code
   * args} writes its report into {@code --out} (default {@code defaultReport}); then the JVM exits,
   * so that no thread left running keeps it alive.
   */
  static void runAndExit(
      String[] args, String defaultReport, Function<Map<String, String>, Run> benchmark)
      throws Exception {
    Map<String, String> options = options(args);
    benchmark
        .apply(options)
        .writeReport(Path.of(options.getOrDefault("out", defaultReport)), String.join(" ", args));
    System.exit(0);
  }

  /** A benchmark's {@code --name=value} arguments, in order. */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("options are --name=value: " + arg);
      }
      options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return options;
  }

  /**
   * The options named {@code prefix...} without the prefix, in order, e.g. {@code
   * --connector.mqtt.qos=0} for the connector's config.
   */
  static Map<String, String> prefixed(Map<String, String> options, String prefix) {
    Map<String, String> prefixed = new LinkedHashMap<>();
    options.forEach(
        (key, value) -> {
          if (key.startsWith(prefix)) {
            prefixed.put(key.substring(prefix.length()), value);
          }
        });
    return prefixed;
  }

  /**
   * Kafka and one Connect worker (1 GB heap) as separate JVMs on free ports, with the plugin
   * directory of {@code pluginModule} (e.g. connect-mqtt-source) on plugin.path.
   */
  static ProcessStack stack(String pluginModule) {
    return ProcessStack.start(
        List.of(ProjectLayout.pluginDirectory(pluginModule)),
        Map.of(),
        Ports.free(),
        Ports.free(),
        "1g");
  }
}
