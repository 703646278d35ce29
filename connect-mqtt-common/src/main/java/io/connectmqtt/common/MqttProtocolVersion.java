package io.connectmqtt.common;

/**
 * The {@code mqtt.version} setting: a protocol version, or {@link #AUTO} until the broker was
 * asked.
 */
public enum MqttProtocolVersion {
  AUTO(MqttConnectionConfig.VERSION_AUTO),
  MQTT_5(MqttConnectionConfig.VERSION_5),
  MQTT_3_1_1(MqttConnectionConfig.VERSION_3_1_1);

  private final String configValue;

  MqttProtocolVersion(String configValue) {
    this.configValue = configValue;
  }

  public static MqttProtocolVersion of(String configValue) {
    for (MqttProtocolVersion version : values()) {
      if (version.configValue.equalsIgnoreCase(configValue.trim())) {
        return version;
      }
    }
    throw new IllegalArgumentException("Unknown MQTT version '" + configValue + "'");
  }

  @Override
  public String toString() {
    return this == AUTO ? "auto" : "MQTT " + configValue;
  }
}
