package io.connectmqtt.migrate;

import io.connectmqtt.migrate.Translation.Direction;
import java.util.List;
import java.util.Optional;

/**
 * Apache Camel Kafka Connector's MQTT connectors: the Kamelet-based ones of 3.x/4.x ({@code
 * camel.kamelet.mqtt5-source.*}, {@code camel.kamelet.mqtt-source.*} and the sinks) and the
 * endpoint options of the older releases ({@code camel.source.path.topic}, {@code
 * camel.source.endpoint.*}, {@code camel.component.paho-mqtt5.*}). Options from the Kamelets' and
 * the paho-mqtt5 component's documentation.
 */
final class CamelTranslator implements PeerTranslator {

  @Override
  public String peer() {
    return "Apache Camel MQTT";
  }

  @Override
  public Optional<Direction> direction(String connectorClass) {
    if (!connectorClass.startsWith("org.apache.camel.kafkaconnector.")
        || !connectorClass.contains("mqtt")) {
      return Optional.empty();
    }
    return Optional.of(
        connectorClass.endsWith("SinkConnector") ? Direction.SINK : Direction.SOURCE);
  }

  @Override
  public void translate(Translation t) {
    String side = t.direction() == Direction.SOURCE ? "source" : "sink";
    for (String kamelet :
        List.of("camel.kamelet.mqtt5-" + side + ".", "camel.kamelet.mqtt-" + side + ".")) {
      option(t, kamelet);
    }
    t.rename(
        "camel." + side + ".path.topic",
        t.direction() == Direction.SOURCE ? "mqtt.topics" : "mqtt.topic");
    for (String prefix :
        List.of(
            "camel." + side + ".endpoint.",
            "camel.component.paho-mqtt5.",
            "camel.component.paho.")) {
      option(t, prefix);
    }
    if (t.direction() == Direction.SOURCE) {
      // A Camel source writes each message to every topic listed in 'topics'.
      String topics = t.take("topics");
      if (topics != null && topics.contains(",")) {
        t.untranslated(
            "topics",
            "Camel writes each message to every topic in '"
                + topics
                + "'; ours writes it "
                + "to one topic (kafka.topic, kafka.topic.rules); copy it on with a stream or a second connector");
      } else if (topics != null) {
        t.put("kafka.topic", topics);
      }
    }
    for (String key : t.remainingWithPrefix("camel.")) {
      t.untranslated(
          key, "a Camel route or runtime option; ours runs no Camel route and has no counterpart");
    }
    t.note(
        "Camel's paho clients default to QoS 2 and a clean session; ours subscribes or publishes at mqtt.qos=1 "
            + "with a persistent session unless you set them");
  }

  /** The MQTT options a Kamelet, an endpoint or the component may set, under {@code prefix}. */
  private static void option(Translation t, String prefix) {
    boolean source = t.direction() == Direction.SOURCE;
    t.serverUris(prefix + "brokerUrl");
    t.serverUris(prefix + "serverURIs");
    t.rename(prefix + "topic", source ? "mqtt.topics" : "mqtt.topic");
    t.clientIdPrefix(prefix + "clientId");
    t.username(prefix + "username");
    t.username(prefix + "userName");
    t.password(prefix + "password");
    t.qos(prefix + "qos", "mqtt.qos");
    t.cleanSession(prefix + "cleanStart");
    t.cleanSession(prefix + "cleanSession");
    t.keepAliveSeconds(prefix + "keepAliveInterval");
    t.connectTimeoutSeconds(prefix + "connectionTimeout");
    t.number(prefix + "sessionExpiryInterval", "mqtt.session.expiry.seconds", 0, 4_294_967_295L);
    if (!source) {
      t.rename(prefix + "retained", "mqtt.retain");
    }
    t.untranslatedIfSet(
        prefix + "automaticReconnect",
        "ours always reconnects, with backoff "
            + "(mqtt.reconnect.backoff.initial.ms, mqtt.reconnect.backoff.max.ms)");
    t.number(prefix + "maxReconnectDelay", "mqtt.reconnect.backoff.max.ms", 10, 3_600_000);
  }
}
