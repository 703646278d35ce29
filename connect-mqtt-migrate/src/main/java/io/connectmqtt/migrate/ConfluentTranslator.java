package io.connectmqtt.migrate;

import io.connectmqtt.migrate.Translation.Direction;
import java.util.Optional;

/**
 * Confluent's MQTT source and sink ({@code io.confluent.connect.mqtt.*}), keys from Confluent's
 * configuration references of both.
 */
final class ConfluentTranslator implements PeerTranslator {

  @Override
  public String peer() {
    return "Confluent MQTT";
  }

  @Override
  public Optional<Direction> direction(String connectorClass) {
    return switch (connectorClass) {
      case "io.confluent.connect.mqtt.MqttSourceConnector" -> Optional.of(Direction.SOURCE);
      case "io.confluent.connect.mqtt.MqttSinkConnector" -> Optional.of(Direction.SINK);
      default -> Optional.empty();
    };
  }

  @Override
  public void translate(Translation t) {
    t.serverUris("mqtt.server.uri");
    t.username("mqtt.username");
    t.password("mqtt.password");
    t.cleanSession("mqtt.clean.session.enabled");
    t.connectTimeoutSeconds("mqtt.connect.timeout.seconds");
    t.keepAliveSeconds("mqtt.keepalive.interval.seconds");
    javaStore(t, "mqtt.ssl.trust.store.path", "mqtt.ssl.trust.store.password", "truststore");
    javaStore(t, "mqtt.ssl.key.store.path", "mqtt.ssl.key.store.password", "keystore");
    t.rename("mqtt.ssl.key.password", "mqtt.ssl.key.password");
    if (t.take("mqtt.qos") == null) {
      t.note(
          "Confluent's mqtt.qos defaults to 0; ours to 1 (messages acknowledged and redelivered)");
    }
    t.qos("mqtt.qos", "mqtt.qos");
    if (t.direction() == Direction.SOURCE) {
      t.rename("mqtt.topics", "mqtt.topics");
      t.rename("kafka.topic", "kafka.topic");
    } else {
      t.rename("mqtt.retained.messages", "mqtt.retain");
      // Confluent's sink publishes to the MQTT topic named like the record's Kafka topic.
      t.put("mqtt.topic", "${topic}");
    }
    for (String key : t.remainingWithPrefix("confluent.")) {
      t.untranslated(
          key, "the license settings of Confluent's commercial connector; ours needs no license");
    }
  }

  /** A Java key or trust store file (JKS) and its password. */
  private static void javaStore(Translation t, String pathKey, String passwordKey, String ours) {
    String path = t.take(pathKey);
    if (path != null) {
      t.put("mqtt.ssl." + ours + ".location", path);
      t.put(
          "mqtt.ssl." + ours + ".type",
          path.endsWith(".p12") || path.endsWith(".pfx") ? "PKCS12" : "JKS");
    }
    t.rename(passwordKey, "mqtt.ssl." + ours + ".password");
  }
}
