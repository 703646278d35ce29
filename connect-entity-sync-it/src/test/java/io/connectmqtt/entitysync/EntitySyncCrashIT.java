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
import io.connectmqtt.testkit.PublishDroppingProxy;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crash safety: the worker JVM is killed with SIGKILL while requests are being served, with some
 * committed in the database but not yet acknowledged on MQTT. After the restart the broker
 * redelivers them; none is applied twice, and every client still gets a (successful) reply for
 * every request.
 *
 * <p>A SIGKILL alone rarely lands in the milliseconds between a commit and the reply's PUBACK (most
 * runs found none to redeliver), so the worker reaches HiveMQ through a {@link
 * PublishDroppingProxy} that swallows up to {@value #UNANSWERED} replies before the kill: their
 * requests are committed, never answered and never acknowledged, every run. One more client's
 * create waits through the kill for a row with the same key that a transaction outside holds
 * uncommitted until then: the task parks it (stores and acknowledges it), and the restarted task
 * takes it over from the parked table, not from the broker.
 */
@ExtendWith(SharedFixtures.class)
class EntitySyncCrashIT {

  private static final int CLIENTS = 10;
  private static final int PER_CLIENT = 300;

  private static final String PARKED = "select count(*) from public.entity_sync_requests_parked";

  /** Most replies swallowed before the kill: requests committed but not acknowledged on MQTT. */
  private static final int UNANSWERED = 20;

  /**
   * Creates the table the crash and outage tests write ({@link WritingClients#createOrders}), one
   * row per (client, seq), so that a request applied twice is a conflict; returns the connector
   * config writing it, with its change events to {@code changesTopic}, reconnecting within a second
   * after a kill.
   */
  static Map<String, String> ordersSync(
      HiveMqBroker hivemq, PostgresDatabase postgres, String changesTopic)
      throws java.sql.SQLException {
    WritingClients.createOrders(postgres::connection, "bigserial primary key");
    Map<String, String> config =
        OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.orders");
    config.put("mqtt.reconnect.backoff.max.ms", "1000");
    config.put("entity.sync.changes.topic", changesTopic);
    return config;
  }

  @Test
  void redeliveredRequestsAfterSigkillAreNotAppliedTwiceAndStillAnswered() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    // HiveMQ's window raised: at 50 the 3,000 requests waited on it; the kill still comes
    // mid-stream, after a third of the replies.
    try (HiveMqBroker.OutgoingWindow window =
            HiveMqBroker.outgoingWindowUntilClosed(HiveMqBroker.RAISED_OUTGOING_WINDOW);
        HiveMqBroker hivemq = HiveMqBroker.startForPublishers(1_000, 100_000, false);
        PostgresDatabase postgres = PostgresDatabase.start();
        Connection locker = postgres.connection();
        PublishDroppingProxy proxy = new PublishDroppingProxy("127.0.0.1", hivemq.port());
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("crash-sync")) {
      stack.topics().create("crash-changes", 1);
      Map<String, String> config = ordersSync(hivemq, postgres, "crash-changes");
      config.put("mqtt.server.uris", proxy.uri());
      // The parked create waits through the whole run, not cancelled after the default 10 s.
      config.put("entity.sync.statement.timeout.ms", "300000");
      OpenEntitySync.startServed(
          stack.rest(), "crash-sync", config, 1, hivemq.port(), "spec", "crash-probe");

      Map<String, JsonNode> replies = new ConcurrentHashMap<>();
      AtomicInteger repliesReceived = new AtomicInteger();
      List<Mqtt5AsyncClient> clients =
          RequestClients.connectAll(
              hivemq.port(), "shop-", CLIENTS, replies, repliesReceived::incrementAndGet);
      List<Mqtt5AsyncClient> parker =
          RequestClients.connectAll(
              hivemq.port(), "parker-", 1, replies, repliesReceived::incrementAndGet);
      locker.setAutoCommit(false);
      try (Statement hold = locker.createStatement()) {
        hold.execute("insert into public.orders (client, seq) values ('parker-0', 0)");
      }
      RequestClients.create(parker.get(0), "parker-0", MqttQos.AT_LEAST_ONCE, "o0", "orders", 0);
      Awaitility.await("the task parks the create waiting for its key")
          .atMost(Duration.ofSeconds(30))
          .until(() -> Sql.count(postgres::connection, PARKED) > 0);
      int total = CLIENTS * PER_CLIENT + 1;
      // The worker publishes a reply only after its request's commit, and acknowledges the request
      // only on the reply's PUBACK, which a swallowed reply never gets. Counted at the proxy, not
      // in
      // the replies the clients received, which may lag far behind. HiveMQ CE sends the worker no
      // new request until the last batch it sent is all acknowledged, so a batch may end before the
      // 20th: the kill then comes once the worker has published nothing for a second.
      proxy.dropPublishesAfter(total / 3, UNANSWERED);
      for (int seq = 0; seq < PER_CLIENT; seq++) {
        for (int c = 0; c < CLIENTS; c++) {
          RequestClients.create(
              clients.get(c), "shop-" + c, MqttQos.AT_LEAST_ONCE, "o" + seq, "orders", seq);
        }
      }
      try {
        Awaitility.await("replies swallowed after a third of them")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(10))
            .until(
                () ->
                    proxy.dropped() == UNANSWERED
                        || (proxy.dropped() > 0
                            && proxy.sinceLastPublish().compareTo(Duration.ofSeconds(1)) > 0));
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(
            String.format(
                "%d replies published (%d swallowed) on %d connections, %d received, %d rows committed",
                proxy.seen().size(),
                proxy.dropped(),
                proxy.connections(),
                replies.size(),
                Sql.count(postgres::connection, "select count(*) from public.orders")),
            e);
      }
      long parked = Sql.count(postgres::connection, PARKED);
      stack.killConnect();
      locker.rollback();
      // A kill before the 20th leaves drops to come: the restarted worker's replies must pass, or
      // each one swallowed waits a minute for the task's acknowledgement timeout (239 s once).
      proxy.stopDropping();
      long swallowed = proxy.dropped();
      long committed = Sql.count(postgres::connection, "select count(*) from public.orders");
      int answeredBeforeRestart = replies.size();
      System.out.printf(
          "SIGKILLed the worker: %d rows committed, %d requests answered, %d replies swallowed, %d"
              + " requests parked%n",
          committed, answeredBeforeRestart, swallowed, parked);
      assertThat(committed - answeredBeforeRestart)
          .as(
              "requests committed and not answered at the restart (the swallowed replies' at least)")
          .isGreaterThanOrEqualTo(swallowed);
      stack.startConnect();

      Awaitility.await("every request answered")
          .atMost(Duration.ofSeconds(240))
          .until(() -> replies.size() >= total);
      assertThat(replies.values())
          .allSatisfy(
              r ->
                  assertThat(r.path("success").asBoolean())
                      .as("no request applied twice (a second insert would be a conflict): " + r)
                      .isTrue());
      assertThat(Sql.count(postgres::connection, "select count(*) from public.orders"))
          .isEqualTo(total);
      Awaitility.await("every parked request's row deleted once answered")
          .atMost(Duration.ofSeconds(30))
          .until(() -> Sql.count(postgres::connection, PARKED) == 0);
      List<ConsumerRecord<byte[], byte[]>> events =
          stack.topics().readAll("crash-changes", total, Duration.ofSeconds(60));
      Set<String> keys = new HashSet<>();
      events.forEach(e -> keys.add(new String(e.key(), StandardCharsets.UTF_8)));
      assertThat(keys).hasSize(total);
      System.out.printf(
          "after restart: %d rows, %d distinct replies (%d reply messages: %d answered again from the "
              + "recorded reply), %d change events for %d records%n",
          total,
          replies.size(),
          repliesReceived.get(),
          repliesReceived.get() - total,
          events.size(),
          keys.size());
      RequestClients.disconnectAll(clients);
      RequestClients.disconnectAll(parker);
    }
  }
}
