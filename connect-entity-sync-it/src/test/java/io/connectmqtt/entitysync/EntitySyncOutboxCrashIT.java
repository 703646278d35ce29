package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No committed change without its event (issue 11, must-show 4): 10,000 creates from 20 independent
 * clients, sent at QoS 0 without retries (so MQTT redelivery cannot make up for a lost event),
 * while the worker JVM is SIGKILLed three times. Afterwards every row in the database has exactly
 * one change event (by event id) in Kafka, no event names a row that does not exist, and records
 * repeated by the at-least-once relay are counted and bounded by what the outbox can repeat: its
 * in-flight window per kill.
 */
@ExtendWith(SharedFixtures.class)
class EntitySyncOutboxCrashIT {

  private static final int CLIENTS = 20;
  private static final int PER_CLIENT = 500;
  private static final int KILLS = 3;

  /**
   * entity.sync.outbox.max.in.flight as configured below: what one takeover of the relay can send
   * again.
   */
  private static final int MAX_IN_FLIGHT = 1_000;

  @Test
  void everyCommittedChangeHasItsEventAfterRepeatedSigkills() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    try (HiveMqBroker hivemq = HiveMqBroker.startForPublishers(1_000, 100_000, false);
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("outbox-sync")) {
      stack.topics().create("outbox-changes", 3);
      Map<String, String> config = EntitySyncCrashIT.ordersSync(hivemq, postgres, "outbox-changes");
      config.put("tasks.max", "2");
      config.put("entity.sync.outbox.max.in.flight", String.valueOf(MAX_IN_FLIGHT));
      config.put("entity.sync.outbox.lease.ms", "5000");
      long logStart = stack.workerLogSize();
      stack.rest().createOrReplace("outbox-sync", config);
      stack.rest().awaitRunning("outbox-sync", 2, Duration.ofSeconds(90));

      Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
      List<Mqtt5AsyncClient> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        String cid = "buyer-" + c;
        clients.add(
            RequestClients.connect(
                hivemq.port(),
                cid,
                MqttQos.AT_MOST_ONCE,
                true,
                RequestClients.DEFAULT_RECEIVE_MAXIMUM,
                (publish, reply) -> {
                  CompletableFuture<JsonNode> waiting =
                      pending.remove(cid + "/" + reply.path("id").asText());
                  if (waiting != null) {
                    waiting.complete(reply);
                  }
                }));
      }
      // Each client sends its requests one after another, each at QoS 0 and never again: a request
      // lost with the worker is simply not done; one committed before the kill must still get its
      // event.
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger answered = new AtomicInteger();
      ExecutorService senders = Executors.newFixedThreadPool(CLIENTS);
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        senders.submit(
            () -> {
              for (int seq = 0; seq < PER_CLIENT; seq++) {
                String cid = "buyer-" + client;
                CompletableFuture<JsonNode> reply = new CompletableFuture<>();
                pending.put(cid + "/o" + seq, reply);
                RequestClients.create(
                    clients.get(client), cid, MqttQos.AT_MOST_ONCE, "o" + seq, "orders", seq);
                sent.incrementAndGet();
                try {
                  // A request lost with the worker is never answered: a second (replies take tens
                  // of milliseconds) lets the sender go on soon after the worker is back.
                  reply.get(1, TimeUnit.SECONDS);
                  answered.incrementAndGet();
                } catch (Exception timedOut) {
                  pending.remove(cid + "/o" + seq);
                }
              }
              return null;
            });
      }
      for (int kill = 1; kill <= KILLS; kill++) {
        long threshold = (long) CLIENTS * PER_CLIENT * kill / (KILLS + 1);
        Awaitility.await("rows before kill " + kill)
            .atMost(Duration.ofMinutes(3))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> rows(postgres) >= threshold);
        stack.killConnect();
        System.out.printf(
            "SIGKILL %d: %d rows committed, %d outbox rows not yet acknowledged by Kafka, "
                + "%d requests sent%n",
            kill, rows(postgres), outboxRows(postgres), sent.get());
        stack.startConnect();
      }
      senders.shutdown();
      assertThat(senders.awaitTermination(10, TimeUnit.MINUTES)).isTrue();

      long committed = rows(postgres);
      Awaitility.await("the outbox drained")
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> outboxRows(postgres) == 0);
      List<ConsumerRecord<byte[], byte[]>> events =
          stack.topics().readAll("outbox-changes", committed, Duration.ofSeconds(120));
      Map<String, Integer> byEventId = new HashMap<>();
      Map<String, Set<String>> eventIdsByKey = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> event : events) {
        Header header = event.headers().lastHeader(OutboxRelay.EVENT_ID_HEADER);
        assertThat(header).as("every event carries its id").isNotNull();
        String eventId = new String(header.value(), StandardCharsets.UTF_8);
        byEventId.merge(eventId, 1, Integer::sum);
        eventIdsByKey
            .computeIfAbsent(new String(event.key(), StandardCharsets.UTF_8), k -> new HashSet<>())
            .add(eventId);
      }
      Set<String> rowKeys = new HashSet<>();
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("select id from public.orders")) {
        while (rows.next()) {
          rowKeys.add("public.orders:" + rows.getLong(1));
        }
      }
      long missing = rowKeys.stream().filter(key -> !eventIdsByKey.containsKey(key)).count();
      long phantom = eventIdsByKey.keySet().stream().filter(key -> !rowKeys.contains(key)).count();
      long twoEventsForOneChange =
          eventIdsByKey.values().stream().filter(ids -> ids.size() > 1).count();
      long duplicates = events.size() - byEventId.size();
      // Each takeover of the relay may send what the last holder had in flight again: one after
      // each kill, and one more whenever a holder's 5-s lease lapsed under load.
      long takeovers =
          Math.max(
              KILLS,
              stack
                      .workerLog(logStart)
                      .lines()
                      .filter(
                          line ->
                              line.contains("[outbox-sync|task-")
                                  && line.contains("This task relays the outbox now"))
                      .count()
                  - 1);
      System.out.printf(
          "%d requests sent, %d answered, %d rows committed; %d change events in Kafka with %d "
              + "distinct event ids: %d missing, %d without a row, %d changes with two events, %d duplicates "
              + "(same event id again; bound %d for %d relay takeovers)%n",
          sent.get(),
          answered.get(),
          committed,
          events.size(),
          byEventId.size(),
          missing,
          phantom,
          twoEventsForOneChange,
          duplicates,
          takeovers * MAX_IN_FLIGHT,
          takeovers);
      assertThat(committed)
          .as("writes were committed between the kills")
          .isGreaterThan(CLIENTS * PER_CLIENT / 2);
      assertThat(missing).as("committed rows without a change event").isZero();
      assertThat(phantom).as("change events for rows that were never committed").isZero();
      assertThat(twoEventsForOneChange).as("one change, one event id").isZero();
      assertThat(duplicates)
          .as("records repeated by relay takeovers")
          .isLessThanOrEqualTo(takeovers * MAX_IN_FLIGHT);
      RequestClients.disconnectAll(clients);
    }
  }

  private static long rows(PostgresDatabase postgres) throws Exception {
    return Sql.count(postgres::connection, "select count(*) from public.orders");
  }

  private static long outboxRows(PostgresDatabase postgres) throws Exception {
    return Sql.count(
        postgres::connection, "select count(*) from public.entity_sync_requests_outbox");
  }
}
