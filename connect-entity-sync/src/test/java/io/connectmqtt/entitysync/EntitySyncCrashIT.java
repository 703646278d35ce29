package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crash safety: the worker JVM is killed with SIGKILL while requests are being served, so some are
 * committed in the database but not yet acknowledged on MQTT. After the restart the broker
 * redelivers them; none is applied twice, and every client still gets a (successful) reply for
 * every request.
 */
@ExtendWith(SharedFixtures.class)
class EntitySyncCrashIT {

  private static final int CLIENTS = 10;
  private static final int PER_CLIENT = 300;

  /**
   * The table both crash tests write: one row per (client, seq), so a request applied twice is a
   * conflict.
   */
  static void createOrders(PostgresDatabase postgres) throws java.sql.SQLException {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "create table public.orders (id bigserial primary key, client varchar(50) not null, "
              + "seq integer not null, unique (client, seq))");
    }
  }

  @Test
  void redeliveredRequestsAfterSigkillAreNotAppliedTwiceAndStillAnswered() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    try (HiveMqBroker hivemq = HiveMqBroker.startForPublishers(1_000, 100_000, false);
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("crash-sync")) {
      createOrders(postgres);
      stack.topics().create("crash-changes", 1);
      Map<String, String> config =
          OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.orders");
      config.put("mqtt.reconnect.backoff.max.ms", "1000");
      config.put("entity.sync.changes.topic", "crash-changes");
      stack.rest().createOrReplace("crash-sync", config);
      stack.rest().awaitRunning("crash-sync", 1, Duration.ofSeconds(90));
      try (ProtocolClient probe = new ProtocolClient(hivemq.port(), "spec", "crash-probe")) {
        probe.awaitServed();
      }

      ObjectMapper json = new ObjectMapper();
      Map<String, JsonNode> replies = new ConcurrentHashMap<>();
      AtomicInteger repliesReceived = new AtomicInteger();
      List<Mqtt5AsyncClient> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        String cid = "shop-" + c;
        Mqtt5AsyncClient client =
            MqttClient.builder()
                .useMqttVersion5()
                .identifier(cid)
                .serverHost("127.0.0.1")
                .serverPort(hivemq.port())
                .buildAsync();
        client.publishes(
            MqttGlobalPublishFilter.ALL,
            p -> {
              try {
                JsonNode reply = json.readTree(p.getPayloadAsBytes());
                replies.put(cid + "/" + reply.path("id").asText(), reply);
                repliesReceived.incrementAndGet();
              } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
              }
            });
        client.connectWith().restrictions().receiveMaximum(1000).applyRestrictions().send().join();
        client
            .subscribeWith()
            .topicFilter("spec/" + cid + "/response")
            .qos(MqttQos.AT_LEAST_ONCE)
            .send()
            .join();
        clients.add(client);
      }
      for (int seq = 0; seq < PER_CLIENT; seq++) {
        for (int c = 0; c < CLIENTS; c++) {
          String request =
              "{\"id\":\"o"
                  + seq
                  + "\",\"type\":\"request\",\"operation\":\"create\","
                  + "\"entity\":\"orders\",\"data\":{\"client\":\"shop-"
                  + c
                  + "\",\"seq\":"
                  + seq
                  + "}}";
          clients
              .get(c)
              .publishWith()
              .topic("spec/shop-" + c + "/request")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload(request.getBytes(StandardCharsets.UTF_8))
              .send();
        }
      }
      int total = CLIENTS * PER_CLIENT;
      Awaitility.await("a third of the replies")
          .atMost(Duration.ofSeconds(120))
          .until(() -> replies.size() >= total / 3);
      stack.killConnect();
      long committed;
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("select count(*) from public.orders")) {
        rows.next();
        committed = rows.getLong(1);
      }
      int answeredBeforeKill = replies.size();
      System.out.printf(
          "SIGKILLed the worker: %d rows committed, %d requests answered%n",
          committed, answeredBeforeKill);
      stack.startConnect();

      Awaitility.await("every request answered")
          .atMost(Duration.ofSeconds(240))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> replies.size() >= total);
      assertThat(replies.values())
          .allSatisfy(
              r ->
                  assertThat(r.path("success").asBoolean())
                      .as("no request applied twice (a second insert would be a conflict): " + r)
                      .isTrue());
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("select count(*) from public.orders")) {
        rows.next();
        assertThat(rows.getLong(1)).isEqualTo(total);
      }
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
      clients.forEach(c -> c.disconnect().join());
    }
  }
}
