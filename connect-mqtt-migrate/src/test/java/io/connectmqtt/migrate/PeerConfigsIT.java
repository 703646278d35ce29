package io.connectmqtt.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.sink.MqttSinkConnector;
import io.connectmqtt.source.MqttSourceConnector;
import io.connectmqtt.testkit.HiveMqBroker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every peer's documented example, translated, passes our connector's validate() against a live
 * broker (HiveMQ CE; the probe connects and subscribes), and names only keys that ours or Kafka
 * Connect define.
 */
class PeerConfigsIT {

  private static final List<String> CONNECT_PREFIXES =
      List.of(
          "key.converter.",
          "value.converter.",
          "header.converter.",
          "transforms.",
          "predicates.",
          "producer.override.",
          "consumer.override.",
          "topic.creation.",
          "errors.deadletterqueue.");

  private static HiveMqBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = HiveMqBroker.start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  static final List<String> FIXTURES = Fixtures.ALL;

  @ParameterizedTest
  @FieldSource("FIXTURES")
  void translatedExamplePassesOurValidate(String fixture) {
    Translation translation = Fixtures.translate(fixture);
    Map<String, String> config = new HashMap<>(translation.config());
    // The examples name their own hosts (mqtt, mosquitto, ...); only the broker address changes.
    assertThat(config).containsKey("mqtt.server.uris");
    config.put("mqtt.server.uris", broker.uri());

    boolean source = translation.direction() == Translation.Direction.SOURCE;
    Connector connector = source ? new MqttSourceConnector() : new MqttSinkConnector();
    assertThat(config.get("connector.class")).isEqualTo(connector.getClass().getName());

    assertThat(errors(connector, config))
        .as("validate() of %s translated: %s", fixture, config)
        .isEmpty();

    ConfigDef connect =
        source ? SourceConnectorConfig.configDef() : SinkConnectorConfig.configDef();
    Set<String> unknown = new TreeSet<>();
    for (String key : config.keySet()) {
      boolean known =
          connector.config().names().contains(key)
              || connect.names().contains(key)
              || CONNECT_PREFIXES.stream().anyMatch(key::startsWith);
      if (!known) {
        unknown.add(key);
      }
    }
    assertThat(unknown).as("keys neither ours nor Kafka Connect's in %s", fixture).isEmpty();
  }

  @Test
  void aSharedKcqlSourceValidatesOnlyAsTranslated() {
    Translation translation =
        PeerTranslator.translate(
            Map.of(
                "connector.class",
                "io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector",
                "name",
                "shared",
                "tasks.max",
                "2",
                "connect.mqtt.hosts",
                broker.uri(),
                "connect.mqtt.kcql",
                "INSERT INTO `$` SELECT * FROM $share/connect/plant/+/temp"));
    Map<String, String> config = new HashMap<>(translation.config());
    assertThat(config)
        .containsEntry("mqtt.topics", "plant/+/temp")
        .containsEntry("kafka.topic", "${1}_${2}_${3}");
    assertThat(errors(new MqttSourceConnector(), config)).isEmpty();
    // The check has teeth: the KCQL source taken literally is refused by the same validate().
    config.put("mqtt.topics", "$share/connect/plant/+/temp");
    assertThat(errors(new MqttSourceConnector(), config)).containsOnlyKeys("mqtt.topics");
  }

  private static Map<String, List<String>> errors(Connector connector, Map<String, String> config) {
    Map<String, List<String>> errors = new HashMap<>();
    for (ConfigValue value : connector.validate(config).configValues()) {
      if (!value.errorMessages().isEmpty()) {
        errors.put(value.name(), value.errorMessages());
      }
    }
    return errors;
  }
}
