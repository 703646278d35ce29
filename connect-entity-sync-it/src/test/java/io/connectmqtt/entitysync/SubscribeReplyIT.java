package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The reply to subscribe goes out only once Kafka has the subscription record: a client that got
 * its reply can rely on the notify sink learning of the subscription. The test holds the outbox
 * relay back (another owner holds its lease), so the record cannot reach Kafka: no reply; when the
 * lease is free again, record and reply follow.
 *
 * <p>Kafka and the worker are the module's {@link SharedFixtures}; the connector and topics are
 * named {@code held*}; HiveMQ and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class SubscribeReplyIT {

  @Test
  void theSubscribeReplyWaitsForTheSubscriptionRecordInKafka() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        PostgresDatabase postgres = PostgresDatabase.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("held")) {
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement()) {
        statement.execute("create table public.items (id serial primary key, name varchar(50))");
      }
      stack.topics().create("held-changes", 1);
      stack.topics().createCompacted("held-subscriptions");
      Map<String, String> sync =
          OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.items");
      sync.put("entity.sync.state.table", "held_requests");
      OpenEntitySync.topics(sync, "held-changes", "held-subscriptions");
      sync.put("entity.sync.outbox.lease.ms", "1000");
      stack.rest().createOrReplace("held", sync);
      stack.rest().awaitRunning("held", 1, Duration.ofSeconds(90));
      try (ProtocolClient client = new ProtocolClient(hivemq.port(), "spec", "carol")) {
        Awaitility.await("connector subscribed")
            .atMost(Duration.ofSeconds(30))
            .until(() -> client.pings("p" + System.nanoTime(), Duration.ofSeconds(1)));
        Awaitility.await("the task holds the relay lease")
            .atMost(Duration.ofSeconds(30))
            .until(() -> !leaseOwner(postgres).isEmpty());
        execute(
            postgres,
            "update public.held_requests_outbox_lease set owner = 'another-task', lease_until = "
                + (System.currentTimeMillis() + 600_000));
        // Why a fixed wait: the task learns that it lost the lease at its next renewal, every half
        // lease (0.5 s), and shows it nowhere a test could watch; 3 s leaves room for renewals a
        // loaded machine delays.
        Thread.sleep(3_000);

        client.publish(
            "{\"id\":\"s1\",\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"items\"}");
        Awaitility.await("the subscription stored")
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    count(postgres, "select count(*) from public.held_requests_subscriptions")
                        == 1);
        // Why a fixed wait: the test asserts that something does NOT happen; 3 s is many times the
        // reply latency.
        assertThat(client.reply("s1", Duration.ofSeconds(3)))
            .as("no reply while the record is not in Kafka")
            .isNull();
        assertThat(stack.topics().readAll("held-subscriptions", 0, Duration.ofSeconds(2)))
            .isEmpty();

        execute(postgres, "update public.held_requests_outbox_lease set lease_until = 0");
        JsonNode reply = client.reply("s1", Duration.ofSeconds(30));
        assertThat(reply).as("the reply once the record is in Kafka").isNotNull();
        assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
        String sid = reply.path("data").path("subscription_id").asText();
        List<ConsumerRecord<byte[], byte[]>> records =
            stack.topics().readAll("held-subscriptions", 1, Duration.ofSeconds(10));
        assertThat(records)
            .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
            .containsExactly(sid);
      }
    }
  }

  private static String leaseOwner(PostgresDatabase postgres) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("select owner from public.held_requests_outbox_lease")) {
      return rows.next() ? rows.getString(1) : "";
    }
  }

  private static long count(PostgresDatabase postgres, String sql) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void execute(PostgresDatabase postgres, String sql) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
