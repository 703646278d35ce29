package io.connectmqtt.source;

import io.connectmqtt.common.ConfigDocs;
import io.connectmqtt.testkit.ConfigReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/connect-mqtt-source-config.md is generated from the ConfigDef; this test keeps the committed
 * file in sync.
 */
class ConfigReferenceTest {

  static final Path REFERENCE = Path.of("../docs/connect-mqtt-source-config.md");

  @Test
  void committedReferenceMatchesTheConfigDef() {
    ConfigReference.assertCommitted(
        REFERENCE,
        ConfigDocs.markdown(
            "MQTT source connector configuration",
            "Keys of `io.connectmqtt.source.MqttSourceConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
                + "converters, `transforms`, `errors.tolerance`, `producer.override.*`, `topic.creation.*`). "
                + "See [the connector guide](connect-mqtt-source.md) for how they work together.",
            MqttSourceConfig.configDef()));
  }
}
