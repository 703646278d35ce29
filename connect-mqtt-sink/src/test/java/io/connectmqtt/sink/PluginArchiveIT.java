package io.connectmqtt.sink;

import io.connectmqtt.testkit.PluginArchives;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built archives: Confluent Hub layout, service entries, and nothing from Kafka or the test
 * stack inside.
 */
class PluginArchiveIT {

  @Test
  void archivesAreWellFormed() {
    // The entity-notify sink ships with entity sync: only the MQTT sink here.
    PluginArchives.assertWellFormed(
        "connect-mqtt-sink", "sink", List.of(MqttSinkConnector.class.getName()));
  }
}
