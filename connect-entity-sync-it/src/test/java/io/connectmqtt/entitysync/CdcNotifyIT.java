package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.entitysync.notify.EntityNotifySinkConnector;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Changes made with plain SQL reach MQTT subscribers: Debezium's PostgreSQL connector (from Maven
 * Central, on the same worker's plugin.path as our plugins) captures them from the embedded
 * PostgreSQL through logical decoding, and the notify sink matches them against subscriptions made
 * over MQTT through entity sync.
 */
class CdcNotifyIT {

  private static HiveMqBroker hivemq;
  private static PostgresDatabase postgres;
  private static ProcessStack stack;

  @BeforeAll
  static void start() throws Exception {
    hivemq = HiveMqBroker.start();
    postgres = PostgresDatabase.start();
    Sql.execute(
        postgres::connection,
        "create table public.users (id serial primary key, name varchar(50), status varchar(20), "
            + "score numeric(6,2))",
        // Without it an update's "before" and a delete's row carry only the key, and filters
        // cannot match them.
        "alter table public.users replica identity full");
    stack =
        ProcessStack.start(
            List.of(
                ProjectLayout.pluginDirectory("connect-entity-sync"),
                ProjectLayout.debeziumPluginDirectory()),
            Map.of());
    stack.topics().createCompacted("entity-subscriptions");
    stack.topics().create("cdc.public.users", 1);

    Map<String, String> sync =
        OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.users");
    sync.put("entity.sync.changes.topic", "entity-changes");
    stack.rest().createOrReplace("sync", sync);

    Map<String, String> debezium = new HashMap<>();
    debezium.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    debezium.put("plugin.name", "pgoutput");
    debezium.put("database.hostname", "127.0.0.1");
    debezium.put("database.port", String.valueOf(postgres.port()));
    debezium.put("database.user", "postgres");
    debezium.put("database.password", "postgres");
    debezium.put("database.dbname", "postgres");
    debezium.put("topic.prefix", "cdc");
    debezium.put("table.include.list", "public.users");
    debezium.put("slot.name", "connect_mqtt_cdc");
    debezium.put("publication.name", "connect_mqtt_cdc");
    debezium.put("publication.autocreate.mode", "filtered");
    debezium.put("snapshot.mode", "no_data");
    debezium.put("decimal.handling.mode", "double");
    debezium.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    debezium.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    debezium.put("value.converter.schemas.enable", "true");
    stack.rest().createOrReplace("cdc", debezium);

    // Debezium's topic is the notify sink's only change source here: every change, whoever made it,
    // once.
    Map<String, String> notify =
        OpenEntitySync.notifySink(hivemq.uri(), stack.bootstrapServers(), "cdc.public.users");
    // By Connect's alias, the simple class name, on a worker loading plugin.path: it names the
    // connector wherever its package is, so configs that use it outlived the move out of the sink
    // plugin (docs/connect-entity-sync.md).
    notify.put("connector.class", EntityNotifySinkConnector.class.getSimpleName());
    stack.rest().createOrReplace("notify", notify);
    for (String name : List.of("sync", "cdc", "notify")) {
      stack.rest().awaitRunning(name, 1, Duration.ofSeconds(120));
    }
  }

  @AfterAll
  static void stop() {
    TestResources.closeAll(stack, hivemq, postgres);
  }

  @Test
  void rowsChangedWithPlainSqlNotifyTheMatchingSubscribers() throws Exception {
    try (ProtocolClient alice = new ProtocolClient(hivemq.port(), "spec", "alice");
        ProtocolClient bob = new ProtocolClient(hivemq.port(), "spec", "bob");
        MqttRecorder aliceInbox = Notifications.inbox(hivemq.port(), "spec", "alice");
        MqttRecorder bobInbox = Notifications.inbox(hivemq.port(), "spec", "bob")) {
      JsonNode active =
          alice.send(
              "{\"id\":\"s1\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                  + "\"entity\":\"users\",\"options\":{\"filters\":[{\"column\":\"status\",\"operator\":\"eq\","
                  + "\"value\":\"active\"}]}}",
              "s1");
      assertThat(active.path("success").asBoolean()).as(active.toString()).isTrue();
      JsonNode highScores =
          bob.send(
              "{\"id\":\"s2\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                  + "\"entity\":\"users\",\"options\":{\"filters\":[{\"column\":\"score\",\"operator\":\"gte\","
                  + "\"value\":90}]}}",
              "s2");
      assertThat(highScores.path("success").asBoolean()).as(highScores.toString()).isTrue();
      // A margin, not a wait for an event: Debezium streams from its slot on its own thread after
      // Connect reports RUNNING, and nothing this test can read says that streaming has begun.
      Thread.sleep(1_000);

      Sql.execute(
          postgres::connection,
          "insert into public.users (id, name, status, score) values (1, 'Ann', 'active', 95.5)",
          "insert into public.users (id, name, status, score) values (2, 'Ivo', 'inactive', 40)",
          "update public.users set status = 'active' where id = 2",
          "update public.users set status = 'inactive', score = 20 where id = 1",
          "update public.users set name = 'Ann B.' where id = 1",
          "delete from public.users where id = 2");

      // alice (status = active): create Ann, Ivo enters the filter (a create), Ann leaves it (her
      // key only), delete Ivo. REPLICA IDENTITY FULL gives Debezium's updates the row before, which
      // tells entering and leaving.
      aliceInbox.awaitAtLeast(4, Duration.ofSeconds(60));
      // bob (score >= 90): create Ann, Ann leaves the filter (95.5 before).
      bobInbox.awaitAtLeast(2, Duration.ofSeconds(30));
      Thread.sleep(2_000);
      assertThat(Notifications.summaries(aliceInbox.received()))
          .containsExactly(
              "create:Ann:active", "create:Ivo:active", "leave::", "delete:Ivo:active");
      assertThat(Notifications.summaries(bobInbox.received()))
          .containsExactly("create:Ann:active", "leave::");
      JsonNode left = Notifications.json(bobInbox.received().get(1));
      assertThat(left.path("data").toString())
          .as("the key from Debezium's record key, nothing else")
          .isEqualTo("{\"id\":1}");
      JsonNode first = Notifications.json(aliceInbox.received().get(0));
      assertThat(first.path("subscription_id").asText())
          .isEqualTo(active.path("data").path("subscription_id").asText());
      assertThat(first.path("schema").asText()).isEqualTo("public");
      assertThat(first.path("data").path("score").asDouble()).isEqualTo(95.5);
    }
  }
}
