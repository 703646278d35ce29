package io.connectmqtt.demo;

import io.connectmqtt.testkit.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's {@code --name=value} options: its ports (the usual ones where free), duration, load
 * and dashboard.
 */
record DemoOptions(
    int mqttPort,
    int websocketPort,
    int kafkaPort,
    int connectPort,
    int httpPort,
    int metricsPort,
    int durationSeconds,
    int devicesPerSite,
    int ratePerDevice,
    String dashboard) {

  static DemoOptions parse(String[] args) {
    Map<String, String> values = new TreeMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException(
            "Unknown argument '" + arg + "'; use --name=value, e.g. --mqtt-port=1884");
      }
      values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    DemoOptions options =
        new DemoOptions(
            port(values.remove("mqtt-port"), 1883),
            port(values.remove("mqtt-ws-port"), 8000),
            port(values.remove("kafka-port"), 9092),
            port(values.remove("connect-port"), 8083),
            port(values.remove("http-port"), 8080),
            port(values.remove("metrics-port"), 9404),
            Integer.parseInt(values.getOrDefault("duration", "0")),
            Integer.parseInt(values.getOrDefault("devices-per-site", "3")),
            Integer.parseInt(values.getOrDefault("rate", "2")),
            values.getOrDefault("dashboard", "auto"));
    values.keySet().removeAll(List.of("duration", "devices-per-site", "rate", "dashboard"));
    if (!values.isEmpty()) {
      throw new IllegalArgumentException(
          "Unknown options "
              + values.keySet()
              + "; known: --mqtt-port, "
              + "--mqtt-ws-port, --kafka-port, --connect-port, --http-port, --metrics-port, --duration, "
              + "--devices-per-site, --rate, "
              + "--dashboard=auto|on|off");
    }
    if (!List.of("auto", "on", "off").contains(options.dashboard())) {
      throw new IllegalArgumentException(
          "--dashboard is auto, on or off, not '" + options.dashboard() + "'");
    }
    return options;
  }

  /** The requested port; by default the usual one, or a free one when that is taken. */
  static int port(String requested, int usual) {
    if (requested != null) {
      return Integer.parseInt(requested);
    }
    try (ServerSocket socket = new ServerSocket(usual, 1, InetAddress.getLoopbackAddress())) {
      return usual;
    } catch (IOException taken) {
      return Ports.free();
    }
  }
}
