package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/connect-mqtt-sink-config.md is generated from the ConfigDef; this test keeps the committed file in sync. */
class ConfigReferenceTest {

  static final Path REFERENCE = Path.of("../docs/connect-mqtt-sink-config.md");

  @Test
  void committedReferenceMatchesTheConfigDef() throws Exception {
    String generated = ConfigDocs.markdown("MQTT sink connector configuration",
        "Keys of `io.connectmqtt.sink.MqttSinkConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
            + "`topics`/`topics.regex`, converters, `transforms`, `errors.tolerance`, "
            + "`errors.deadletterqueue.*`, `consumer.override.*`). "
            + "See [the connector guide](connect-mqtt-sink.md) for how they work together.",
        MqttSinkConfig.configDef());
    String committed = Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "";
    if (!generated.equals(committed)) {
      Files.createDirectories(REFERENCE.getParent());
      Files.writeString(REFERENCE, generated);
    }
    assertThat(committed).as(REFERENCE + " was stale and has been regenerated: review and commit it")
        .isEqualTo(generated);
  }
}
