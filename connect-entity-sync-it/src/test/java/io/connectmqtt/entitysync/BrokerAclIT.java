package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.EntitySyncRequests;
import io.connectmqtt.testkit.ExternalCommand;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MosquittoSubscriber;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.TestBroker;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shipped broker ACLs (docker/acl) on the real stack, without JWT: entity sync and the
 * entity-notify sink from their plugin archives in a Connect worker of their own JVM, PostgreSQL,
 * and mosquitto or RabbitMQ started with the users alice, mallory, entity-sync and entity-notify
 * and the shipped ACL file. The topics' {@code {cid}} is bound to the broker user name, so the MQTT
 * client id, which any user can choose, gives nothing: mallory, connecting with client id {@code
 * alice} or her own, can neither put a request into {@code spec/alice/request} (alice's rows stay
 * as they were, no reply to it reaches anyone) nor read alice's replies or notifications, nor write
 * into them; alice (client id {@code alice.app}) creates, reads, subscribes and gets her
 * notification. mallory's clients are mosquitto_pub and mosquitto_sub, independent of the HiveMQ
 * client the connectors use. Each negative is closed by a sentinel: alice's own request after the
 * attacks, with one worker (requests handled in arrival order), whose reply and notification reach
 * alice; only then are mallory's inboxes read.
 */
@ExtendWith(SharedFixtures.class)
class BrokerAclIT {

  private static final Map<String, String> USERS =
      Map.of(
          "alice",
          "alice-pw",
          "mallory",
          "mallory-pw",
          "entity-sync",
          "entity-sync-pw",
          "entity-notify",
          "entity-notify-pw");
  private static PostgresDatabase postgres;
  private static ProcessStack stack;

  @BeforeAll
  static void start() throws Exception {
    MosquittoBroker.assumeAvailable();
    postgres = PostgresDatabase.start();
    Sql.execute(
        postgres::connection,
        "create table public.notes (id serial primary key, owner varchar(50) not null, "
            + "body varchar(200))");
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
  }

  @AfterAll
  static void stop() {
    TestResources.closeAll(postgres);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Broker.class,
      names = {"MOSQUITTO", "RABBITMQ"})
  void aBrokerUserCanUseOnlyItsOwnTopicsWhateverItsClientId(Broker kind) throws Exception {
    kind.assumeSelected();
    BrokerOptions options =
        BrokerOptions.DEFAULTS.withPersistence(false).withAccessControl(USERS, kind.shippedAcl());
    try (TestBroker broker = kind.start(options)) {
      String id = kind.name().toLowerCase();
      String changes = "acl-" + id + "-changes";
      String subscriptions = "acl-" + id + "-subscriptions";
      stack.topics().create(changes, 1);
      stack.topics().createCompacted(subscriptions);
      long[] rows = seedAliceRows(id);
      startConnectors(id, broker, changes, subscriptions);
      try (ProtocolClient alice =
          new ProtocolClient(
              broker.port(), "spec", "alice.app", "alice", "alice-pw", broker.mqtt5())) {
        alice.subscribe("spec/alice/notify/#");
        alice.awaitServed();
        String sid = aliceWorksEndToEnd(alice, id);

        // First the forged messages (a client id of alice's would take over the connection of a
        // subscriber with the same client id), then the subscribers, then the sentinel closing
        // both.
        List<String> attempts = forge(kind, broker, rows);
        List<MosquittoSubscriber> eavesdroppers = eavesdrop(broker);
        try {
          // The sentinel: alice's own update after every attack, handled after them (one worker),
          // notified to her.
          JsonNode sentinel =
              alice.send(
                  request(
                      "sentinel",
                      "update",
                      "\"record_id\":" + rows[2] + ",\"data\":{\"body\":\"" + id + "-sentinel\"}"),
                  "sentinel");
          assertThat(sentinel.path("success").asBoolean()).as(sentinel.toString()).isTrue();
          awaitNotification(alice, sid, id + "-sentinel");

          for (MosquittoSubscriber eavesdropper : eavesdroppers) {
            assertThat(eavesdropper.connected())
                .as("mallory logged in: " + eavesdropper.output())
                .isTrue();
            assertThat(eavesdropper.received()).as("delivered to " + eavesdropper).isEmpty();
          }
          assertThat(alice.received())
              .as("nothing mallory sent, and no reply to it, reaches alice")
              .noneMatch(r -> r.body().toString().contains("evil"));
          assertThat(bodies(id))
              .as("alice's rows after mallory's requests")
              .containsExactly(id + "-a1", id + "-a2", id + "-sentinel");
          System.out.printf(
              "BROKER-ACL: %s with %s: alice created, read, subscribed and was notified; mallory's %d "
                  + "forged messages and %d eavesdroppers got nothing through%n%s%n",
              broker.name(),
              kind.shippedAcl().getFileName(),
              attempts.size(),
              eavesdroppers.size(),
              String.join("\n", attempts));
        } finally {
          eavesdroppers.forEach(MosquittoSubscriber::close);
        }
      } finally {
        stack.rest().deleteAndAwaitGone("acl-sync-" + id, Duration.ofSeconds(30));
        stack.rest().deleteAndAwaitGone("acl-notify-" + id, Duration.ofSeconds(30));
      }
    }
  }

