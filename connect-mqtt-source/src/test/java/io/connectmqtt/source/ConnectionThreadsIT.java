package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TestBrokerSettings;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.TestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A source task's intake that is full (Kafka slow or away) waits on its connection's client thread.
 * The HiveMQ client used to put every client of the JVM on one shared pool of twice the cores
 * threads, so other connections of the worker (other tasks, other connectors) on that thread
 * stopped too: no message, no acknowledgement, not even a CONNACK. Here one connection's intake is
 * held full while more connections than that pool has threads connect, subscribe and each receive a
 * message: by pigeonhole, on the shared pool one of them would share the waiting thread.
 */
class ConnectionThreadsIT {

  @Test
  void aConnectionWaitingForRoomInItsIntakeHoldsUpNoOtherConnection() throws Exception {
    int others = 2 * Runtime.getRuntime().availableProcessors() + 1;
    List<MqttConnection> connections = new ArrayList<>();
    MqttIntake full = new MqttIntake(1);
    // mosquitto sends the second message while the first is unacknowledged; HiveMQ CE would hold it
    // until the first is.
    MosquittoBroker.assumeAvailable();
    try (MosquittoBroker broker = MosquittoBroker.start()) {
      MqttConnection publisher = connection(broker, "publisher", connections);
      publisher.connect().get(10, TimeUnit.SECONDS);
      MqttConnection waiting = connection(broker, "waiting", connections);
      full.attach(waiting);
      waiting.connect().get(10, TimeUnit.SECONDS);
      waiting.subscribe(List.of("waiting/#"), 1).get(10, TimeUnit.SECONDS);
      publish(publisher, "waiting/1");
      publish(publisher, "waiting/2");
      // The first fills the intake; the second is counted as received, then waits for room.
      AtomicLong taken = new AtomicLong();
      Awaitility.await("the second message waiting for room")
          .atMost(Duration.ofSeconds(10))
          .until(() -> taken.addAndGet(full.receivedSinceLastCall()) == 2);

      List<CompletableFuture<String>> received = new ArrayList<>();
      for (int i = 0; i < others; i++) {
        String topic = "other/" + i;
        CompletableFuture<String> message = new CompletableFuture<>();
        received.add(message);
        MqttConnection other =
            MqttConnectionFactory.HIVEMQ.create(
                TestBrokerSettings.of(broker, "other-" + i),
                MqttConnection.DEFAULT_RECEIVE_MAXIMUM);
        connections.add(other);
        other.onMessage(
            m -> {
              m.acknowledge();
              message.complete(m.topic());
            },
            Runnable::run);
        assertThat(other.connect())
            .as("connection %d of %d connects", i + 1, others)
            .succeedsWithin(Duration.ofSeconds(10));
        assertThat(other.subscribe(List.of(topic), 1)).succeedsWithin(Duration.ofSeconds(10));
        publish(publisher, topic);
      }
      for (int i = 0; i < others; i++) {
        assertThat(received.get(i))
            .as("the message of connection %d of %d", i + 1, others)
            .succeedsWithin(Duration.ofSeconds(10))
            .isEqualTo("other/" + i);
      }
    } finally {
      full.stop();
      connections.forEach(MqttConnection::close);
    }
  }

  /**
   * The thread of its own that each connection has ends when the connection closes, also after
   * reconnects: a worker whose tasks restart for weeks must not gather threads.
   */
  @Test
  void aConnectionHasOneThreadThroughReconnectsAndNoneOnceClosed() throws Exception {
    MosquittoBroker.assumeAvailable();
    List<MqttConnection> connections = new ArrayList<>();
    try (MosquittoBroker broker = MosquittoBroker.start()) {
      MqttConnection connection = connection(broker, "restarted", connections);
      connection.onMessage(InboundMessage::acknowledge, Runnable::run);
      connection.connect().get(10, TimeUnit.SECONDS);
      assertThat(threads("mqtt-restarted")).isEqualTo(1);
      for (int restart = 1; restart <= 3; restart++) {
        broker.restart();
        Awaitility.await("reconnected after broker restart " + restart)
            .atMost(Duration.ofSeconds(30))
            .until(connection::isConnected);
      }
      connection.close();
      Awaitility.await("no thread once closed")
          .atMost(Duration.ofSeconds(10))
          .until(() -> threads("mqtt-restarted") == 0);
    } finally {
      connections.forEach(MqttConnection::close);
    }
  }

  /** Live threads named {@code name}. */
  private static long threads(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.isAlive() && thread.getName().equals(name))
        .count();
  }

  /** A connection, not yet connected: its message callback must be set before it connects. */
  private static MqttConnection connection(
      TestBroker broker, String clientId, List<MqttConnection> connections) {
    MqttConnection connection =
        MqttConnectionFactory.HIVEMQ.create(
            TestBrokerSettings.of(broker, clientId), MqttConnection.DEFAULT_RECEIVE_MAXIMUM);
    connections.add(connection);
    return connection;
  }

  private static void publish(MqttConnection publisher, String topic) throws Exception {
    publisher
        .publish(OutboundMessage.of(topic, topic.getBytes(StandardCharsets.UTF_8), 1, false))
        .get(10, TimeUnit.SECONDS);
  }
}
