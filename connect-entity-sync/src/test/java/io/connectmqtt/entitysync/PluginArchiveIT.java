package io.connectmqtt.entitysync;

import io.connectmqtt.testkit.PluginArchives;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The built archives: Confluent Hub layout, service entries, and nothing from Kafka or the test stack inside. */
class PluginArchiveIT {

  @Test
  void archivesAreWellFormed() {
    PluginArchives.assertWellFormed("connect-entity-sync", "source",
        List.of(EntitySyncConnector.class.getName()),
        List.of("HikariCP-", "postgresql-", "mariadb-java-client-", "h2-"));
  }
}
