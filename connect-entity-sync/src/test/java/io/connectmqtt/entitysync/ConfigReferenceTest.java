package io.connectmqtt.entitysync;

import io.connectmqtt.common.ConfigDocs;
import io.connectmqtt.entitysync.notify.EntityNotifySinkConfig;
import io.connectmqtt.testkit.ConfigReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/connect-entity-sync-config.md and docs/connect-entity-sync-notify-config.md are generated
 * from the ConfigDefs; this test keeps the committed files in sync.
 */
class ConfigReferenceTest {

  @Test
  void committedReferenceMatchesTheConfigDef() {
    ConfigReference.assertCommitted(
        Path.of("../docs/connect-entity-sync-config.md"),
        ConfigDocs.markdown(
            "Entity sync connector configuration",
            "Keys of `io.connectmqtt.entitysync.EntitySyncConnector`, besides Kafka Connect's own (`name`, `tasks.max`, "
                + "converters, `producer.override.*`). See [the connector guide](connect-entity-sync.md).",
            EntitySyncConfig.configDef()));
  }

  @Test
  void committedNotifyReferenceMatchesTheConfigDef() {
    ConfigReference.assertCommitted(
        Path.of("../docs/connect-entity-sync-notify-config.md"),
        ConfigDocs.markdown(
            "Entity-notify sink connector configuration",
            "Keys of `io.connectmqtt.entitysync.notify.EntityNotifySinkConnector` (also addressed by its alias "
                + "`EntityNotifySinkConnector`), besides Kafka Connect's own (`name`, `tasks.max`, "
                + "`topics`/`topics.regex`, converters, `errors.*`, `consumer.override.*`). Notifications have the "
                + "protocol's topic and shape, so there are no keys for topics, retain, headers or payloads. "
                + "See [the connector guide](connect-entity-sync-notify.md).",
            EntityNotifySinkConfig.configDef()));
  }
}
