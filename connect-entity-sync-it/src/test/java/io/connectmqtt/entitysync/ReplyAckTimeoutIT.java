package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.PublishDroppingProxy;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A broker that silently drops a reply (a proxy swallows it between the task's session and HiveMQ
 * CE): the request stays unacknowledged, and HiveMQ CE sends a subscriber no new message until
 * every one of the last batch it sent is acknowledged (at most its outgoing window of 50), so every
 * later request of every client would wait for the connection to break. After {@code
 * mqtt.publish.ack.timeout.ms} the task resumes its session, the client sends the reply again
 * (DUP), and the requests after it are served; none is applied twice.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; the
 * connector is {@code reply-ack-timeout}; HiveMQ, the proxy and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class ReplyAckTimeoutIT {

  /** More than HiveMQ CE sends in one batch (its window of 50). */
  private static final int REQUESTS = 200;

  @Test
  void aSilentlyDroppedReplyIsSentAgainAndLaterRequestsAreServed() throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        PostgresDatabase postgres = PostgresDatabase.start();
        PublishDroppingProxy proxy = new PublishDroppingProxy("127.0.0.1", hivemq.port());
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("reply-ack-timeout")) {
      stack.topics().create("reply-ack-timeout-changes", 1);
      Map<String, String> config =
          EntitySyncCrashIT.ordersSync(hivemq, postgres, "reply-ack-timeout-changes");
      config.put("mqtt.server.uris", proxy.uri());
      // Long enough that no PUBACK HiveMQ (in this busy JVM) does send comes later: that would be a
      // second resend and a second connection below (PublishAckTimeoutIT raised its own to 5 s).
      config.put("mqtt.publish.ack.timeout.ms", "5000");
      OpenEntitySync.startServed(
          stack.rest(), "reply-ack-timeout", config, 1, hivemq.port(), "spec", "ack-probe");

      Map<String, JsonNode> replies = new ConcurrentHashMap<>();
      List<Mqtt5AsyncClient> clients =
          RequestClients.connectAll(hivemq.port(), "buyer-", 1, replies, () -> {});
      int connectionsBefore = proxy.connections();
      proxy.dropNextPublishes(1);
      for (int seq = 0; seq < REQUESTS; seq++) {
        RequestClients.create(
            clients.get(0), "buyer-0", MqttQos.AT_LEAST_ONCE, "o" + seq, "orders", seq);
      }
      Awaitility.await("every request answered")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> replies.size() == REQUESTS);

      assertThat(replies.values())
          .allSatisfy(r -> assertThat(r.path("success").asBoolean()).as(r.toString()).isTrue());
      assertThat(Sql.count(postgres::connection, "select count(*) from public.orders"))
          .isEqualTo(REQUESTS);
      List<PublishDroppingProxy.Seen> seen = proxy.seen();
      PublishDroppingProxy.Seen dropped =
          seen.stream().filter(PublishDroppingProxy.Seen::dropped).findFirst().orElseThrow();
      assertThat(seen)
          .as("the swallowed reply, sent again with its packet identifier and DUP set")
          .contains(new PublishDroppingProxy.Seen(dropped.packetId(), true, false));
      assertThat(proxy.connections())
          .as("one resumption of the session")
          .isEqualTo(connectionsBefore + 1);
      RequestClients.disconnectAll(clients);
    }
  }
}
