package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.entitysync.HostileSubscriptionCorpus.Entry;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 11, must-show 1: {@link HostileSubscriptionCorpus} through the real stack (entity sync and
 * the notify sink from the plugin archive in a Connect worker JVM, HiveMQ, PostgreSQL). Every
 * subscribe gets the reply the corpus expects; then {@link ChangeScript} writes rows that match,
 * miss, enter and leave the filters. Every subscriber gets exactly the notifications the corpus's
 * own predicates say (operation, key, content), none else, the refused ones none; both tasks stay
 * RUNNING; and the notify latency p99 of the benign subscriptions with the corpus stays within
 * twice a clean run's that publishes about as many notifications per write (a write's notifications
 * queue behind each other whatever the filters; what is compared is what hostile ones add).
 *
 * <p>Kafka and the worker are the module's {@link SharedFixtures}; connectors and topics are named
 * {@code hostile-*}; HiveMQ and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class HostileSubscriptionCorpusIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Below this a p99 difference is scheduling noise on a shared 2-core machine (a Kafka poll or an
   * MQTT flush), not a matcher that slowed down: hostile p99 must be at most max(2 × clean p99,
   * this).
   */
  private static final long LATENCY_FLOOR_MS = 50;

  /**
   * Copies of the benign subscriptions in the clean run, for about the hostile run's fan-out: 985
   * notifications against 883. Against the benign ones alone (250) the hostile run's p50 was the
   * clean one's on a quiet machine, but its p99 1.4 to 3.4 times: the benign notifications of a
   * write queued behind three times as many others.
   */
  private static final int CLEAN_COPIES = 3;

  /**
   * Rounds of a clean and a hostile run at most, stopping at the first that meets the bound. Alone,
   * and beside two busy-looping processes, the first round passes (45 against 54 ms, 57 against 99
   * ms); in clean-clone suite runs, with the other fork's NotifyScaleIT and the compat module's
   * Connect workers beside it, three were once not enough (best 115 against 2 × 33 ms) and five
   * once needed the fifth (p99s of 150 to 490 ms in both runs alike). A round costs 10 to 20 s.
   */
  private static final int MAX_ROUNDS = 8;

  private static final String SYNC = "hostile-sync";
  private static final String NOTIFY = "hostile-notify";
  private static final String CHANGES = "hostile-changes";
  private static final String SUBSCRIPTIONS = "hostile-subscriptions";

  private static HiveMqBroker hivemq;
  private static PostgresDatabase postgres;
  private static ProcessStack stack;
  private static ConnectRest.Deletion connectors;
  private static Mqtt5AsyncClient listener;

  /** Everything published under spec/# and elsewhere/#, with its arrival time. */
  private static final List<ChangeScript.Arrival> ARRIVALS = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    hivemq = HiveMqBroker.start();
    postgres = PostgresDatabase.start();
    // Kafka and a Connect worker as their own JVMs, the worker loading only the plugin archive, as
    // users run it.
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    connectors = stack.rest().deletingOnClose(SYNC, NOTIFY);
    Sql.execute(
        postgres::connection,
        "create table public.items (id serial primary key, name varchar(1000), code varchar(20), "
            + "qty integer, amount numeric, ratio double precision, flag boolean, step varchar(20))");
    // One partition: every change, the sentinel last, is processed in order, so the sentinel is a
    // signal.
    stack.topics().create(CHANGES, 1);
    stack.topics().createCompacted(SUBSCRIPTIONS);
    stack
        .rest()
        .createOrReplace(
            SYNC,
            OpenEntitySync.topics(
                OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.items"),
                CHANGES,
                SUBSCRIPTIONS));
    Map<String, String> notify =
        OpenEntitySync.notifySink(hivemq.uri(), stack.bootstrapServers(), CHANGES, SUBSCRIPTIONS);
    stack.rest().createOrReplace(NOTIFY, notify);
    stack.rest().awaitRunning(SYNC, 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning(NOTIFY, 1, Duration.ofSeconds(90));
    listener =
        MqttClient.builder()
            .identifier("corpus-listener")
            .serverHost("127.0.0.1")
            .serverPort(hivemq.port())
            .useMqttVersion5()
            .buildAsync();
    listener.publishes(
        MqttGlobalPublishFilter.ALL,
        publish ->
            ARRIVALS.add(
                new ChangeScript.Arrival(
                    publish.getTopic().toString(),
                    new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8),
                    System.nanoTime())));
    listener.connectWith().restrictions().receiveMaximum(65_535).applyRestrictions().send().join();
    for (String filter : List.of("spec/+/notify/#", "spec/+/inbox", "elsewhere/#")) {
      listener.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
    }
  }

  /** A copy of what arrived from index {@code from} on. */
  private static List<ChangeScript.Arrival> arrivalsSince(int from) {
    return Snapshots.since(ARRIVALS, from);
  }

  @AfterAll
  static void stop() {
    if (listener != null) {
      listener.disconnect().exceptionally(e -> null).join();
    }
    TestResources.closeAll(connectors, hivemq, postgres);
  }

  @Test
  void
      hostileSubscriptionsGetTheirDocumentedRepliesAndExactlyTheirNotificationsWithoutSlowingOthers()
          throws Exception {
    List<Entry> benign = HostileSubscriptionCorpus.benignAtVolume(CLEAN_COPIES);
    // A first run warms up the JIT, connections and the sink's consumers, so that the clean run is
    // not the slow one.
    run("warmup", benign);
    List<Entry> corpus = HostileSubscriptionCorpus.hostile();
    assertThat(corpus.size() - HostileSubscriptionCorpus.benign().size())
        .as("hostile entries")
        .isGreaterThanOrEqualTo(100);
    // Stalls of a shared machine only ever add latency, so a matcher that really slows the others
    // down fails every round, and a stall fails one. Up to MAX_ROUNDS rounds of a clean run and a
    // hostile run, each checked in full (replies, notifications), the best of each compared: clean
    // and hostile runs alternate so that a load that comes or goes meets both alike.
    List<Long> cleanP99s = new ArrayList<>();
    List<Long> hostileP99s = new ArrayList<>();
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      String suffix = round == 1 ? "" : Integer.toString(round);
      Latencies clean = run("clean" + suffix, benign);
      Latencies hostile = run("hostile" + suffix, corpus);
      cleanP99s.add(ChangeScript.p99(clean.benign()));
      hostileP99s.add(ChangeScript.p99(hostile.benign()));
      assertThat(clean.all().size())
          .as("notifications of the clean run: at least the hostile run's, and not many more")
          .isBetween(hostile.all().size(), hostile.all().size() * 5 / 4);
      System.out.printf(
          "notify latency, round %d: clean p99 %d ms (%s; %d over all); hostile p99 %d ms for the"
              + " same benign subscriptions (%s), p99 %d ms over all (%s)%n",
          round,
          ChangeScript.p99(clean.benign()),
          ChangeScript.summary(clean.benign()),
          clean.all().size(),
          ChangeScript.p99(hostile.benign()),
          ChangeScript.summary(hostile.benign()),
          ChangeScript.p99(hostile.all()),
          ChangeScript.summary(hostile.all()));
      if (Collections.min(hostileP99s) <= latencyBound(cleanP99s)) {
        break;
      }
    }
    // Like for like: the benign subscriptions' notifications, the same in both runs, each run
    // publishing about as many per write.
    assertThat(Collections.min(hostileP99s))
        .as(
            "best hostile p99 (ms) of %s against max(2 × best clean p99 of %s, %d ms)",
            hostileP99s, cleanP99s, LATENCY_FLOOR_MS)
        .isLessThanOrEqualTo(latencyBound(cleanP99s));
  }

  /** What the best hostile p99 may reach: twice the best clean one, or the noise floor. */
  private static long latencyBound(List<Long> cleanP99s) {
    return Math.max(2 * Collections.min(cleanP99s), LATENCY_FLOOR_MS);
  }

  /**
   * Notify latencies in ms, of all notifications of a run and of those to its benign subscriptions.
   */
  private record Latencies(List<Long> all, List<Long> benign) {}

  /**
   * Subscribes {@code entries} for clients named {@code run-*}, runs the script, checks; the
   * latencies.
   */
  private Latencies run(String run, List<Entry> entries) throws Exception {
    Map<String, ProtocolClient> clients = new LinkedHashMap<>();
    try {
      for (String name : HostileSubscriptionCorpus.CLIENTS) {
        clients.put(name, new ProtocolClient(hivemq.port(), "spec", run + "-" + name));
      }
      int[] pings = {0};
      Awaitility.await("entity sync subscribed (answers a ping)")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> clients.get("ann").pings(run + "-ping-" + pings[0]++, Duration.ofSeconds(1)));
      // Subscription id → the entry it was accepted for; owner checked from the notify topic the
      // reply names.
      Map<String, Entry> accepted = new LinkedHashMap<>();
      List<String> wrongReplies = new ArrayList<>();
      for (Entry entry : entries) {
        String self = run + "-" + entry.client();
        String other = run + "-" + next(entry.client());
        String body =
            entry
                .body()
                .replace("{other-notify}", "spec/" + other + "/notify/x")
                .replace("{other}", other);
        String json = "{\"id\":\"" + entry.requestId() + "\"," + body + "}";
        // A request that is not JSON, or over request.max.bytes (64 KiB) and so not read, is
        // answered with the
        // id "" (docs/protocol.md).
        boolean read = readable(json) && json.getBytes(StandardCharsets.UTF_8).length <= 64 * 1024;
        String replyId = read ? entry.requestId() : "";
        JsonNode reply =
            entry.responseTopic() == null
                ? clients.get(entry.client()).send(json, replyId)
                : clients
                    .get(entry.client())
                    .sendRedirected(
                        json,
                        replyId,
                        entry
                            .responseTopic()
                            .replace("{self}", "spec/" + self)
                            .replace("{other}", "spec/" + other));
        String got =
            reply.path("success").asBoolean() ? "ok" : reply.path("error").path("code").asText();
        if (!got.equals(entry.expected())) {
          wrongReplies.add(
              entry.label() + ": expected " + entry.expected() + ", got " + abbreviate(reply));
          continue;
        }
        if (got.equals("ok")) {
          String sid = reply.path("data").path("subscription_id").asText();
          assertThat(reply.path("data").path("notify_topic").asText())
              .as(entry.label())
              .isEqualTo("spec/" + self + "/notify/" + sid);
          accepted.put(sid, entry);
        }
      }
      assertThat(wrongReplies).as("entries whose reply is not the documented one").isEmpty();
      for (String name : HostileSubscriptionCorpus.CLIENTS) {
        List<String> own = new ArrayList<>(List.of(""));
        entries.stream()
            .filter(e -> e.client().equals(name))
            .map(Entry::requestId)
            .forEach(own::add);
        assertThat(clients.get(name).replies())
            .as("replies " + name + " got: only to its own requests")
            .allMatch(
                reply ->
                    own.contains(reply.path("id").asText())
                        || reply.path("id").asText().startsWith(run + "-ping-"));
      }
      assertRunning();

      ChangeScript script = new ChangeScript(clients.get("eve"), run);
      int from = ARRIVALS.size();
      script.play(HostileSubscriptionCorpusIT::assertRunning);
      List<ChangeScript.Expected> expected = script.expected(accepted, run);
      // The sentinel row comes last on each client's topics, but the row before it may still be
      // on its way on another topic (MQTT orders per topic): every expected notification is
      // awaited too.
      Awaitility.await("every subscriber's sentinel and every expected notification")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .untilAsserted(
              () -> {
                assertThat(HostileSubscriptionCorpus.CLIENTS)
                    .as("clients whose sentinel arrived")
                    .allMatch(
                        client -> script.sawSentinel(arrivalsSince(from), run + "-" + client));
                assertThat(ChangeScript.missing(expected, arrivalsSince(from)))
                    .as("expected notifications not arrived")
                    .isEmpty();
              });
      assertRunning();
      assertThat(hivemq.droppedMessages()).as("messages the broker dropped").isZero();
      assertThat(arrivalsSince(from))
          .as("notifications since this run's first write: none for an earlier run's subscriptions")
          .filteredOn(a -> a.topic().contains("/notify/"))
          .allMatch(a -> a.topic().startsWith("spec/" + run + "-"));
      List<ChangeScript.Arrival> arrivals =
          arrivalsSince(from).stream()
              .filter(
                  a ->
                      a.topic().startsWith("spec/" + run + "-")
                          || a.topic().startsWith("elsewhere/"))
              .toList();
      assertThat(arrivals)
          .as("nothing on a topic outside the requesting client's own")
          .noneMatch(a -> a.topic().startsWith("elsewhere/"));
      List<String> receivedNotifications =
          arrivals.stream()
              .filter(a -> a.topic().contains("/notify/"))
              .map(ChangeScript::describe)
              .sorted()
              .toList();
      assertThat(receivedNotifications)
          .as("notifications, run " + run)
          .containsExactlyInAnyOrderElementsOf(
              expected.stream().map(ChangeScript.Expected::description).toList());
      List<String> benignIds =
          HostileSubscriptionCorpus.benign().stream().map(Entry::requestId).toList();
      unsubscribe(run, clients, accepted);
      return new Latencies(
          script.latencies(arrivals, expected),
          script.latencies(
              arrivals,
              expected.stream().filter(e -> benignIds.contains(e.entry().requestId())).toList()));
    } finally {
      clients.values().forEach(ProtocolClient::close);
    }
  }

  /**
   * Ends a run's subscriptions, so that the next run's writes notify only its own. The listener
   * hears every run's notify topics: without this each run also published the notifications of
   * every earlier run's subscriptions (a first hostile run 2.8 times as many as the clean run
   * before it, a third 6.3 times), and failed the latency bound on a quiet machine (146 ms against
   * 2 × 64 ms).
   */
  private static void unsubscribe(
      String run, Map<String, ProtocolClient> clients, Map<String, Entry> accepted) {
    int request = 0;
    for (Map.Entry<String, Entry> subscription : accepted.entrySet()) {
      String id = run + "-unsubscribe-" + request++;
      JsonNode reply =
          clients
              .get(subscription.getValue().client())
              .send(
                  "{\"id\":\""
                      + id
                      + "\",\"type\":\"subscription\",\"operation\":\"unsubscribe\","
                      + "\"subscription_id\":\""
                      + subscription.getKey()
                      + "\"}",
                  id);
      assertThat(reply.path("data").path("unsubscribed").asBoolean())
          .as("unsubscribe " + subscription.getValue().label() + ": " + abbreviate(reply))
          .isTrue();
    }
  }

  private static void assertRunning() {
    for (String connector : List.of(SYNC, NOTIFY)) {
      JsonNode status = stack.rest().status(connector);
      assertThat(status.path("connector").path("state").asText())
          .as(status.toString())
          .isEqualTo("RUNNING");
      assertThat(status.path("tasks").get(0).path("state").asText())
          .as(status.toString())
          .isEqualTo("RUNNING");
    }
  }

  private static boolean readable(String json) {
    try {
      JSON.readTree(json);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static String next(String client) {
    List<String> all = HostileSubscriptionCorpus.CLIENTS;
    return all.get((all.indexOf(client) + 1) % all.size());
  }

  private static String abbreviate(JsonNode reply) {
    String text = reply.toString();
    return text.length() > 300 ? text.substring(0, 300) + "…" : text;
  }
}
