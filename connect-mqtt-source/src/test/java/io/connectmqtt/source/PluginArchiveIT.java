package io.connectmqtt.source;

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
    PluginArchives.assertWellFormed(
        "connect-mqtt-source", "source", List.of(MqttSourceConnector.class.getName()));
  }
}
