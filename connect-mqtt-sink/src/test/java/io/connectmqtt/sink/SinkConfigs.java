package io.connectmqtt.sink;

import java.util.HashMap;
import java.util.Map;

/**
 * The sink connector configurations the ITs start from, as mutable maps a test adds its own keys
 * to: the keys every test sets are written here once.
 */
final class SinkConfigs {

  static final String BYTES_CONVERTER = "org.apache.kafka.connect.converters.ByteArrayConverter";

  private SinkConfigs() {}

  /**
   * One task reading {@code topics} from the earliest offset, with string keys and schemaless JSON
   * values, publishing to {@code template} (none where null: Sparkplug names its own topics).
   */
  static Map<String, String> json(String topics, String brokerUri, String template) {
    Map<String, String> config =
        new HashMap<>(
            Map.of(
                "connector.class", MqttSinkConnector.class.getName(),
                "tasks.max", "1",
                "topics", topics,
                "mqtt.server.uris", brokerUri,
                "key.converter", "org.apache.kafka.connect.storage.StringConverter",
                "value.converter", "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable", "false",
                "consumer.override.auto.offset.reset", "earliest"));
    if (template != null) {
      config.put("mqtt.topic", template);
    }
    return config;
  }

  /** {@link #json} with the record values' bytes as the payloads. */
  static Map<String, String> bytes(String topics, String brokerUri, String template) {
    Map<String, String> config = json(topics, brokerUri, template);
    config.put("value.converter", BYTES_CONVERTER);
    config.remove("value.converter.schemas.enable");
    return config;
  }
}
