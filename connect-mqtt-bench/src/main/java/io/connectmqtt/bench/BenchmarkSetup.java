package io.connectmqtt.bench;

import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every benchmark starts from: its command-line options and its Kafka and Connect JVMs. */
final class BenchmarkSetup {

  private BenchmarkSetup() {}

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
