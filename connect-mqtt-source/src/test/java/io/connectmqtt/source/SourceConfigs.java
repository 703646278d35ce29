package io.connectmqtt.source;

import java.util.HashMap;
import java.util.Map;

/**
 * The source connector configurations the ITs start from, as mutable maps a test adds its own keys
 * to: the keys every test sets are written here once.
 */
final class SourceConfigs {

  static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";
  static final String BYTES_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";
  static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";

  private SourceConfigs() {}

  /** The connector class, one task, the broker and the topic filters. */
  static Map<String, String> source(String brokerUri, String topics) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSourceConnector.class.getName());
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", brokerUri);
    config.put("mqtt.topics", topics);
    return config;
  }

  /**
   * {@link #source} at {@code qos} into {@code kafkaTopic}, with the MQTT topic as a string key and
   * the payload bytes as the value.
   */
  static Map<String, String> bytes(String brokerUri, String topics, String qos, String kafkaTopic) {
    Map<String, String> config = source(brokerUri, topics);
    config.put("mqtt.qos", qos);
    config.put("kafka.topic", kafkaTopic);
    config.put("key.converter", STRING_CONVERTER);
    config.put("value.converter", BYTES_CONVERTER);
    return config;
  }

  /** {@link #bytes} at QoS 2 with MQTT {@code version} ("5" or "3.1.1"). */
  static Map<String, String> versioned(
      String brokerUri, String version, String topics, String kafkaTopic) {
    Map<String, String> config = bytes(brokerUri, topics, "2", kafkaTopic);
    config.put("mqtt.version", version);
    return config;
  }
}