  /**
   * Two rows of alice's that mallory's requests would change, and one for alice's sentinel; their
   * ids.
   */
  private static long[] seedAliceRows(String id) throws Exception {
    long[] ids = new long[3];
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      for (int i = 0; i < 3; i++) {
        try (ResultSet key =
            statement.executeQuery(
                "insert into public.notes (owner, body) values ('alice', '"
                    + id
                    + "-a"
                    + (i + 1)
                    + "') returning id")) {
          key.next();
          ids[i] = key.getLong(1);
        }
      }
    }
    return ids;
  }

  private static List<String> bodies(String id) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "select body from public.notes where owner = 'alice' and (body like '"
                    + id
                    + "-a%' or body = '"
                    + id
                    + "-sentinel' or body like '%evil%') order by id")) {
      List<String> bodies = new ArrayList<>();
      while (rows.next()) {
        bodies.add(rows.getString(1));
      }
      return bodies;
    }
  }

  private static void startConnectors(
      String id, TestBroker broker, String changes, String subscriptions) {
    Map<String, String> sync =
        OpenEntitySync.config(broker.uri(), postgres.jdbcUrl(), "postgres", "public.notes");
    // No JWT on purpose: the broker's ACL alone binds the topics to a user.
    sync.put("mqtt.username", "entity-sync");
    sync.put("mqtt.password", USERS.get("entity-sync"));
    // RabbitMQ's ACL script lets this user use only queues of client ids entity-sync-<n>.
    sync.put("mqtt.client.id", "entity-sync");
    sync.put("entity.sync.topic.prefix", "spec");
    OpenEntitySync.topics(sync, changes, subscriptions);
    sync.put("entity.sync.state.table", "acl_" + id + "_requests");
    // One worker handles requests in the order the broker delivered them, so alice's sentinel comes
    // after mallory's requests, had the broker let any through.
    sync.put("entity.sync.workers", "1");
    stack.rest().createOrReplace("acl-sync-" + id, sync);
    Map<String, String> notify =
        OpenEntitySync.notifySink(broker.uri(), stack.bootstrapServers(), changes, subscriptions);
    notify.put("mqtt.username", "entity-notify");
    notify.put("mqtt.password", USERS.get("entity-notify"));
    notify.put("mqtt.client.id", "entity-notify");
    stack.rest().createOrReplace("acl-notify-" + id, notify);
    stack.rest().awaitRunning("acl-sync-" + id, 1, Duration.ofSeconds(90));
    stack.rest().awaitRunning("acl-notify-" + id, 1, Duration.ofSeconds(90));
  }

  private static String request(String id, String operation, String rest) {
    return EntitySyncRequests.request(id, operation, EntitySyncRequests.entity("notes"), rest);
  }

  /**
   * alice creates, reads, subscribes and is notified of her update; returns her subscription id.
   */
  private static String aliceWorksEndToEnd(ProtocolClient alice, String id) {
    JsonNode created =
        alice.send(
            request("c1", "create", "\"data\":{\"owner\":\"alice\",\"body\":\"" + id + "-own\"}"),
            "c1");
    assertThat(created.path("success").asBoolean()).as(created.toString()).isTrue();
    String row = created.path("data").path("id").asText();
    JsonNode read = alice.send(request("r1", "read", "\"record_id\":" + row), "r1");
    assertThat(read.path("data").path("body").asText()).as(read.toString()).isEqualTo(id + "-own");
    JsonNode subscribed =
        alice.send(
            "{\"id\":\"s1\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                + "\"entity\":\"notes\",\"options\":{\"filters\":[{\"column\":\"owner\",\"operator\":\"eq\","
                + "\"value\":\"alice\"}]}}",
            "s1");
    assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
    String sid = subscribed.path("data").path("subscription_id").asText();
    assertThat(subscribed.path("data").path("notify_topic").asText())
        .isEqualTo("spec/alice/notify/" + sid);
    // The notify sink reads the subscription from Kafka on its own time: update until a
    // notification comes.
    int[] updates = {0};
    Awaitility.await("alice notified of her own update")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              String body = id + "-own-" + updates[0]++;
              alice.send(
                  request(
                      "u" + updates[0],
                      "update",
                      "\"record_id\":" + row + ",\"data\":{\"body\":\"" + body + "\"}"),
                  "u" + updates[0]);
              return notified(alice, sid, body, Duration.ofMillis(400));
            });
    return sid;
  }

  private static void awaitNotification(ProtocolClient alice, String sid, String body) {
    assertThat(notified(alice, sid, body, Duration.ofSeconds(30)))
        .as("alice notified of '" + body + "': " + alice.received())
        .isTrue();
  }

  private static boolean notified(ProtocolClient alice, String sid, String body, Duration timeout) {
    try {
      Awaitility.await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  alice.received().stream()
                      .anyMatch(
                          r ->
                              r.topic().equals("spec/alice/notify/" + sid)
                                  && r.body().path("data").path("body").asText().equals(body)));
      return true;
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      return false;
    }
  }

  /**
   * mosquitto_pub's and mosquitto_sub's arguments for mallory as {@code clientId} on this broker
   * (-V 5 or mqttv311), then {@code more}.
   */
  private static String[] mallory(TestBroker broker, String clientId, String... more) {
    return MosquittoArgs.loggedIn(
        broker.mqtt5() ? "5" : "mqttv311", "mallory", USERS.get("mallory"), clientId, more);
  }

  /**
   * mallory's subscribers to alice's reply and notify topics: with client id alice (which an ACL on
   * the client id would let through), and with client ids of her own, one topic filter each,
   * wildcards too. Returned once the broker granted (and will filter) or refused each subscription.
   */
  private static List<MosquittoSubscriber> eavesdrop(TestBroker broker) {
    List<MosquittoSubscriber> eavesdroppers = new ArrayList<>();
    eavesdroppers.add(
        MosquittoSubscriber.start(
            broker.port(),
            mallory(broker, "alice", "-t", "spec/alice/response", "-t", "spec/alice/notify/#")));
    int n = 0;
    for (String filter :
        List.of(
            "spec/alice/response",
            "spec/alice/notify/#",
            "spec/+/response",
            "spec/+/notify/#",
            "spec/#",
            "#")) {
      // RabbitMQ's ACL script lets mallory subscribe only with her own client id or
      // mallory.<anything>.
      eavesdroppers.add(
          MosquittoSubscriber.start(
              broker.port(), mallory(broker, "mallory." + n++, "-t", filter)));
    }
    try {
      for (MosquittoSubscriber eavesdropper : eavesdroppers) {
        eavesdropper.awaitSubscribeHandled(Duration.ofSeconds(20));
      }
    } catch (RuntimeException | Error e) {
      eavesdroppers.forEach(MosquittoSubscriber::close);
      throw e;
    }
    return eavesdroppers;
  }

  /**
   * mallory's forged messages, each with mosquitto_pub and QoS 1: requests on alice's request topic
   * as client alice and as herself (a delete and an update of alice's rows), and a fake reply and
   * notification on alice's topics. Returns what each printed (mosquitto refuses with PUBACK "Not
   * authorized"; RabbitMQ closes the connection).
   */
  private static List<String> forge(Broker kind, TestBroker broker, long[] rows) {
    List<String[]> forged =
        List.of(
            new String[] {
              "alice", "spec/alice/request", request("evil-1", "delete", "\"record_id\":" + rows[0])
            },
            new String[] {
              "mallory",
              "spec/alice/request",
              request(
                  "evil-2", "update", "\"record_id\":" + rows[1] + ",\"data\":{\"body\":\"evil\"}")
            },
            new String[] {
              "alice",
              "spec/alice/response",
              "{\"id\":\"c1\",\"type\":\"response\",\"success\":true," + "\"data\":\"evil\"}"
            },
            new String[] {
              "mallory", "spec/alice/notify/x", "{\"type\":\"notification\",\"data\":\"evil\"}"
            });
    List<String> attempts = new ArrayList<>();
    for (String[] message : forged) {
      ExternalCommand.Result result =
          MosquittoBroker.attemptPublishTo(
              broker.port(), mallory(broker, message[0], "-t", message[1], "-m", message[2]));
      assertThat(result.output()).as("mallory logged in").contains("received CONNACK (0)");
      if (kind == Broker.MOSQUITTO) {
        assertThat(result.output()).as("mosquitto refuses the publish").contains("Not authorized");
      }
      attempts.add(
          "  client id "
              + message[0]
              + " -> "
              + message[1]
              + ": exit "
              + result.exitCode()
              + ", "
              + result
                  .output()
                  .lines()
                  .filter(l -> !l.contains("sending CONNECT") && !l.contains("CONNACK"))
                  .map(String::trim)
                  .reduce((a, b) -> a + " | " + b)
                  .orElse(""));
    }
    return attempts;
  }
}
