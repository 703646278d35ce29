package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka is away for 15 s (its only broker stopped, then started again) while clients' writes and a
 * subscribe are being served. A Connect worker that cannot reach its group coordinator for {@code
 * heartbeat.interval.ms} stops all its tasks (KAFKA-9184), so entity sync answers nothing while
 * Kafka is away; the requests wait in the task's MQTT session and are served once the worker starts
 * the task again. The clients send a create again under the same id after 10 s without a reply.
 * Nothing is lost or applied twice, the subscribe is answered, and the rows and the change events
 * in Kafka are the same set.
 */
@ExtendWith(SharedFixtures.class)
class KafkaOutageIT {

  private static final Duration OUTAGE = Duration.ofSeconds(15);

  @Test
  void requestsDuringAKafkaOutageAreServedOnceKafkaIsBack() throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    String connector = "kafka-outage";
    String changes = connector + "-changes";
    String subscriptions = connector + "-subscriptions";
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose(connector)) {
      stack.topics().create(changes, 1);
      stack.topics().createCompacted(subscriptions);
      Map<String, String> config = EntitySyncCrashIT.ordersSync(hivemq, postgres, changes);
      OpenEntitySync.topics(config, changes, subscriptions);
      WritingClients clients =
          WritingClients.onServed(
              stack.rest(),
              connector,
              config,
              hivemq.port(),
              Duration.ofSeconds(10),
              Duration.ofSeconds(240),
              false);
      Duration firstCreate;
      JsonNode subscribed;
      int[] createdWhileAway = new int[1];
      try (clients;
          ProtocolClient subscriber =
              new ProtocolClient(hivemq.port(), "spec", connector + "-subscriber")) {
        firstCreate =
            clients.across(
                () -> {
                  stack.kafka().stopOnlyBrokers();
                  int before = clients.created();
                  try {
                    subscriber.publish(
                        "{\"id\":\"s1\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                            + "\"entity\":\"orders\"}");
                    // Why a fixed wait: the outage is this long by design.
                    Thread.sleep(OUTAGE.toMillis());
                  } finally {
                    createdWhileAway[0] = clients.created() - before;
                    stack.kafka().restartOnlyBrokers();
                  }
                });
        subscribed = subscriber.reply("s1", Duration.ofSeconds(60));
      }
      System.out.printf(
          "Kafka away %d s: %d creates answered while away, first create %d ms after it was back%n",
          OUTAGE.toSeconds(), createdWhileAway[0], firstCreate.toMillis());
      assertThat(subscribed).as("the subscribe's reply").isNotNull();
      assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
      clients.assertEachCreateAppliedOnceWithItsEvent(
          postgres::connection, stack.topics(), changes);
      assertThat(stack.rest().taskState(connector)).isEqualTo("RUNNING");
    }
  }
}
