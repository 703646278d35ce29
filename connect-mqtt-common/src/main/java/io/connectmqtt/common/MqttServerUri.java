package io.connectmqtt.common;

import java.net.URI;
import java.util.Locale;

/** One broker address from {@code mqtt.server.uris}: tcp://host:port or ssl://host:port. */
public record MqttServerUri(String host, int port, boolean tls) {

  public static MqttServerUri parse(String value) {
    String trimmed = value == null ? "" : value.trim();
    URI uri;
    try {
      uri = URI.create(trimmed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + trimmed + "' is not a URI; write tcp://host:1883 or ssl://host:8883");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean tls =
        switch (scheme) {
          case "tcp", "mqtt" -> false;
          case "ssl", "tls", "mqtts" -> true;
          default ->
              throw new IllegalArgumentException(
                  "'"
                      + trimmed
                      + "' has no supported scheme; write tcp://host:1883 or ssl://host:8883");
        };
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException(
          "'" + trimmed + "' names no host; write e.g. tcp://broker.example.com:1883");
    }
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 8883 : 1883;
    return new MqttServerUri(uri.getHost(), port, tls);
  }

  @Override
  public String toString() {
    return (tls ? "ssl://" : "tcp://") + host + ":" + port;
  }
}
