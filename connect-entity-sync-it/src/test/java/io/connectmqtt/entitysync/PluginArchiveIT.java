package io.connectmqtt.entitysync;

import io.connectmqtt.entitysync.notify.EntityNotifySinkConnector;
import io.connectmqtt.testkit.PluginArchives;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The built archives: Confluent Hub layout, service entries, and nothing from Kafka or the test
 * stack inside.
 */
class PluginArchiveIT {

  @Test
  void archivesAreWellFormed() {
    // Both ends of the protocol in one archive: the entity sync source and the entity-notify sink.
    PluginArchives.assertWellFormed(
        "connect-entity-sync",
        Map.of(
            "source", List.of(EntitySyncConnector.class.getName()),
            "sink", List.of(EntityNotifySinkConnector.class.getName())),
        List.of("HikariCP-", "postgresql-", "mariadb-java-client-", "h2-"));
  }
}
