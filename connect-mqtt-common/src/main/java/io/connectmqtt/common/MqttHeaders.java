package io.connectmqtt.common;

/**
 * Kafka record header names for MQTT metadata. The source writes them, the sink reads the same
 * names back, so that MQTT to Kafka to MQTT keeps a message's properties.
 */
public final class MqttHeaders {
  public static final String TOPIC = "mqtt.topic";
  public static final String QOS = "mqtt.qos";
  public static final String RETAIN = "mqtt.retain";
  public static final String DUP = "mqtt.dup";
  public static final String MESSAGE_ID = "mqtt.message.id";
  public static final String CONTENT_TYPE = "mqtt.content.type";
  public static final String RESPONSE_TOPIC = "mqtt.response.topic";
  public static final String CORRELATION_DATA = "mqtt.correlation.data";
  public static final String PAYLOAD_FORMAT = "mqtt.payload.format";
  public static final String MESSAGE_EXPIRY = "mqtt.message.expiry";
  public static final String USER_PROPERTY_PREFIX = "mqtt.user.";
  public static final String SOURCE = "source";
  public static final String SOURCE_VALUE = "mqtt";

  /** Values of {@link #PAYLOAD_FORMAT}. */
  public static final String PAYLOAD_FORMAT_UTF8 = "utf-8";

  public static final String PAYLOAD_FORMAT_BYTES = "bytes";

  private MqttHeaders() {}
}
