package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.H2Database;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.SharedFixtures;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.ObjectName;
import org.awaitility.Awaitility;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A task that starts while its database is away (a worker restart during a database outage) must
 * not fail: Connect retries a {@code RetriableException} from {@code poll}, never an exception from
 * {@code start}, so a failed start would wait for an operator's REST restart. The task keeps trying
 * with backoff, stays RUNNING, and serves requests once the database is back. A refused password,
 * which waiting cannot mend, still fails the task.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; the
 * connector is named {@code away}; HiveMQ and H2 are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class DatabaseAwayAtStartIT {

  @Test
  void aTaskStartedWhileTheDatabaseIsAwayServesOnceItIsBack() throws Exception {
    int port = Ports.free();
    ConnectStack stack = SharedFixtures.connectStack();
    AtomicReference<Server> server = new AtomicReference<>();
    // The TCP server stops after the connector is deleted, also when an assertion fails.
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        H2Database h2 = H2Database.start("away");
        AutoCloseable tcp = () -> Optional.ofNullable(server.get()).ifPresent(Server::stop);
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("away")) {
      try (Connection connection = h2.connection();
          Statement statement = connection.createStatement()) {
        statement.execute("create table public.items (id serial primary key, name varchar(50))");
      }
      // The in-memory database lives in this JVM (kept by H2Database); the task reaches it over
      // TCP, so stopping the TCP server takes the database away from the task and nothing else.
      String url =
          "jdbc:h2:tcp://127.0.0.1:" + port + "/" + h2.jdbcUrl().substring("jdbc:h2:".length());
      server.set(tcpServer(port));
      Map<String, String> sync = OpenEntitySync.config(hivemq.uri(), url, "sa", "public.items");
      sync.put("entity.sync.state.table", "away_requests");
      sync.put("entity.sync.changes.topic", "away-changes");
      stack.rest().createOrReplace("away", sync);
      stack.rest().awaitRunning("away", 1, Duration.ofSeconds(90));

      server.get().stop();
      stack.rest().restart("away");
      ObjectName task =
          new ObjectName("connect-mqtt:type=entity-sync-task-metrics,connector=away,task=0");
      AtomicReference<String> lastStatus = new AtomicReference<>();
      Awaitility.await("the restarted task failed, or retried the database at least twice")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                JsonNode status = task0(stack);
                lastStatus.set(status.toString());
                return status.path("state").asText().equals("FAILED")
                    || failedDatabaseAttempts(task) >= 2;
              });
      assertThat(task0(stack).path("state").asText())
          .as("task state while the database is away; last task status %s", lastStatus.get())
          .isEqualTo("RUNNING");

      server.set(tcpServer(port));
      try (ProtocolClient client = new ProtocolClient(hivemq.port(), "spec", "dora")) {
        Awaitility.await("the task serves requests once the database is back")
            .atMost(Duration.ofSeconds(60))
            .until(() -> client.pings("p" + System.nanoTime(), Duration.ofSeconds(1)));
        JsonNode created =
            client.send(
                "{\"id\":\"c1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"items\","
                    + "\"data\":{\"name\":\"back\"}}",
                "c1");
        assertThat(created.path("success").asBoolean()).as(created.toString()).isTrue();
      }
      assertThat(task0(stack).path("state").asText()).isEqualTo("RUNNING");
      assertThat(failedDatabaseAttempts(task)).isGreaterThanOrEqualTo(2);

      // A refused password is no outage: the restarted task fails at once, with the SQLState.
      try (Connection connection = h2.connection();
          Statement statement = connection.createStatement()) {
        statement.execute("alter user sa set password 'rotated'");
      }
      stack.rest().restart("away");
      Awaitility.await("the task FAILED")
          .atMost(Duration.ofSeconds(60))
          .until(() -> task0(stack).path("state").asText().equals("FAILED"));
      assertThat(task0(stack).path("trace").asText())
          .contains("Cannot open the database")
          .contains("(SQLState 28000)");
    }
  }

  /** The status of the connector's only task. */
  private static JsonNode task0(ConnectStack stack) {
    return stack.rest().status("away").path("tasks").path(0);
  }

  private static Server tcpServer(int port) throws Exception {
    return Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists").start();
  }

  /** The task's count of failed database attempts; 0 while the task has not registered it. */
  private static double failedDatabaseAttempts(ObjectName task) throws Exception {
    var jmx = ManagementFactory.getPlatformMBeanServer();
    if (!jmx.isRegistered(task)) {
      return 0;
    }
    try {
      return ((Number) jmx.getAttribute(task, "database-connect-failures")).doubleValue();
    } catch (javax.management.AttributeNotFoundException e) {
      return 0;
    }
  }
}
