package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MQTT broker restarts while clients' writes are being served. The broker keeps sessions across
 * the restart (HiveMQ CE with file persistence), the clients reconnect by themselves and send a
 * create again under the same id when no reply came within a few seconds, as an application would.
 * Every create is answered with success in the end, none is applied twice (a row per (client, seq):
 * a second insert would be a conflict), each row has its change event in Kafka, and the task
 * reconnects and serves again without a restart.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; HiveMQ
 * and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class BrokerRestartIT {

  @ParameterizedTest(name = "sessions kept: {0}")
  @ValueSource(booleans = {true, false})
  void writesAcrossABrokerRestartAreAnsweredAndNoneIsLostOrAppliedTwice(boolean persistent)
      throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    String connector = persistent ? "broker-restart-kept" : "broker-restart-lost";
    String changes = connector + "-changes";
    try (HiveMqBroker hivemq = HiveMqBroker.start(100_000, persistent);
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose(connector)) {
      stack.topics().create(changes, 1);
      Map<String, String> config = EntitySyncCrashIT.ordersSync(hivemq, postgres, changes);
      WritingClients clients =
          WritingClients.onServed(
              stack.rest(),
              connector,
              config,
              hivemq.port(),
              Duration.ofSeconds(5),
              Duration.ofSeconds(120),
              true);
      Duration firstCreate;
      try (clients) {
        firstCreate = clients.across(hivemq::restart);
      }
      System.out.printf(
          "broker restart, %s: first create %d ms after it%n",
          persistent ? "sessions kept" : "sessions lost", firstCreate.toMillis());
      clients.assertEachCreateAppliedOnceWithItsEvent(
          postgres::connection, stack.topics(), changes);
      assertThat(stack.rest().taskState(connector)).isEqualTo("RUNNING");
    }
  }
}
