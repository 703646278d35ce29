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
   * The main method of a benchmark: {@code benchmark} made from its options ({@link #options}) in
   * {@code args} writes its report into {@code --out} (default {@code defaultReport}); then the JVM
   * exits, so that no thread left running keeps it alive.
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

  /**
   * A benchmark's options, in order, each {@code --name=value} or {@code --name value}; anything
   * else (a value without a name, a name without a value) is refused naming both forms.
   */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int equals = arg.indexOf('=');
      if (!arg.startsWith("--") || arg.length() == 2 || equals == 2) {
        throw new IllegalArgumentException(
            "expected an option --name=value or --name value, got '" + arg + "'");
      }
      if (equals > 0) {
        options.put(arg.substring(2, equals), arg.substring(equals + 1));
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        options.put(arg.substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException(
            "option " + arg + " has no value: write " + arg + "=value or " + arg + " value");
      }
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
