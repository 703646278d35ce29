package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;

/**
 * Where tasks get their {@link MqttConnection}s: {@link #HIVEMQ} in production; unit tests hand a
 * task a fake one (the test jar's {@code FakeMqttConnection.Factory}).
 */
public interface MqttConnectionFactory {

  /** Connections over the HiveMQ client, MQTT 5 or 3.1.1. */
  MqttConnectionFactory HIVEMQ = HiveMqConnection.FACTORY;

  /**
   * A connection that is not yet connected and reconnects whenever it loses the broker; {@code
   * receiveMaximum} bounds the unacknowledged QoS 1/2 messages the broker may send at once (MQTT
   * 5). With {@code mqtt.version=auto} the broker is asked first which version it speaks ({@link
   * #negotiate}).
   */
  MqttConnection create(MqttConnectionSettings settings, int receiveMaximum);

  /** A connection for one connection attempt that never reconnects: for validation probes. */
  MqttConnection probe(MqttConnectionSettings settings);

  /**
   * The settings with {@code mqtt.version=auto} resolved by asking the broker which version it
   * speaks; other settings as they are.
   */
  MqttConnectionSettings negotiate(MqttConnectionSettings settings);
}
