package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.H2Database;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.SharedFixtures;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A read whose reply is over the broker's Maximum Packet Size (HiveMQ CE limited to 4 KiB, as
 * brokers facing devices are): the client could not send it, so the request would stay
 * unacknowledged, redelivered and failing for good. The client gets a {@code too_large} error
 * instead, and the same read with a {@code limit} and the requests after it are served.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; the
 * connector is {@code oversized-reply}; HiveMQ and H2 are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class OversizedReplyIT {

  private static final int MAX_PACKET_SIZE = 4_096;

  @Test
  void aReplyOverTheMaximumPacketSizeIsAnsweredTooLargeAndTheTaskGoesOn() throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    try (HiveMqBroker hivemq = HiveMqBroker.startWithMaxPacketSize(MAX_PACKET_SIZE);
        H2Database h2 = H2Database.start("oversized");
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("oversized-reply")) {
      try (Connection connection = h2.connection();
          Statement statement = connection.createStatement()) {
        statement.execute("create table public.notes (id integer primary key, body varchar(200))");
        for (int id = 0; id < 60; id++) {
          statement.execute(
              "insert into public.notes values (" + id + ", '" + "x".repeat(150) + "')");
        }
      }
      Map<String, String> config =
          OpenEntitySync.config(hivemq.uri(), h2.jdbcUrl(), "sa", "public.notes");
      config.put("entity.sync.topic.prefix", "oversized");
      OpenEntitySync.topics(config, "oversized-changes", "oversized-subscriptions");
      OpenEntitySync.startServed(
          stack.rest(), "oversized-reply", config, 1, hivemq.port(), "oversized", "probe");

      try (ProtocolClient client = new ProtocolClient(hivemq.port(), "oversized", "reader")) {
        JsonNode all =
            client.send(
                "{\"id\":\"all\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}",
                "all");
        assertThat(all.path("success").asBoolean()).as(all.toString()).isFalse();
        assertThat(all.path("error").path("code").asText()).isEqualTo("too_large");
        assertThat(all.path("error").path("message").asText())
            .contains("maximum packet size of " + MAX_PACKET_SIZE + " bytes")
            .contains("limit");

        JsonNode few =
            client.send(
                "{\"id\":\"few\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\","
                    + "\"options\":{\"limit\":5}}",
                "few");
        assertThat(few.path("success").asBoolean()).as(few.toString()).isTrue();
        assertThat(few.path("data").size()).isEqualTo(5);
        // More than HiveMQ CE's window of 50: an unacknowledged request would hold up its batch.
        for (int ping = 0; ping < 60; ping++) {
          client.publish("{\"id\":\"after-" + ping + "\",\"type\":\"ping\"}");
        }
        for (int ping = 0; ping < 60; ping++) {
          assertThat(client.reply("after-" + ping, Duration.ofSeconds(20)))
              .as("ping %d after the oversized reply", ping)
              .isNotNull();
        }
      }
    }
  }
}
