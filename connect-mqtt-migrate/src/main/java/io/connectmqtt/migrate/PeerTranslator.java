package io.connectmqtt.migrate;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Translates the config of one peer's MQTT connectors (source and sink) to ours. */
interface PeerTranslator {

  /** The peer's name as users know it, for reports. */
  String peer();

  /**
   * Which of our connectors this peer connector class becomes; empty when the class is not this
   * peer's.
   */
  Optional<Translation.Direction> direction(String connectorClass);

  /**
   * Fills {@code translation} from the peer's keys; {@link Translation#finish} reports the rest.
   */
  void translate(Translation translation);

  List<PeerTranslator> ALL =
      List.of(
          new StreamReactorTranslator(),
          new CamelTranslator(),
          new ConfluentTranslator(),
          new JovaconTranslator());

  /**
   * Translates a whole peer config; throws IllegalArgumentException when no translator knows its
   * class.
   */
  static Translation translate(Map<String, String> config) {
    String connectorClass = config.get("connector.class");
    if (connectorClass == null || connectorClass.isBlank()) {
      throw new IllegalArgumentException(
          "the config has no connector.class, so its connector is unknown");
    }
    for (PeerTranslator translator : ALL) {
      Optional<Translation.Direction> direction = translator.direction(connectorClass.trim());
      if (direction.isPresent()) {
        Translation translation = new Translation(translator.peer(), direction.get(), config);
        translator.translate(translation);
        return translation.finish();
      }
    }
    throw new IllegalArgumentException(
        "connector.class "
            + connectorClass
            + " is none of the connectors this "
            + "command translates (stream-reactor, Camel mqtt5/mqtt, Confluent, jovacon MQTT source and sink)");
  }
}
