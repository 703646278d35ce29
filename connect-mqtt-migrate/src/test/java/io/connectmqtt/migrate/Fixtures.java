package io.connectmqtt.migrate;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The peers' example configs under src/test/resources/peers (sources in peers/SOURCES.md). */
final class Fixtures {

  static final List<String> ALL =
      List.of(
          "stream-reactor-source.properties",
          "stream-reactor-sink.properties",
          "camel-mqtt5-source.properties",
          "camel-mqtt5-sink.properties",
          "confluent-source.json",
          "confluent-sink.json",
          "jovacon-source.json",
          "jovacon-sink.json");

  private Fixtures() {}

  static String text(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/peers/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Translation translate(String name) {
    Map<String, String> config = ConfigFile.parse(text(name));
    return PeerTranslator.translate(config);
  }
}
