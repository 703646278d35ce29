package io.connectmqtt.migrate;

import io.connectmqtt.migrate.Translation.Direction;
import java.util.Optional;

/**
 * Johan Vandevenne's kafka-connect-mqtt (github.com/johanvandevenne/kafka-connect-mqtt, classes
 * {@code be.jovacon.kafka.connect.MQTTSourceConnector}/{@code MQTTSinkConnector}, earlier {@code
 * nl.nedcar...}), keys from its MQTTSourceConnectorConfig and MQTTSinkConnectorConfig (the README
 * spells mqtt.userName as mqtt.username; both are read).
 */
final class JovaconTranslator implements PeerTranslator {

  @Override
  public String peer() {
    return "jovacon kafka-connect-mqtt";
  }

  @Override
  public Optional<Direction> direction(String connectorClass) {
    String simpleName = connectorClass.substring(connectorClass.lastIndexOf('.') + 1);
    boolean ours =
        connectorClass.equals(simpleName)
            || connectorClass.startsWith("be.jovacon.")
            || connectorClass.startsWith("nl.nedcar.");
    if (!ours) {
      return Optional.empty();
    }
    return switch (simpleName) {
      case "MQTTSourceConnector" -> Optional.of(Direction.SOURCE);
      case "MQTTSinkConnector" -> Optional.of(Direction.SINK);
      default -> Optional.empty();
    };
  }

  @Override
  public void translate(Translation t) {
    t.serverUris("mqtt.broker");
    t.clientIdPrefix("mqtt.clientID");
    t.username("mqtt.userName");
    t.username("mqtt.username");
    t.password("mqtt.password");
    t.qos("mqtt.qos", "mqtt.qos");
    t.untranslatedIfSet(
        "mqtt.automaticReconnect",
        "ours always reconnects, with backoff "
            + "(mqtt.reconnect.backoff.initial.ms, mqtt.reconnect.backoff.max.ms)");
    t.keepAliveSeconds("mqtt.keepAliveInterval");
    t.cleanSession("mqtt.cleanSession");
    t.connectTimeoutSeconds("mqtt.connectionTimeout");
    t.pemTls("mqtt.ssl.caCert", "mqtt.ssl.clientCert", "mqtt.ssl.clientKey");
    String tls = t.take("mqtt.ssl.tlsVersion");
    if (tls != null) {
      t.put("mqtt.ssl.protocols", tls.replaceAll("(?i)^tlsv", "TLSv"));
    }
    if (t.direction() == Direction.SOURCE) {
      t.rename("mqtt.topic", "mqtt.topics");
      t.rename("kafka.topic", "kafka.topic");
      // jovacon writes the payload as a string record value (Schema.STRING) keyed by the MQTT
      // topic.
      t.put("record.value.format", "string");
    } else {
      t.rename("mqtt.topic", "mqtt.topic");
    }
  }
}
