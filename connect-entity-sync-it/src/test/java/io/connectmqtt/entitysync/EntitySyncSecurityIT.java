package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tenant isolation with JWT authentication: tenant A can neither read, change nor delete tenant B's
 * rows.
 *
 * <p>Kafka and the worker are the module's {@link SharedFixtures}; the connector and topics are
 * named {@code secure-*}; HiveMQ and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class EntitySyncSecurityIT {

  private static final String SECRET = "a-secret-of-at-least-thirty-two-characters!";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static HiveMqBroker hivemq;
  private static PostgresDatabase postgres;
  private static ProcessStack stack;
  private static ConnectRest.Deletion connector;

  @BeforeAll
  static void start() throws Exception {
    hivemq = HiveMqBroker.start();
    postgres = PostgresDatabase.start();
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    connector = stack.rest().deletingOnClose("secure-sync");
    Sql.execute(
        postgres::connection,
        "create table public.notes (id serial primary key, tenant_id varchar(50) not null, "
            + "body varchar(200))",
        "insert into public.notes (tenant_id, body) values ('acme','a1'),('acme','a2'),"
            + "('acme','a3'),('globex','g1'),('globex','g2')",
        "create table public.plain (id serial primary key, body varchar(20))");
    Map<String, String> config =
        OpenEntitySync.withAuthentication(
            hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.notes,public.plain");
    OpenEntitySync.jwtTenants(config, SECRET, "writer:*:*;reader:notes:read,meta");
    config.put("entity.sync.audit.table", "audit_log");
    config.put("subscriptions.max.per.client", "3");
    config.put("entity.sync.passthrough.topic", "secure-app-messages");
    OpenEntitySync.topics(config, "secure-changes", "secure-subscriptions");
    stack.topics().create("secure-app-messages", 1);
    stack.topics().create("secure-changes", 1);
    // Unauthenticated, the ping is answered with an error: a reply all the same.
    OpenEntitySync.startServed(
        stack.rest(), "secure-sync", config, 1, hivemq.port(), "spec", "secure-probe");
  }

  @AfterAll
  static void stop() {
    TestResources.closeAll(connector, hivemq, postgres);
  }

  static String token(String secret, String alg, String claims) throws Exception {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String header =
        url.encodeToString(
            ("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}").getBytes(StandardCharsets.UTF_8));
    String payload = url.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return header
        + "."
        + payload
        + "."
        + url.encodeToString(
            mac.doFinal((header + "." + payload).getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A writer's token for client {@code cid} (its subject) of {@code tenant}, valid for ten minutes.
   */
  static String validToken(String cid, String tenant) throws Exception {
    return token(cid, tenant, "writer", System.currentTimeMillis() / 1000 + 600);
  }

  static String token(String cid, String tenant, String role, long expSeconds) throws Exception {
    return token(
        SECRET,
        "HS256",
        "{\"sub\":\""
            + cid
            + "\",\"tenant\":\""
            + tenant
            + "\",\"role\":[\""
            + role
            + "\"],\"exp\":"
            + expSeconds
            + "}");
  }

  /** A client whose requests carry a token in the MQTT 5 user property 'authorization'. */
  static final class TokenClient implements AutoCloseable {
    final Mqtt5AsyncClient client;
    final String cid;
    final List<JsonNode> replies = new CopyOnWriteArrayList<>();
    final List<Mqtt5Publish> publishes = new CopyOnWriteArrayList<>();

    TokenClient(String cid) {
      this.cid = cid;
      client =
          RequestClients.connect(
              hivemq.port(),
              cid,
              MqttQos.AT_LEAST_ONCE,
              false,
              RequestClients.DEFAULT_RECEIVE_MAXIMUM,
              (publish, reply) -> {
                publishes.add(publish);
                replies.add(reply);
              });
    }

    JsonNode send(String token, String request, String id) {
      return send(token, request, id, null);
    }

    /**
     * Sends with an MQTT 5 Response Topic (and the request id as Correlation Data) when one is
     * given.
     */
    JsonNode send(String token, String request, String id, String responseTopic) {
      var publish =
          client
              .publishWith()
              .topic("spec/" + cid + "/request")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(request.getBytes(StandardCharsets.UTF_8));
      if (responseTopic != null) {
        publish =
            publish
                .responseTopic(responseTopic)
                .correlationData(id.getBytes(StandardCharsets.UTF_8));
      }
      if (token != null) {
        publish.userProperties().add("authorization", "Bearer " + token).applyUserProperties();
      }
      // Only a reply received after this send answers it: a request that reuses an id would
      // otherwise get the earlier request's reply, before its own arrived.
      int earlier = publishes.size();
      publish.send().join();
      String own = "spec/" + cid + "/response";
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> reply(own, id, earlier) != null);
      return reply(own, id, earlier);
    }

    /** The last reply with {@code id} received on {@code topic}, or null. */
    JsonNode reply(String topic, String id) {
      return reply(topic, id, 0);
    }

    /** The last reply with {@code id} on {@code topic} among those received after the first n. */
    private JsonNode reply(String topic, String id, int n) {
      JsonNode found = null;
      List<Mqtt5Publish> received = List.copyOf(publishes);
      for (Mqtt5Publish publish : received.subList(n, received.size())) {
        JsonNode reply;
        try {
          reply = JSON.readTree(publish.getPayloadAsBytes());
        } catch (java.io.IOException e) {
          continue;
        }
        if (publish.getTopic().toString().equals(topic) && reply.path("id").asText().equals(id)) {
          found = reply;
        }
      }
      return found;
    }

    @Override
    public void close() {
      client.disconnect().join();
    }
  }

  private static String body(String id) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select body from public.notes where id = " + id)) {
      return rows.next() ? rows.getString(1) : null;
    }
  }

  private static void assertCode(JsonNode reply, String code) {
    if ("ok".equals(code)) {
      assertThat(reply.path("success").asBoolean(false)).as(reply.toString()).isTrue();
      return;
    }
    assertThat(reply.path("success").asBoolean(true)).as(reply.toString()).isFalse();
    assertThat(reply.path("error").path("code").asText()).as(reply.toString()).isEqualTo(code);
  }

  @Test
  void tenantACannotReadChangeOrDeleteTenantBsRows() throws Exception {
    String acme = validToken("client-a", "acme");
    try (TokenClient a = new TokenClient("client-a")) {
      JsonNode list =
          a.send(
              acme,
              "{\"id\":\"1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}",
              "1");
      assertThat(list.path("metadata").path("total").asLong()).isEqualTo(3);
      assertThat(list.path("data").findValuesAsText("tenant_id")).containsOnly("acme");
      JsonNode sneaky =
          a.send(
              acme,
              "{\"id\":\"2\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\","
                  + "\"options\":{\"filters\":[{\"column\":\"tenant_id\",\"operator\":\"eq\",\"value\":\"globex\"}]}}",
              "2");
      assertThat(sneaky.path("metadata").path("total").asLong())
          .as("filtering for another tenant finds nothing")
          .isZero();
      assertCode(
          a.send(
              acme,
              "{\"id\":\"3\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\","
                  + "\"record_id\":4}",
              "3"),
          "not_found");
      assertCode(
          a.send(
              acme,
              "{\"id\":\"4\",\"type\":\"request\",\"operation\":\"update\",\"entity\":\"notes\","
                  + "\"record_id\":4,\"data\":{\"body\":\"pwned\"}}",
              "4"),
          "not_found");
      assertCode(
          a.send(
              acme,
              "{\"id\":\"5\",\"type\":\"request\",\"operation\":\"delete\",\"entity\":\"notes\","
                  + "\"record_id\":5}",
              "5"),
          "not_found");
      assertCode(
          a.send(
              acme,
              "{\"id\":\"6\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                  + "\"data\":{\"tenant_id\":\"globex\",\"body\":\"plant\"}}",
              "6"),
          "forbidden");
      assertCode(
          a.send(
              acme,
              "{\"id\":\"7\",\"type\":\"request\",\"operation\":\"update\",\"entity\":\"notes\","
                  + "\"record_id\":1,\"data\":{\"tenant_id\":\"globex\"}}",
              "7"),
          "forbidden");
      assertCode(
          a.send(
              acme,
              "{\"id\":\"8\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"plain\"}",
              "8"),
          "forbidden");
      JsonNode own =
          a.send(
              acme,
              "{\"id\":\"9\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                  + "\"data\":{\"body\":\"mine\"}}",
              "9");
      assertThat(own.path("data").path("tenant_id").asText())
          .as("stamped with the token's tenant")
          .isEqualTo("acme");
      JsonNode update =
          a.send(
              acme,
              "{\"id\":\"10\",\"type\":\"request\",\"operation\":\"update\","
                  + "\"entity\":\"notes\",\"record_id\":1,\"data\":{\"body\":\"a1-edited\"}}",
              "10");
      assertThat(update.path("success").asBoolean()).isTrue();
    }
    assertThat(body("4")).isEqualTo("g1");
    assertThat(body("5")).isEqualTo("g2");
    assertThat(body("1")).isEqualTo("a1-edited");
  }

  @Test
  void missingForgedExpiredOrUnsignedTokensAreRefused() throws Exception {
    String read =
        "{\"id\":\"%s\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}";
    long now = System.currentTimeMillis() / 1000;
    try (TokenClient b = new TokenClient("client-b")) {
      assertCode(b.send(null, read.formatted("n1"), "n1"), "forbidden");
      assertCode(
          b.send(
              token(
                  "another-secret-of-at-least-thirty-two-chars",
                  "HS256",
                  "{\"tenant\":\"globex\",\"exp\":" + (now + 600) + "}"),
              read.formatted("n2"),
              "n2"),
          "forbidden");
      assertCode(
          b.send(
              token(SECRET, "HS256", "{\"tenant\":\"globex\",\"exp\":" + (now - 10) + "}"),
              read.formatted("n3"),
              "n3"),
          "forbidden");
      String unsigned =
          token(SECRET, "none", "{\"tenant\":\"globex\",\"exp\":" + (now + 600) + "}");
      assertCode(
          b.send(unsigned.substring(0, unsigned.lastIndexOf('.') + 1), read.formatted("n4"), "n4"),
          "forbidden");
      assertCode(b.send("not.a.jwt", read.formatted("n5"), "n5"), "forbidden");
      assertCode(
          b.send(
              token(SECRET, "HS256", "{\"exp\":" + (now + 600) + "}"), read.formatted("n6"), "n6"),
          "forbidden");
      // The token may also travel in the envelope.
      JsonNode viaEnvelope =
          b.send(
              null,
              "{\"id\":\"n7\",\"type\":\"request\",\"operation\":\"read\","
                  + "\"entity\":\"notes\",\"token\":\""
                  + validToken("client-b", "globex")
                  + "\"}",
              "n7");
      assertThat(viaEnvelope.path("data").findValuesAsText("tenant_id"))
          .isNotEmpty()
          .containsOnly("globex");
    }
    assertThat(stack.rest().taskState("secure-sync")).isEqualTo("RUNNING");
  }

  @Test
  void rolesLimitOperationsAndEveryRequestIsAudited() throws Exception {
    String reader =
        token(
            SECRET,
            "HS256",
            "{\"sub\":\"client-r\",\"tenant\":\"acme\",\"role\":\"reader\",\"exp\":"
                + (System.currentTimeMillis() / 1000 + 600)
                + "}");
    try (TokenClient c = new TokenClient("client-r")) {
      assertCode(
          c.send(
              reader,
              "{\"id\":\"r1\",\"type\":\"request\",\"operation\":\"read\","
                  + "\"entity\":\"notes\"}",
              "r1"),
          "ok");
      assertCode(
          c.send(
              reader,
              "{\"id\":\"r2\",\"type\":\"request\",\"operation\":\"delete\","
                  + "\"entity\":\"notes\",\"record_id\":1}",
              "r2"),
          "forbidden");
      assertCode(
          c.send(
              null,
              "{\"id\":\"r3\",\"type\":\"request\",\"operation\":\"read\","
                  + "\"entity\":\"notes\"}",
              "r3"),
          "forbidden");
    }
    assertThat(body("1")).isNotNull();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              try (Connection connection = postgres.connection();
                  Statement statement = connection.createStatement();
                  ResultSet rows =
                      statement.executeQuery(
                          "select request_id, operation, outcome from public.audit_log "
                              + "where client_id = 'client-r' order by received_at")) {
                List<String> audit = new java.util.ArrayList<>();
                while (rows.next()) {
                  audit.add(rows.getString(1) + ":" + rows.getString(2) + ":" + rows.getString(3));
                }
                assertThat(audit)
                    .containsExactly("r1:read:ok", "r2:delete:forbidden", "r3:read:forbidden");
              }
            });
  }

  @Test
  void aResponseTopicOutsideTheClientsOwnTopicsIsRefusedAndNothingIsPublishedThere()
      throws Exception {
    String token = validToken("client-x", "initech");
    String create =
        "{\"id\":\"%s\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
            + "\"data\":{\"body\":\"redirected\"}}";
    try (TokenClient x = new TokenClient("client-x");
        MqttRecorder victim =
            MqttRecorder.subscribe("victim-of-x", hivemq.port(), "spec/client-v/#");
        MqttRecorder elsewhere =
            MqttRecorder.subscribe("elsewhere-of-x", hivemq.port(), "elsewhere/#")) {
      // Another client's reply and notify topics, a topic outside the protocol, and the client's
      // own request and
      // notify topics (which belong to the connector and the notify sink).
      List<String> foreign =
          List.of(
              "spec/client-v/response",
              "spec/client-v/notify/guessed",
              "elsewhere/inbox",
              "spec/client-x/request",
              "spec/client-x/notify/guessed",
              "spec/client-xy/response");
      for (int i = 0; i < foreign.size(); i++) {
        JsonNode refused = x.send(token, create.formatted("rt" + i), "rt" + i, foreign.get(i));
        assertCode(refused, "forbidden");
        assertThat(refused.path("error").path("message").asText())
            .as(foreign.get(i))
            .contains("Response Topic");
      }
      // Inside its own topics a Response Topic is honoured, with the Correlation Data.
      x.client
          .subscribeWith()
          .topicFilter("spec/client-x/response/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .join();
      JsonNode allowed =
          x.send(token, create.formatted("rt-own"), "rt-own", "spec/client-x/response/mine");
      assertThat(allowed.path("success").asBoolean()).as(allowed.toString()).isTrue();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> x.reply("spec/client-x/response/mine", "rt-own") != null);
      assertThat(
              x.publishes.stream()
                  .filter(p -> p.getTopic().toString().equals("spec/client-x/response/mine"))
                  .map(
                      p ->
                          new String(
                              p.getCorrelationData()
                                  .map(
                                      b -> {
                                        byte[] bytes = new byte[b.remaining()];
                                        b.get(bytes);
                                        return bytes;
                                      })
                                  .orElse(new byte[0]),
                              StandardCharsets.UTF_8))
                  .toList())
          .containsExactly("rt-own");
      // Negative check: the refused publications would go to foreign topics, which the connector
      // never publishes to, and MQTT orders messages only within a topic, so no sentinel can follow
      // them.
      Thread.sleep(1_000);
      assertThat(victim.received()).as("nothing reaches another client's topics").isEmpty();
      assertThat(elsewhere.received()).as("nothing reaches topics outside the protocol").isEmpty();
    }
    assertThat(
            Sql.count(
                postgres::connection,
                "select count(*) from public.notes where body = 'redirected'"))
        .as("refused requests are not executed; the allowed one is")
        .isEqualTo(1);
  }

  @Test
  void aReusedRequestIdWithOtherContentIsRefusedAndARepeatIsAnsweredAsBefore() throws Exception {
    String create =
        "{\"id\":\"dup-1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
            + "\"data\":{\"body\":\"%s\"}}";
    try (TokenClient d = new TokenClient("client-d")) {
      JsonNode first = d.send(validToken("client-d", "hooli"), create.formatted("first"), "dup-1");
      assertThat(first.path("success").asBoolean()).as(first.toString()).isTrue();
      long id = first.path("data").path("id").asLong();
      // The same request again, its members in another order and with a fresh token: the recorded
      // reply.
      JsonNode repeat =
          d.send(
              validToken("client-d", "hooli"),
              "{\"data\":{\"body\":\"first\"},\"entity\":\"notes\","
                  + "\"operation\":\"create\",\"type\":\"request\",\"id\":\"dup-1\"}",
              "dup-1");
      assertThat(repeat.path("data").path("id").asLong()).as(repeat.toString()).isEqualTo(id);
      // The same id for other content: refused, whatever the operation.
      assertCode(
          d.send(validToken("client-d", "hooli"), create.formatted("second"), "dup-1"),
          "request_id_reused");
      assertCode(
          d.send(
              validToken("client-d", "hooli"),
              "{\"id\":\"dup-1\",\"type\":\"request\","
                  + "\"operation\":\"delete\",\"entity\":\"notes\",\"record_id\":"
                  + id
                  + "}",
              "dup-1"),
          "request_id_reused");
      // Subscriptions too: the id names the subscription, so other filters under the same id are
      // refused.
      String subscribe =
          "{\"id\":\"dup-s\",\"type\":\"subscription\",\"operation\":\"subscribe\","
              + "\"entity\":\"notes\",\"options\":{\"filters\":[{\"column\":\"body\",\"operator\":\"eq\","
              + "\"value\":\"%s\"}]}}";
      JsonNode subscribed =
          d.send(validToken("client-d", "hooli"), subscribe.formatted("x"), "dup-s");
      assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
      assertThat(
              d.send(validToken("client-d", "hooli"), subscribe.formatted("x"), "dup-s")
                  .path("data")
                  .path("subscription_id")
                  .asText())
          .isEqualTo(subscribed.path("data").path("subscription_id").asText());
      assertCode(
          d.send(validToken("client-d", "hooli"), subscribe.formatted("y"), "dup-s"),
          "request_id_reused");
    }
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "select string_agg(body, ',') from public.notes " + "where tenant_id = 'hooli'")) {
      rows.next();
      assertThat(rows.getString(1)).as("one row, as the first request made it").isEqualTo("first");
    }
    List<String> bodies = new java.util.ArrayList<>();
    for (var record : stack.topics().readAll("secure-changes", 1, Duration.ofSeconds(10))) {
      JsonNode event = JSON.readTree(record.value());
      if (event.path("source").path("request_id").asText().equals("dup-1")) {
        bodies.add(event.path("op").asText() + ":" + event.path("after").path("body").asText());
      }
    }
    assertThat(bodies)
        .as("no change event but the first request's")
        .isNotEmpty()
        .containsOnly("create:first");
  }

  private static final String SUBSCRIBE =
      "{\"id\":\"%s\",\"type\":\"subscription\",\"operation\":\"subscribe\","
          + "\"entity\":\"notes\"}";
  private static final String RENEW =
      "{\"id\":\"%s\",\"type\":\"subscription\",\"operation\":\"subscribe\","
          + "\"subscription_id\":\"%s\"}";
  private static final String UNSUBSCRIBE =
      "{\"id\":\"%s\",\"type\":\"subscription\","
          + "\"operation\":\"unsubscribe\",\"subscription_id\":\"%s\"}";

  @Test
  void aTokenIsValidOnlyForTheClientIdItNames() throws Exception {
    String read =
        "{\"id\":\"%s\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}";
    try (TokenClient j = new TokenClient("client-j")) {
      JsonNode impersonation = j.send(validToken("client-i", "acme"), read.formatted("i1"), "i1");
      assertCode(impersonation, "forbidden");
      assertThat(impersonation.path("error").path("message").asText()).contains("client-j");
      assertCode(
          j.send(
              token(
                  SECRET,
                  "HS256",
                  "{\"tenant\":\"acme\",\"role\":\"writer\",\"exp\":"
                      + (System.currentTimeMillis() / 1000 + 600)
                      + "}"),
              read.formatted("i2"),
              "i2"),
          "forbidden");
      assertCode(
          j.send(validToken("client-i", "acme"), SUBSCRIBE.formatted("i3"), "i3"), "forbidden");
      JsonNode own = j.send(validToken("client-j", "acme"), read.formatted("i5"), "i5");
      assertThat(own.path("success").asBoolean()).as(own.toString()).isTrue();
    }
  }

  @Test
  void authenticationComesBeforeEveryOperationRenewalIncluded() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    try (TokenClient k = new TokenClient("client-k")) {
      JsonNode subscribed = k.send(validToken("client-k", "acme"), SUBSCRIBE.formatted("k1"), "k1");
      assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
      String sid = subscribed.path("data").path("subscription_id").asText();
      assertCode(k.send(null, RENEW.formatted("k2", sid), "k2"), "forbidden");
      assertCode(
          k.send(token("client-k", "acme", "writer", now - 5), RENEW.formatted("k3", sid), "k3"),
          "forbidden");
      assertCode(k.send(null, UNSUBSCRIBE.formatted("k4", sid), "k4"), "forbidden");
      assertCode(
          k.send(
              null,
              "{\"id\":\"k5\",\"type\":\"request\",\"operation\":\"read\","
                  + "\"entity\":\"no_such_table\"}",
              "k5"),
          "forbidden");
      assertCode(
          k.send(
              null,
              "{\"id\":\"k6\",\"type\":\"request\",\"operation\":\"meta\","
                  + "\"entity\":\"notes\"}",
              "k6"),
          "forbidden");
      assertCode(
          k.send(
              null,
              "{\"id\":\"k7\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                  + "\"entity\":\"notes\",\"options\":{\"filters\":[{\"column\":\"nope\",\"operator\":\"eq\","
                  + "\"value\":1}]}}",
              "k7"),
          "forbidden");
      assertCode(k.send(null, "{\"id\":\"k8\",\"type\":\"telemetry\"}", "k8"), "forbidden");
      JsonNode renewed = k.send(validToken("client-k", "acme"), RENEW.formatted("k9", sid), "k9");
      assertThat(renewed.path("data").path("subscription_id").asText())
          .as(renewed.toString())
          .isEqualTo(sid);
    }
  }

  @Test
  void rolesAndTenantsApplyToSubscriptionsMetaAndPassThrough() throws Exception {
    long exp = System.currentTimeMillis() / 1000 + 600;
    String reader = token("client-m", "acme", "reader", exp);
    String writer = token("client-m", "acme", "writer", exp);
    String otherTenant = token("client-m", "globex", "writer", exp);
    try (TokenClient m = new TokenClient("client-m")) {
      assertCode(
          m.send(
              reader,
              "{\"id\":\"m1\",\"type\":\"request\",\"operation\":\"meta\","
                  + "\"entity\":\"notes\"}",
              "m1"),
          "ok");
      assertCode(
          m.send(
              writer,
              "{\"id\":\"m2\",\"type\":\"request\",\"operation\":\"meta\","
                  + "\"entity\":\"plain\"}",
              "m2"),
          "forbidden");
      assertCode(m.send(reader, SUBSCRIBE.formatted("m3"), "m3"), "forbidden");
      assertCode(
          m.send(reader, "{\"id\":\"m4\",\"type\":\"telemetry\",\"v\":1}", "m4"), "forbidden");
      JsonNode subscribed = m.send(writer, SUBSCRIBE.formatted("m5"), "m5");
      assertThat(subscribed.path("success").asBoolean()).as(subscribed.toString()).isTrue();
      String sid = subscribed.path("data").path("subscription_id").asText();
      assertCode(m.send(reader, RENEW.formatted("m6", sid), "m6"), "forbidden");
      assertCode(m.send(reader, UNSUBSCRIBE.formatted("m7", sid), "m7"), "forbidden");
      assertCode(m.send(otherTenant, RENEW.formatted("m8", sid), "m8"), "forbidden");
      assertCode(m.send(otherTenant, UNSUBSCRIBE.formatted("m9", sid), "m9"), "forbidden");
      assertCode(
          m.send(writer, "{\"id\":\"m10\",\"type\":\"telemetry\",\"tenant_id\":\"globex\"}", "m10"),
          "forbidden");
      JsonNode forwarded = m.send(writer, "{\"id\":\"m11\",\"type\":\"telemetry\",\"v\":1}", "m11");
      assertThat(forwarded.path("success").asBoolean()).as(forwarded.toString()).isTrue();
      List<JsonNode> messages = new java.util.ArrayList<>();
      for (var record : stack.topics().readAll("secure-app-messages", 1, Duration.ofSeconds(20))) {
        messages.add(JSON.readTree(record.value()));
      }
      assertThat(messages)
          .as("only the allowed message, stamped with the token's tenant")
          .hasSize(1);
      assertThat(messages.get(0).path("id").asText()).isEqualTo("m11");
      assertThat(messages.get(0).path("tenant_id").asText()).isEqualTo("acme");
      JsonNode unsubscribed = m.send(writer, UNSUBSCRIBE.formatted("m12", sid), "m12");
      assertThat(unsubscribed.path("data").path("unsubscribed").asBoolean())
          .as(unsubscribed.toString())
          .isTrue();
    }
  }

  @Test
  void aSubscriptionNeverOutlivesItsToken() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    try (TokenClient n = new TokenClient("client-n")) {
      JsonNode subscribed =
          n.send(token("client-n", "acme", "writer", now + 120), SUBSCRIBE.formatted("t1"), "t1");
      assertThat(java.time.Instant.parse(subscribed.path("data").path("expires_at").asText()))
          .as("the token's exp, not the hour of entity.sync.subscription.ttl.seconds " + subscribed)
          .isBeforeOrEqualTo(java.time.Instant.ofEpochSecond(now + 120));
      String sid = subscribed.path("data").path("subscription_id").asText();
      JsonNode renewed =
          n.send(token("client-n", "acme", "writer", now + 300), RENEW.formatted("t2", sid), "t2");
      assertThat(java.time.Instant.parse(renewed.path("data").path("expires_at").asText()))
          .as(renewed.toString())
          .isAfter(java.time.Instant.ofEpochSecond(now + 120))
          .isBeforeOrEqualTo(java.time.Instant.ofEpochSecond(now + 300));
    }
  }

  @Test
  void subscribeChecksFiltersAsStrictlyAsReadAndCapsSubscriptionsPerClient() throws Exception {
    String token = validToken("client-s", "acme");
    String in = "[" + "\"v\",".repeat(1_000) + "\"v\"]";
    // filter -> the error both read and subscribe give, or "ok"
    Map<String, String> hostile = new java.util.LinkedHashMap<>();
    // Text on a text column is text, compared as text by SQL and by the notify sink, whatever it
    // looks like.
    hostile.put("{\"column\":\"body\",\"operator\":\"eq\",\"value\":\"1e999999999\"}", "ok");
    hostile.put("{\"column\":\"body\",\"operator\":\"eq\",\"value\":\" -2E-2147483647\"}", "ok");
    hostile.put("{\"column\":\"body\",\"operator\":\"eq\",\"value\":1e999999999}", "invalid_value");
    hostile.put("{\"column\":\"id\",\"operator\":\"gt\",\"value\":1e-400000}", "invalid_value");
    hostile.put("{\"column\":\"body\",\"operator\":\"in\",\"value\":[\"a\",\"1e99999999\"]}", "ok");
    hostile.put(
        "{\"column\":\"id\",\"operator\":\"in\",\"value\":[1,\"1e99999999\"]}", "invalid_value");
    hostile.put(
        "{\"column\":\"body\",\"operator\":\"between\",\"value\":[\"a\",\""
            + "b".repeat(1_001)
            + "\"]}",
        "invalid_value");
    // The filter parser refuses patterns over 1,000 characters before any column is looked at.
    hostile.put(
        "{\"column\":\"body\",\"operator\":\"like\",\"value\":\"" + "%a".repeat(501) + "\"}",
        "invalid_filter");
    hostile.put("{\"column\":\"body\",\"operator\":\"in\",\"value\":" + in + "}", "invalid_filter");
    hostile.put("{\"column\":\"id\",\"operator\":\"like\",\"value\":\"1%\"}", "invalid_filter");
    hostile.put("{\"column\":\"id\",\"operator\":\"eq\",\"value\":\"seven\"}", "invalid_value");
    try (TokenClient c = new TokenClient("client-s")) {
      int n = 0;
      for (Map.Entry<String, String> filter : hostile.entrySet()) {
        String options =
            ",\"entity\":\"notes\",\"options\":{\"filters\":[" + filter.getKey() + "]}}";
        JsonNode read =
            c.send(
                token,
                "{\"id\":\"hr" + n + "\",\"type\":\"request\",\"operation\":\"read\"" + options,
                "hr" + n);
        JsonNode subscribe =
            c.send(
                token,
                "{\"id\":\"hs"
                    + n
                    + "\",\"type\":\"subscription\","
                    + "\"operation\":\"subscribe\""
                    + options,
                "hs" + n);
        assertCode(read, filter.getValue());
        assertCode(subscribe, filter.getValue());
        if ("ok".equals(filter.getValue())) {
          // Not counted against the cap tested below.
          assertCode(
              c.send(
                  token,
                  "{\"id\":\"hu"
                      + n
                      + "\",\"type\":\"subscription\",\"operation\":"
                      + "\"unsubscribe\",\"subscription_id\":\""
                      + subscribe.path("data").path("subscription_id").asText()
                      + "\"}",
                  "hu" + n),
              "ok");
        }
        n++;
      }
      // A JSON number of more than 1000 characters is refused by the parser already (so the id is
      // unread: "").
      assertCode(
          c.send(
              token,
              "{\"id\":\"long\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                  + "\"entity\":\"notes\",\"options\":{\"filters\":[{\"column\":\"id\",\"operator\":\"eq\",\"value\":"
                  + "7".repeat(1_200)
                  + "}]}}",
              ""),
          "invalid_message");
      // At most three subscriptions per client here (subscriptions.max.per.client); a repeat or a
      // renewal is
      // not a new one.
      String sid = null;
      for (int i = 1; i <= 3; i++) {
        JsonNode ok = c.send(token, SUBSCRIBE.formatted("cap" + i), "cap" + i);
        assertThat(ok.path("success").asBoolean()).as(ok.toString()).isTrue();
        sid = ok.path("data").path("subscription_id").asText();
      }
      JsonNode fourth = c.send(token, SUBSCRIBE.formatted("cap4"), "cap4");
      assertCode(fourth, "invalid_subscription");
      assertThat(fourth.path("error").path("message").asText()).contains("3");
      assertThat(c.send(token, SUBSCRIBE.formatted("cap3"), "cap3").path("success").asBoolean())
          .isTrue();
      assertThat(
              c.send(token, RENEW.formatted("cap-renew", sid), "cap-renew")
                  .path("success")
                  .asBoolean())
          .isTrue();
      c.send(token, UNSUBSCRIBE.formatted("cap-drop", sid), "cap-drop");
      assertThat(c.send(token, SUBSCRIBE.formatted("cap5"), "cap5").path("success").asBoolean())
          .as("room again after an unsubscribe")
          .isTrue();
    }
    assertThat(stack.rest().taskState("secure-sync")).isEqualTo("RUNNING");
  }
}
