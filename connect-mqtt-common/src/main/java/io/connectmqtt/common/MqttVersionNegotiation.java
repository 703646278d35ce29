package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnection.MqttConnectFailedException;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code mqtt.version=auto}: which version the broker speaks, asked with probe connections. */
final class MqttVersionNegotiation {

  private static final Logger log = LoggerFactory.getLogger(MqttVersionNegotiation.class);

  private MqttVersionNegotiation() {}

  /**
   * The settings with {@code mqtt.version=auto} resolved by asking the broker: MQTT 5 when it
   * answers an MQTT 5 CONNECT (a refusal in MQTT 5 proves that too), else MQTT 3.1.1 when it
   * answers that (RabbitMQ 3.x closes the connection, Aedes and Moquette 0.17 answer with an MQTT 3
   * CONNACK). A broker that cannot be reached now leaves MQTT 5; should it turn out to speak only
   * 3.1.1, the task fails with the remedy. The probes use a clean session under their own client
   * id, so the task's persistent session is not touched.
   */
  static MqttConnectionSettings negotiate(MqttConnectionSettings settings) {
    if (settings.version() != MqttProtocolVersion.AUTO) {
      return settings;
    }
    MqttConnectionSettings probe =
        settings.withClientId(settings.clientId() + "-version-probe").withCleanStart(true, 0);
    Throwable mqtt5 = probeFailure(probe.withVersion(MqttProtocolVersion.MQTT_5));
    if (mqtt5 == null || MqttConnectErrors.answeredWithConnAck(mqtt5)) {
      log.info("MQTT client {}: the broker speaks MQTT 5", settings.clientId());
      return settings.withVersion(MqttProtocolVersion.MQTT_5);
    }
    if (!MqttConnectErrors.unreachable(mqtt5)) {
      Throwable mqtt3 = probeFailure(probe.withVersion(MqttProtocolVersion.MQTT_3_1_1));
      if (mqtt3 == null || MqttConnectErrors.answeredWithConnAck(mqtt3)) {
        log.info(
            "MQTT client {}: the broker does not speak MQTT 5 ({}); using MQTT 3.1.1, without MQTT 5 properties",
            settings.clientId(),
            mqtt5.getMessage());
        return settings.withVersion(MqttProtocolVersion.MQTT_3_1_1);
      }
    }
    log.warn(
        "MQTT client {}: could not ask the broker which MQTT version it speaks ({}); trying MQTT 5",
        settings.clientId(),
        mqtt5.getMessage());
    return settings.withVersion(MqttProtocolVersion.MQTT_5);
  }

  private static Throwable probeFailure(MqttConnectionSettings settings) {
    try (MqttConnection probe = HiveMqConnection.FACTORY.probe(settings)) {
      probe.connectOrThrow();
      return null;
    } catch (MqttConnectFailedException e) {
      return e.getCause() == null ? e : e.getCause();
    }
  }
}
