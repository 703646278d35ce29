package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two workers, tasks.max=2: 10,000 concurrent creates from 20 clients, each handled exactly once.
 */
class EntitySyncScaleIT {

  private static final int CLIENTS = 20;
  private static final int PER_CLIENT = 500;

  @Test
  void tenThousandConcurrentCreatesGiveExactlyTenThousandRowsRepliesAndEvents() throws Exception {
    try (HiveMqBroker hivemq = HiveMqBroker.startForPublishers(1_000, 100_000, false);
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectStack stack = ConnectStack.start(2, Map.of())) {
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement()) {
        statement.execute(
            "create table public.readings (id bigserial primary key, client varchar(50) not null, "
                + "seq integer not null, unique (client, seq))");
      }
      stack.topics().create("scale-changes", 3);
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", EntitySyncConnector.class.getName());
      // Open access on purpose: these clients send no token.
      config.put("entity.sync.auth", "none");
      config.put("tasks.max", "2");
      config.put("mqtt.server.uris", hivemq.uri());
      config.put("entity.sync.changes.topic", "scale-changes");
      config.put("database.url", postgres.jdbcUrl());
      config.put("database.user", "postgres");
      config.put("entities", "public.readings");
      config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
      config.put("value.converter.schemas.enable", "false");
      config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
      stack.rest().createOrReplace("scale-sync", config);
      stack.rest().awaitRunning("scale-sync", 2, Duration.ofSeconds(90));
      Set<String> workers = new HashSet<>();
      stack
          .rest()
          .status("scale-sync")
          .path("tasks")
          .forEach(t -> workers.add(t.path("worker_id").asText()));
      assertThat(workers).as("tasks on two workers").hasSize(2);
      // A margin for both tasks to join the shared request subscription, which they do after
      // RUNNING: a ping (ProtocolClient.awaitServed) would show only that one of the two has.
      Thread.sleep(2_000);

      ObjectMapper json = new ObjectMapper();
      Map<String, JsonNode> replies = new ConcurrentHashMap<>();
      List<Mqtt5AsyncClient> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        String cid = "device-" + c;
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
      List<CompletableFuture<Void>> sending = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int index = c;
        sending.add(
            CompletableFuture.runAsync(
                () -> {
                  Mqtt5AsyncClient client = clients.get(index);
                  List<CompletableFuture<?>> sent = new ArrayList<>();
                  for (int seq = 0; seq < PER_CLIENT; seq++) {
                    String request =
                        "{\"id\":\"r"
                            + seq
                            + "\",\"type\":\"request\",\"operation\":\"create\","
                            + "\"entity\":\"readings\",\"data\":{\"client\":\"device-"
                            + index
                            + "\",\"seq\":"
                            + seq
                            + "}}";
                    sent.add(
                        client
                            .publishWith()
                            .topic("spec/device-" + index + "/request")
                            .qos(MqttQos.AT_LEAST_ONCE)
                            .payload(request.getBytes(StandardCharsets.UTF_8))
                            .send());
                  }
                  sent.forEach(CompletableFuture::join);
                }));
      }
      sending.forEach(CompletableFuture::join);
      int total = CLIENTS * PER_CLIENT;
      Awaitility.await("all replies")
          .atMost(Duration.ofSeconds(240))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> replies.size() >= total);
      assertThat(replies).hasSize(total);
      assertThat(replies.values())
          .allSatisfy(r -> assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue());
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement();
          ResultSet rows =
              statement.executeQuery(
                  "select count(*), count(distinct (client, seq)) from public.readings")) {
        rows.next();
        assertThat(rows.getLong(1)).isEqualTo(total);
        assertThat(rows.getLong(2)).isEqualTo(total);
      }
      List<ConsumerRecord<byte[], byte[]>> events =
          stack.topics().readAll("scale-changes", total, Duration.ofSeconds(120));
      Set<String> keys = new HashSet<>();
      events.forEach(e -> keys.add(new String(e.key(), StandardCharsets.UTF_8)));
      assertThat(events).hasSize(total);
      assertThat(keys).hasSize(total);
      System.out.printf(
          "tasks.max=2 on 2 workers: %d creates from %d clients -> %d rows, %d replies, %d events%n",
          total, CLIENTS, total, replies.size(), events.size());
      clients.forEach(c -> c.disconnect().join());
    }
  }
}
