package io.connectmqtt.sink;

import io.connectmqtt.common.ConfigDocs;
import io.connectmqtt.testkit.ConfigReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/connect-mqtt-sink-config.md is generated from the ConfigDef; this test keeps the committed
 * file in sync.
 */
class ConfigReferenceTest {

  static final Path REFERENCE = Path.of("../docs/connect-mqtt-sink-config.md");

  @Test
  void committedReferenceMatchesTheConfigDef() {
    ConfigReference.assertCommitted(
        REFERENCE,
        ConfigDocs.markdown(
            "MQTT sink connector configuration",
            "Keys of `io.connectmqtt.sink.MqttSinkConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
                + "`topics`/`topics.regex`, converters, `transforms`, `errors.tolerance`, "
                + "`errors.deadletterqueue.*`, `consumer.override.*`). "
                + "See [the connector guide](connect-mqtt-sink.md) for how they work together.",
            MqttSinkConfig.configDef()));
  }
}
