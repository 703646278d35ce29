package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.entitysync.SecurityCase.Op;
import io.connectmqtt.entitysync.SecurityCase.Sender;
import io.connectmqtt.entitysync.SecurityCase.Target;
import io.connectmqtt.entitysync.SecurityCase.Token;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ExternalCommand;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.TestBroker;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 11, "must show 3": every operation the parser knows, under every attack that applies to it,
 * against the real stack: entity sync (JWT, role rules, tenant isolation from the token) and the
 * entity-notify sink in the module's shared Connect worker JVM ({@link SharedFixtures}, connectors
 * and topics named {@code suite-*}), PostgreSQL, and mosquitto with the shipped ACL
 * (docker/acl/mosquitto.acl: each user's topics are {@code spec/<user>/...}). alice (tenant acme)
 * and bob (tenant globex) each watch every row of their tenant; mallory is a third broker user.
 * Each case (see {@link SecurityCase#cases}) asserts the reply's exact error code, then closes with
 * a sentinel: alice and bob each change their sentinel row and alice forwards a message, one worker
 * handling requests in arrival order; once both notifications, both change events and the forwarded
 * message arrived, the forbidden request's effects would have too. Then: no message anyone received
 * since the attempt but its reply and the sentinels' (no row data of another tenant anywhere, no
 * notification, nothing on bob's topics), no change event and no forwarded message but the
 * sentinels', and the database (rows and subscriptions) unchanged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedFixtures.class)
class EntitySyncSecuritySuiteIT {

  private static final String SECRET = "another-secret-of-at-least-thirty-two-characters";
  private static final Map<String, String> USERS =
      Map.of(
          "alice",
          "alice-pw",
          "bob",
          "bob-pw",
          "mallory",
          "mallory-pw",
          "entity-sync",
          "entity-sync-pw",
          "entity-notify",
          "entity-notify-pw");
  private static final String SUBSCRIPTIONS_TABLE = "public.suite_requests_subscriptions";
  private static final long ALICE_SENTINEL = 1;
  private static final long BOB_SENTINEL = 2;
  private static final long LIFETIME_ROW = 10;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger CASES = new AtomicInteger();
  private static final AtomicInteger SENTINELS = new AtomicInteger();
  private static TestBroker mosquitto;
  private static PostgresDatabase postgres;
  private static ProcessStack stack;
  private static ConnectRest.Deletion connectors;
  private static SuiteClient alice;
  private static SuiteClient bob;
  private static SuiteClient mallory;
  private static TopicLog changes;
  private static TopicLog forwarded;
  private static String aliceWatch;
  private static String bobWatch;
  private static String aliceNamingGlobex;

  @BeforeAll
  static void start() throws Exception {
    MosquittoBroker.assumeAvailable();
    mosquitto =
        Broker.MOSQUITTO.start(
            BrokerOptions.DEFAULTS
                .withPersistence(false)
                .withAccessControl(USERS, Broker.MOSQUITTO.shippedAcl()));
    postgres = PostgresDatabase.start();
    Sql.execute(
        postgres::connection,
        "create table public.projects (id serial primary key, tenant_id varchar(50) not null, "
            + "name varchar(50))",
        "insert into public.projects (tenant_id, name) values ('acme','A-project'),"
            + "('globex','G-SECRET-P')",
        "create table public.notes (id serial primary key, tenant_id varchar(50) not null, "
            + "body varchar(200), project_id int references public.projects(id))",
        // 1, 2: the sentinels; 3: alice's row; 4: bob's; 5: alice's, referring to bob's project;
        // 6-10 spare.
        "insert into public.notes (tenant_id, body, project_id) values ('acme','sentinel',null),"
            + "('globex','sentinel',null),('acme','A-SECRET-1',1),('globex','G-SECRET-1',2),('acme','A-SECRET-2',2),"
            + "('acme','A-spare-6',null),('acme','A-spare-7',null),('acme','A-spare-8',null),('acme','A-spare-9',null),"
            + "('acme','A-life',null)",
        "create table public.plain (id serial primary key, body varchar(20))",
        "insert into public.plain (body) values ('P-1')");
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    connectors = stack.rest().deletingOnClose("suite-sync", "suite-notify");
    stack.topics().create("suite-changes", 1);
    stack.topics().createCompacted("suite-subscriptions");
    stack.topics().create("suite-forwarded", 1);
    startConnectors();
    alice = new SuiteClient(mosquitto.port(), "alice", USERS.get("alice"), "alice.app");
    bob = new SuiteClient(mosquitto.port(), "bob", USERS.get("bob"), "bob.app");
    mallory = new SuiteClient(mosquitto.port(), "mallory", USERS.get("mallory"), "mallory.app");
    changes = new TopicLog(stack.bootstrapServers(), "suite-changes");
    forwarded = new TopicLog(stack.bootstrapServers(), "suite-forwarded");
    // Requests published before entity sync subscribed reach no one: ping until it answers.
    int[] pings = {0};
    Awaitility.await("entity sync answers")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              int from = alice.mark();
              String id = "ping-" + pings[0]++;
              alice.publish("{\"id\":\"" + id + "\",\"type\":\"ping\"}", jwt(Token.ALICE), null);
              // The pause between pings of this polling loop, a bounded wait for the reply before
              // the next ping, not a wait for an event.
              Thread.sleep(500);
              return alice.since(from).stream().anyMatch(m -> alice.isReply(m, id));
            });
    aliceWatch = watch(alice, jwt(Token.ALICE));
    JsonNode narrowed =
        alice.send(
            Op.SUBSCRIBE.json("naming-globex", new Target(0, null, "globex", "notes", null)),
            "naming-globex",
            jwt(Token.ALICE));
    assertThat(narrowed.path("success").asBoolean()).as(narrowed.toString()).isTrue();
    aliceNamingGlobex = narrowed.path("data").path("subscription_id").asText();
    bobWatch = watch(bob, bobToken());
    // The notify sink reads subscriptions on its own time: sentinel rounds until both are notified.
    Awaitility.await("both watching subscriptions notified")
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(
            () -> {
              sentinel(Duration.ofSeconds(3));
              return true;
            });
  }

  private static void startConnectors() {
    Map<String, String> sync =
        OpenEntitySync.config(
            mosquitto.uri(),
            postgres.jdbcUrl(),
            "postgres",
            "public.notes,public.projects,public.plain");
    sync.remove("entity.sync.auth");
    sync.put("mqtt.username", "entity-sync");
    sync.put("mqtt.password", USERS.get("entity-sync"));
    sync.put("mqtt.client.id", "entity-sync");
    OpenEntitySync.jwtTenants(sync, SECRET, "writer:*:*");
    sync.put("subscriptions.max.per.client", "20");
    sync.put("entity.sync.passthrough.topic", "suite-forwarded");
    OpenEntitySync.topics(sync, "suite-changes", "suite-subscriptions");
    sync.put("entity.sync.state.table", "suite_requests");
    // One worker: requests are handled in the order the broker delivered them, so the sentinel
    // comes last.
    sync.put("entity.sync.workers", "1");
    stack.rest().createOrReplace("suite-sync", sync);
    Map<String, String> notify =
        OpenEntitySync.notifySink(
            mosquitto.uri(), stack.bootstrapServers(), "suite-changes", "suite-subscriptions");
    notify.put("mqtt.username", "entity-notify");
    notify.put("mqtt.password", USERS.get("entity-notify"));
    notify.put("mqtt.client.id", "entity-notify");
    stack.rest().createOrReplace("suite-notify", notify);
    stack.rest().awaitRunning("suite-sync", 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning("suite-notify", 1, Duration.ofSeconds(90));
  }

  /** Subscribes {@code client} to every row its tenant may see; returns the subscription id. */
  private static String watch(SuiteClient client, String token) {
    String id = "watch-" + client.user;
    JsonNode reply =
        client.send(Op.SUBSCRIBE.json(id, new Target(0, null, null, "notes", null)), id, token);
    assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
    return reply.path("data").path("subscription_id").asText();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable :
        new AutoCloseable[] {
          alice, bob, mallory, changes, forwarded, connectors, mosquitto, postgres
        }) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        System.err.println("closing " + closeable + ": " + e);
      }
    }
    System.out.printf(
        "SECURITY-SUITE: %d cases, %d sentinel rounds%n", CASES.get(), SENTINELS.get());
  }

  static String jwt(Token token) throws Exception {
    long now = System.currentTimeMillis() / 1000;
    return switch (token) {
      case ALICE -> claims("alice", "acme", now + 3600);
      case MALLORY -> claims("mallory", "acme", now + 3600);
      case ALICE_AS_GLOBEX -> claims("alice", "globex", now + 3600);
      case ALICE_EXPIRED -> claims("alice", "acme", now - 5);
      case NONE -> null;
    };
  }

  private static String bobToken() throws Exception {
    return claims("bob", "globex", System.currentTimeMillis() / 1000 + 3600);
  }

  private static String claims(String sub, String tenant, long exp) throws Exception {
    return EntitySyncSecurityIT.token(
        SECRET,
        "HS256",
        "{\"sub\":\""
            + sub
            + "\",\"tenant\":\""
            + tenant
            + "\",\"role\":[\"writer\"],\"exp\":"
            + exp
            + "}");
  }

  static Stream<SecurityCase> cases() {
    Target own = new Target(3, () -> aliceWatch, "acme", "notes", "changed");
    Target bobs = new Target(4, () -> bobWatch, "globex", "notes", "changed");
    Target namingGlobex = new Target(3, () -> aliceNamingGlobex, "acme", "notes", null);
    return SecurityCase.cases(
        own, bobs, own.withRow(5), namingGlobex, () -> "spec/bob/notify/" + bobWatch, 6, 7, 8)
        .stream();
  }

  @Test
  @Order(1)
  void theSuiteWalksEveryOperationTheParserKnows() throws Exception {
    RequestParser parser = new RequestParser(null, 10_000, 1_000, true);
    Target any = new Target(1, () -> "sid", "acme", "notes", "v");
    Set<String> walked = new HashSet<>();
    for (Op op : Op.values()) {
      walked.add(parser.operationName(op.type, JSON.readTree(op.json("x", any))));
    }
    Set<String> known = new HashSet<>(RequestParser.OPERATIONS);
    known.addAll(RequestParser.SUBSCRIPTION_OPERATIONS);
    RequestParser.TYPES.stream()
        .filter(type -> !type.equals("request") && !type.equals("subscription"))
        .forEach(known::add);
    known.add("forward");
    assertThat(walked).as("operations of the suite vs the parser's").isEqualTo(known);
    assertThat(RequestParser.renewedId(JSON.readTree(Op.RENEW.json("x", any))))
        .as("RENEW renews")
        .isPresent();
    assertThat(RequestParser.renewedId(JSON.readTree(Op.SUBSCRIBE.json("x", any)))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @Order(3)
  @MethodSource("cases")
  void refusedAndNothingLeaks(SecurityCase c) throws Exception {
    CASES.incrementAndGet();
    String id = "case-" + CASES.get();
    SuiteClient sender = c.sender() == Sender.MALLORY ? mallory : alice;
    JsonNode first = null;
    if (c.prepared() != null) {
      first = alice.send(c.op().json(id, c.prepared()), id, jwt(Token.ALICE));
      assertThat(first.path("success").asBoolean()).as("the first request " + first).isTrue();
      sentinel(
          Duration.ofSeconds(30)); // its notifications and events are in before the marks below
    }
    int[] marks = {alice.mark(), bob.mark(), mallory.mark()};
    int changesMark = changes.mark();
    int forwardedMark = forwarded.mark();
    boolean subscriptionsChange = c.op() == Op.SUBSCRIBE && c.expected().equals(SecurityCase.OK);
    String before = database(!subscriptionsChange);
    String request = c.op().json(id, c.target());
    if (c.sender() == Sender.MALLORY_ON_ALICES_TOPIC) {
      ExternalCommand.Result result =
          MosquittoBroker.attemptPublishTo(
              mosquitto.port(),
              MosquittoArgs.loggedIn(
                  "5",
                  "mallory",
                  USERS.get("mallory"),
                  "alice",
                  "-t",
                  "spec/alice/request",
                  "-D",
                  "publish",
                  "user-property",
                  "authorization",
                  "Bearer " + jwt(c.token()),
                  "-m",
                  request));
      assertThat(result.output()).as("mallory logged in").contains("received CONNACK (0)");
      assertThat(result.output()).as("mosquitto refuses the publish").contains("Not authorized");
    } else {
      int from = sender.mark();
      sender.publish(
          request, jwt(c.token()), c.responseTopic() == null ? null : c.responseTopic().get());
      JsonNode reply = sender.await(from, m -> sender.isReply(m, id)).body();
      assertOutcome(reply, c.expected());
      if (first != null) {
        JsonNode repeated = sender.send(c.op().json(id, c.prepared()), id, jwt(Token.ALICE));
        assertThat(repeated.path("data"))
            .as("the first request repeated: its reply " + repeated)
            .isEqualTo(first.path("data"));
      }
    }
    sentinel(Duration.ofSeconds(30));

    List<String> unexpected = new ArrayList<>();
    SuiteClient[] clients = {alice, bob, mallory};
    for (int i = 0; i < clients.length; i++) {
      SuiteClient client = clients[i];
      for (SuiteClient.Message message : client.since(marks[i])) {
        boolean own =
            client == sender
                && c.sender() != Sender.MALLORY_ON_ALICES_TOPIC
                && client.isReply(message, id);
        if (!own && !isSentinel(client, message)) {
          unexpected.add(client.user + " <- " + message.topic() + " " + message.text());
        }
        String foreign = client == alice ? "G-SECRET" : client == bob ? "A-SECRET" : "SECRET";
        assertThat(message.text())
            .as(client.user + " received another tenant's data")
            .doesNotContain(foreign);
      }
    }
    assertThat(unexpected).as("messages but the reply and the sentinels'").isEmpty();
    assertThat(changes.since(changesMark))
        .as("change events but the sentinels'")
        .allMatch(event -> event.path("source").path("request_id").asText().matches("s[ab]-\\d+"));
    assertThat(forwarded.since(forwardedMark))
        .as("forwarded messages but the sentinel's")
        .allMatch(message -> message.path("id").asText().startsWith("fwd-"));
    assertThat(database(!subscriptionsChange)).as("rows and subscriptions").isEqualTo(before);
  }

  private static void assertOutcome(JsonNode reply, String expected) {
    if (expected.equals(SecurityCase.OK)) {
      assertThat(reply.path("success").asBoolean(false)).as(reply.toString()).isTrue();
      return;
    }
    assertThat(reply.path("success").asBoolean(true)).as(reply.toString()).isFalse();
    assertThat(reply.path("error").path("code").asText()).as(reply.toString()).isEqualTo(expected);
    assertThat(reply.has("data")).as("an error carries no data: " + reply).isFalse();
  }

  private static boolean isSentinel(SuiteClient client, SuiteClient.Message message) {
    String sentinelReply = client == alice ? "(sa|fwd)-\\d+" : client == bob ? "sb-\\d+" : "none";
    if (message.topic().equals("spec/" + client.user + "/response")) {
      return message.id() != null && message.id().matches(sentinelReply);
    }
    String watch = client == alice ? aliceWatch : client == bob ? bobWatch : "none";
    long row = client == alice ? ALICE_SENTINEL : BOB_SENTINEL;
    return message.topic().equals("spec/" + client.user + "/notify/" + watch)
        && message.body().path("data").path("id").asLong() == row;
  }

  /**
   * alice and bob change their sentinel rows, alice forwards a message; returns once the replies,
   * both notifications, both change events and the forwarded message arrived.
   */
  private static void sentinel(Duration timeout) throws Exception {
    int n = SENTINELS.incrementAndGet();
    int[] from = {alice.mark(), bob.mark()};
    int changesFrom = changes.mark();
    int forwardedFrom = forwarded.mark();
    String body = "sentinel-" + n;
    alice.publish(
        Op.UPDATE.json("sa-" + n, new Target(ALICE_SENTINEL, null, null, "notes", body)),
        jwt(Token.ALICE),
        null);
    bob.publish(
        Op.UPDATE.json("sb-" + n, new Target(BOB_SENTINEL, null, null, "notes", body)),
        bobToken(),
        null);
    alice.publish(
        Op.FORWARD.json("fwd-" + n, new Target(0, null, null, null, body)), jwt(Token.ALICE), null);
    Awaitility.await("sentinel " + n)
        .atMost(timeout)
        .untilAsserted(
            () -> {
              assertThat(alice.since(from[0]))
                  .anyMatch(m -> notified(m, "alice", aliceWatch, body));
              assertThat(bob.since(from[1])).anyMatch(m -> notified(m, "bob", bobWatch, body));
            });
    changes.awaitValue(
        changesFrom, e -> e.path("source").path("request_id").asText().equals("sb-" + n));
    changes.awaitValue(
        changesFrom, e -> e.path("source").path("request_id").asText().equals("sa-" + n));
    forwarded.awaitValue(forwardedFrom, m -> m.path("id").asText().equals("fwd-" + n));
  }

  private static boolean notified(
      SuiteClient.Message message, String user, String sid, String body) {
    return message.topic().equals("spec/" + user + "/notify/" + sid)
        && message.body() != null
        && message.body().path("data").path("body").asText().equals(body);
  }

  /** Every row but the sentinels', and (if asked) every subscription, as text. */
  private static String database(boolean withSubscriptions) throws Exception {
    StringBuilder text = new StringBuilder();
    List<String> queries =
        new ArrayList<>(
            List.of(
                "select id, tenant_id, body, project_id from public.notes where id > 2 order by id",
                "select * from public.projects order by id",
                "select * from public.plain order by id"));
    if (withSubscriptions) {
      queries.add(
          "select subscription_id, client_id, expires_at, definition from "
              + SUBSCRIPTIONS_TABLE
              + " order by subscription_id");
    }
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      for (String query : queries) {
        try (ResultSet rows = statement.executeQuery(query)) {
          int columns = rows.getMetaData().getColumnCount();
          while (rows.next()) {
            for (int i = 1; i <= columns; i++) {
              text.append(rows.getString(i)).append(i == columns ? "\n" : "|");
            }
          }
        }
      }
    }
    return text.toString();
  }

  /**
   * A subscription ends with its token: notified while the token is valid, never after its exp, not
   * renewable afterwards (with the expired token: forbidden; with a fresh one: it is gone), and
   * removed from the table.
   */
  @Test
  @Order(2)
  void aSubscriptionDoesNotOutliveItsToken() throws Exception {
    // Long enough for a subscribe and a notification on a loaded machine (the notify sink picks a
    // subscription up on its own time); the test waits it out.
    long exp = System.currentTimeMillis() / 1000 + 30;
    String shortLived = claims("alice", "acme", exp);
    JsonNode subscribed =
        alice.send(
            Op.SUBSCRIBE.json("life-sub", new Target(0, null, null, "notes", "life")),
            "life-sub",
            shortLived);
    assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
    String sid = subscribed.path("data").path("subscription_id").asText();
    assertThat(Instant.parse(subscribed.path("data").path("expires_at").asText()))
        .isBeforeOrEqualTo(Instant.ofEpochSecond(exp));
    String topic = "spec/alice/notify/" + sid;
    // The notify sink reads the subscription on its own time: change the row until it is notified.
    int[] n = {0};
    Awaitility.await("notified while the token is valid")
        .atMost(Duration.ofSeconds(25))
        .until(
            () -> {
              int from = alice.mark();
              String id = "life-" + n[0]++;
              alice.send(
                  Op.UPDATE.json(id, new Target(LIFETIME_ROW, null, null, "notes", "life")),
                  id,
                  jwt(Token.ALICE));
              Thread.sleep(200); // a bounded wait for the notification, whose absence has no signal
              return alice.since(from).stream().anyMatch(m -> m.topic().equals(topic));
            });
    Awaitility.await("the token expired")
        .atMost(Duration.ofSeconds(35))
        .until(() -> Instant.now().isAfter(Instant.ofEpochSecond(exp).plusMillis(200)));
    int from = alice.mark();
    alice.send(
        Op.UPDATE.json("life-after", new Target(LIFETIME_ROW, null, null, "notes", "life")),
        "life-after",
        jwt(Token.ALICE));
    sentinel(Duration.ofSeconds(30));
    assertThat(alice.since(from))
        .as("notified after the token's exp")
        .noneMatch(m -> m.topic().equals(topic));
    assertOutcome(
        alice.send(
            Op.RENEW.json("life-r1", new Target(0, () -> sid, null, null, null)),
            "life-r1",
            shortLived),
        "forbidden");
    assertOutcome(
        alice.send(
            Op.RENEW.json("life-r2", new Target(0, () -> sid, null, null, null)),
            "life-r2",
            jwt(Token.ALICE)),
        "subscription_not_found");
    Awaitility.await("the expired subscription removed")
        .atMost(Duration.ofSeconds(60))
        .until(() -> !database(true).contains(sid));
  }
}
