package io.connectmqtt.entitysync;

import io.connectmqtt.common.ConfigDocs;
import io.connectmqtt.testkit.ConfigReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/connect-entity-sync-config.md is generated from the ConfigDef; this test keeps the committed file in sync. */
class ConfigReferenceTest {

  @Test
  void committedReferenceMatchesTheConfigDef() {
    ConfigReference.assertCommitted(Path.of("../docs/connect-entity-sync-config.md"), ConfigDocs.markdown(
        "Entity sync connector configuration",
        "Keys of `io.connectmqtt.entitysync.EntitySyncConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
            + "converters, `producer.override.*`). See [the connector guide](connect-entity-sync.md).",
        EntitySyncConfig.configDef()));
  }
}
