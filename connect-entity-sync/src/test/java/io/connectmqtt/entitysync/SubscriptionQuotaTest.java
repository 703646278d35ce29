package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * subscriptions.max.per.client holds when one client's subscribes reach several tasks at the same
 * instant.
 */
class SubscriptionQuotaTest {

  static final int MAX = 2;
  static final int TASKS = 4;
  static final int ROUNDS = 25;

  /**
   * What simultaneous subscribes did to the quota: subscriptions beyond it, refusals, and how many
   * expiry sweeps (which purge the quota rows of clients without subscriptions) ran meanwhile.
   */
  record Race(int over, int refused, int sweeps) {}

  @Test
  void concurrentSubscribesOfOneClientOnSeveralTasksNeverExceedTheQuota() throws Exception {
    try (TestBackend backend =
        TestBackend.start(
            "quota",
            "notes",
            "id integer primary key, body varchar(100)",
            Map.of("subscriptions.max.per.client", String.valueOf(MAX)))) {
      List<RequestProcessor> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        tasks.add(backend.processor(Map.of(), List.of()));
      }
      assertWithinQuota("h2", race(tasks, "notes"));
    }
  }

  /**
   * The per-client lock rows of the quota are purged by the expiry sweep once their client has no
   * subscription (they grew by one row per client id ever seen), and a purged client subscribes
   * again as before.
   */
  @Test
  void theExpirySweepPurgesTheLockRowsOfClientsWithoutSubscriptions() throws Exception {
    try (TestBackend backend =
        TestBackend.start(
            "quota-purge", "notes", "id integer primary key, body varchar(100)", Map.of())) {
      RequestProcessor task = backend.processor(Map.of(), List.of());
      String sid = subscribe(task, "gone", "s1").path("data").path("subscription_id").asText();
      assertThat(subscribe(task, "staying", "s1").path("success").asBoolean()).isTrue();
      send(
          task,
          "gone",
          "{\"id\":\"u1\",\"type\":\"subscription\",\"operation\":\"unsubscribe\","
              + "\"subscription_id\":\""
              + sid
              + "\"}");
      assertThat(clientRows(backend)).containsExactlyInAnyOrder("gone", "staying");

      task.expireSubscriptions(Instant.now());
      assertThat(clientRows(backend))
          .as("rows registered less than the grace ago stay")
          .containsExactlyInAnyOrder("gone", "staying");

      task.expireSubscriptions(Instant.now().plus(SubscriptionQuota.PURGE_GRACE).plusSeconds(2));

      assertThat(clientRows(backend))
          .as("lock rows after the sweep: only clients with a subscription keep one")
          .containsExactly("staying");
      assertThat(subscribe(task, "gone", "s2").path("success").asBoolean()).isTrue();
      assertThat(clientRows(backend)).containsExactlyInAnyOrder("gone", "staying");
    }
  }

  /**
   * A client's row purged between registering and locking it is reported as such (the subscribe
   * registers again and retries, see the sweeping race below), not counted against the quota.
   */
  @Test
  void aLockRowPurgedAfterRegisteringIsReportedForARetry() throws Exception {
    try (TestBackend backend =
            TestBackend.start(
                "quota-gap", "notes", "id integer primary key, body varchar(100)", Map.of());
        Connection connection = backend.dataSource.getConnection()) {
      backend.processor(Map.of(), List.of()); // creates the state tables
      SubscriptionQuota quota =
          new SubscriptionQuota(
              "public.entity_sync_requests_subscriptions",
              "public.entity_sync_requests_subscription_clients",
              MAX);
      quota.register(connection, "c1", Instant.now());
      connection.setAutoCommit(false);
      assertThat(quota.clientsWithoutSubscriptions(connection, Instant.now()))
          .as("registered just now")
          .isEmpty();
      assertThat(
              quota.clientsWithoutSubscriptions(
                  connection, Instant.now().plus(SubscriptionQuota.PURGE_GRACE).plusSeconds(2)))
          .containsExactly("c1");
      assertThat(quota.purge(connection, "c1", Instant.now())).as("registered just now").isFalse();
      assertThat(
              quota.purge(
                  connection,
                  "c1",
                  Instant.now().plus(SubscriptionQuota.PURGE_GRACE).plusSeconds(2)))
          .isTrue();
      connection.commit();
      assertThat(clientRows(backend)).isEmpty();
      assertThatThrownBy(() -> quota.checkRoomForOneMore(connection, "c1", Instant.now()))
          .isInstanceOf(SubscriptionQuota.Unregistered.class);
      connection.rollback();
      connection.setAutoCommit(true);
      quota.register(connection, "c1", Instant.now());
      connection.setAutoCommit(false);
      quota.checkRoomForOneMore(connection, "c1", Instant.now());
      connection.commit();
      assertThat(clientRows(backend)).containsExactly("c1");
    }
  }

  private static JsonNode subscribe(RequestProcessor task, String client, String id) {
    return send(
        task,
        client,
        "{\"id\":\""
            + id
            + "\",\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"notes\"}");
  }

  private static JsonNode send(RequestProcessor task, String client, String request) {
    return task.handle(client, request.getBytes(StandardCharsets.UTF_8), Map.of(), Optional.empty())
        .reply();
  }

  private static List<String> clientRows(TestBackend backend) throws Exception {
    List<String> clients = new ArrayList<>();
    try (Connection connection = backend.dataSource.getConnection();
        ResultSet rows =
            connection
                .createStatement()
                .executeQuery(
                    "SELECT client_id FROM public.entity_sync_requests_subscription_clients")) {
      while (rows.next()) {
        clients.add(rows.getString(1));
      }
    }
    return clients;
  }

  static void assertWithinQuota(String database, Race race) {
    System.out.printf(
        "QUOTA %s: %d rounds of %d simultaneous subscribes of one client (max %d), %d expiry sweeps "
            + "meanwhile: %d over the quota, %d refused%n",
        database, ROUNDS, TASKS, MAX, race.sweeps(), race.over(), race.refused());
    assertThat(race.over()).as("subscriptions beyond subscriptions.max.per.client").isZero();
    assertThat(race.refused())
        .as("each round, all but the quota refused")
        .isEqualTo(ROUNDS * (TASKS - MAX));
  }

  /**
   * {@link #ROUNDS} rounds, each a new client whose {@link #TASKS} subscribes to {@code entity}
   * start together, one on each of {@code tasks} (processors over one database, as tasks of one
   * connector), with a quota of {@link #MAX}, while the first task's expiry sweep runs again and
   * again: it purges each new client's quota row between its registration and its lock whenever it
   * can (a refusal counted here may also be such a failure, so the exact count catches it).
   */
  static Race race(List<RequestProcessor> tasks, String entity) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(tasks.size() + 1);
    AtomicBoolean racing = new AtomicBoolean(true);
    AtomicInteger sweeps = new AtomicInteger();
    Future<?> sweeper =
        threads.submit(
            () -> {
              while (racing.get()) {
                tasks.get(0).expireSubscriptions(Instant.now());
                sweeps.incrementAndGet();
              }
              return null;
            });
    int over = 0;
    int refused = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String client = "client-" + round;
        CyclicBarrier together = new CyclicBarrier(tasks.size());
        List<Future<Boolean>> subscribed = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
          RequestProcessor task = tasks.get(i);
          byte[] request =
              ("{\"id\":\"s"
                      + i
                      + "\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                      + "\"entity\":\""
                      + entity
                      + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          subscribed.add(
              threads.submit(
                  () -> {
                    together.await();
                    return task.handle(client, request, Map.of(), Optional.empty())
                        .reply()
                        .path("success")
                        .asBoolean();
                  }));
        }
        int ok = 0;
        for (Future<Boolean> result : subscribed) {
          ok += result.get() ? 1 : 0;
        }
        over += Math.max(0, ok - MAX);
        refused += tasks.size() - ok;
      }
      racing.set(false);
      sweeper.get(); // rethrows a failed sweep
    } finally {
      racing.set(false);
      threads.shutdownNow();
    }
    return new Race(over, refused, sweeps.get());
  }
}
