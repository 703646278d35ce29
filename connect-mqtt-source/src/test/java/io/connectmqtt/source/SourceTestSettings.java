package io.connectmqtt.source;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttProtocolVersion;
import java.util.HashMap;
import java.util.Map;

/** A source configuration for unit tests: a fake broker, filter sensors/#, Kafka topic mqtt-in. */
final class SourceTestSettings {

  private SourceTestSettings() {}

  static MqttSourceConfig config(Map<String, String> extra) {
    Map<String, String> props = new HashMap<>();
    props.put(MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://fake-broker:1883");
    props.put(SubscriptionConfig.TOPICS_CONFIG, "sensors/#");
    props.put(RecordMappingConfig.KAFKA_TOPIC_CONFIG, "mqtt-in");
    props.putAll(extra);
    return new MqttSourceConfig(props);
  }

  /** The MQTT settings of client {@code clientId} on the fake broker, speaking {@code version}. */
  static MqttConnectionSettings settings(String clientId, MqttProtocolVersion version) {
    return MqttConnectionConfig.settings(config(Map.of()), clientId).withVersion(version);
  }
}
