package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.ConfigDocs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/connect-mqtt-source-config.md is generated from the ConfigDef; this test keeps the committed file in sync. */
class ConfigReferenceTest {

  static final Path REFERENCE = Path.of("../docs/connect-mqtt-source-config.md");

  @Test
  void committedReferenceMatchesTheConfigDef() throws Exception {
    String generated = ConfigDocs.markdown("MQTT source connector configuration",
        "Keys of `io.connectmqtt.source.MqttSourceConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
            + "converters, `transforms`, `errors.tolerance`, `producer.override.*`, `topic.creation.*`). "
            + "See [the connector guide](connect-mqtt-source.md) for how they work together.",
        MqttSourceConfig.configDef());
    String committed = Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "";
    if (!generated.equals(committed)) {
      Files.createDirectories(REFERENCE.getParent());
      Files.writeString(REFERENCE, generated);
    }
    assertThat(committed).as(REFERENCE + " was stale and has been regenerated: review and commit it")
        .isEqualTo(generated);
  }
}
