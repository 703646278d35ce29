package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.H2Database;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.SharedFixtures;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two entity-sync connectors on one database with the default state tables share one outbox, whose
 * relay would send the second connector's change events to the first one's topic. The second
 * connector's task fails instead, naming the first and the key to set; the first keeps running.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; the
 * connectors are named {@code shared-a} and {@code shared-b}; HiveMQ and H2 are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class SharedStateTablesIT {

  @Test
  void aSecondConnectorOnTheSameStateTablesFailsAndNamesTheFirst() throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        H2Database h2 = H2Database.start("shared");
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("shared-a", "shared-b")) {
      try (Connection connection = h2.connection();
          Statement statement = connection.createStatement()) {
        statement.execute("create table public.items (id serial primary key, name varchar(50))");
        statement.execute("create table public.orders (id serial primary key, qty integer)");
      }
      Map<String, String> first =
          OpenEntitySync.config(hivemq.uri(), h2.jdbcUrl(), "sa", "public.items");
      first.put("entity.sync.topic.prefix", "shared-a");
      OpenEntitySync.topics(first, "shared-a-changes", "shared-a-subscriptions");
      stack.rest().createOrReplace("shared-a", first);
      stack.rest().awaitRunning("shared-a", 1, Duration.ofSeconds(90));
      Awaitility.await("the first connector's task relays the outbox")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> leaseOwner(h2).endsWith(":shared-a"));

      Map<String, String> second =
          OpenEntitySync.config(hivemq.uri(), h2.jdbcUrl(), "sa", "public.orders");
      second.put("entity.sync.topic.prefix", "shared-b");
      OpenEntitySync.topics(second, "shared-b-changes", "shared-b-subscriptions");
      stack.rest().createOrReplace("shared-b", second);
      Awaitility.await("the second connector's task FAILED")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> task0(stack, "shared-b").path("state").asText().equals("FAILED"));
      assertThat(task0(stack, "shared-b").path("trace").asText())
          .contains("Connector 'shared-a' relays the outbox")
          .contains("set entity.sync.state.table");
      assertThat(task0(stack, "shared-a").path("state").asText()).isEqualTo("RUNNING");
    }
  }

  private static String leaseOwner(H2Database h2) throws Exception {
    try (Connection connection = h2.connection();
        Statement statement = connection.createStatement();
        var rows =
            statement.executeQuery(
                "select owner from public.entity_sync_requests_outbox_lease where id = 1")) {
      return rows.next() ? rows.getString(1) : "";
    }
  }

  private static JsonNode task0(ConnectStack stack, String connector) {
    return stack.rest().status(connector).path("tasks").path(0);
  }
}
