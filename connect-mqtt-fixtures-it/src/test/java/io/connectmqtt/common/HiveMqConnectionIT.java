package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A connection against a real broker: failover, reconnect, redelivery of unacknowledged messages.
 */
class HiveMqConnectionIT {

  private static MqttConnectionConfig.MqttConnectionSettings settings(
      String uris, String clientId) {
    return settings(
        clientId,
        Map.of(
            MqttConnectionConfig.SERVER_URIS_CONFIG,
            uris,
            MqttConnectionConfig.RECONNECT_BACKOFF_INITIAL_CONFIG,
            "50",
            MqttConnectionConfig.RECONNECT_BACKOFF_MAX_CONFIG,
            "500",
            MqttConnectionConfig.CONNECT_TIMEOUT_CONFIG,
            "2000"));
  }

  private static MqttConnectionConfig.MqttConnectionSettings settings(
      String clientId, Map<String, String> props) {
    return MqttConnectionConfig.settings(
        new AbstractConfig(MqttConnectionConfig.define(new ConfigDef()), props), clientId);
  }

  @Test
  void failsOverToTheNextServerAndRedeliversWhatWasNotAcknowledged() throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.start()) {
      String deadServer = "tcp://127.0.0.1:" + Ports.free();
      List<InboundMessage> received = new CopyOnWriteArrayList<>();
      var executor = Executors.newSingleThreadExecutor();
      MqttConnection session =
          MqttConnectionFactory.HIVEMQ.create(
              settings(deadServer + "," + broker.uri(), "session-it"), 10);
      session.onMessage(received::add, executor);
      session.onConnected(() -> session.subscribe(List.of("it/#"), 1));
      session.connect();
      Awaitility.await("connected through the second server")
          .atMost(Duration.ofSeconds(20))
          .until(session::isConnected);

      Mqtt5BlockingClient publisher =
          MqttClient.builder()
              .useMqttVersion5()
              .serverHost("127.0.0.1")
              .serverPort(broker.port())
              .buildBlocking();
      publisher.connect();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                publisher
                    .publishWith()
                    .topic("it/a")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(new byte[] {1})
                    .send();
                return !received.isEmpty();
              });
      InboundMessage first = received.get(0);
      assertThat(first.topic()).isEqualTo("it/a");
      assertThat(first.packetId()).isPresent();
      assertThat(first.dup()).isFalse();
      session.close();

      // Nothing was acknowledged: a new session with the same client id gets the messages again,
      // marked DUP.
      List<InboundMessage> redelivered = new CopyOnWriteArrayList<>();
      MqttConnection again =
          MqttConnectionFactory.HIVEMQ.create(settings(broker.uri(), "session-it"), 10);
      again.onMessage(redelivered::add, executor);
      assertThat(again.connect().get()).as("session present").isTrue();
      Awaitility.await("redelivery")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !redelivered.isEmpty());
      assertThat(redelivered.get(0).topic()).isEqualTo("it/a");
      assertThat(redelivered.get(0).dup()).isTrue();
      redelivered.forEach(InboundMessage::acknowledge);
      again.close();
      publisher.disconnect();
      executor.shutdownNow();
    }
  }

  @Test
  void probeReportsAnUnreachableBrokerAsRetriable() {
    MqttConnection probe =
        MqttConnectionFactory.HIVEMQ.probe(settings("tcp://127.0.0.1:" + Ports.free(), "probe-it"));
    assertThatThrownBy(probe::connectOrThrow)
        .isInstanceOf(MqttConnection.MqttConnectFailedException.class)
        .satisfies(
            e -> assertThat(((MqttConnection.MqttConnectFailedException) e).permanent()).isFalse());
    probe.close();
  }

  /**
   * A task stopped while its session is still connecting (a slow broker, or a reconnect in
   * progress) must not come online later: in a soak run such a stopped task's client connected
   * minutes after stop(), subscribed, and took the session away from the task that had replaced it.
   * Here the broker is a socket that answers the CONNECT only after the session was closed.
   */
  @Test
  void aSessionClosedWhileConnectingNeverComesOnline() throws Exception {
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(10_000);
      MqttConnection session =
          MqttConnectionFactory.HIVEMQ.create(
              settings(
                  "closed-while-connecting",
                  Map.of(
                      MqttConnectionConfig.SERVER_URIS_CONFIG,
                      "tcp://127.0.0.1:" + server.getLocalPort(),
                      MqttConnectionConfig.VERSION_CONFIG,
                      MqttConnectionConfig.VERSION_3_1_1,
                      MqttConnectionConfig.CONNECT_TIMEOUT_CONFIG,
                      "20000")),
              10);
      java.util.concurrent.atomic.AtomicInteger onlineCallbacks =
          new java.util.concurrent.atomic.AtomicInteger();
      session.onConnected(onlineCallbacks::incrementAndGet);
      session.connect();
      try (java.net.Socket broker = server.accept()) {
        broker.setSoTimeout(10_000);
        var in = broker.getInputStream();
        assertThat(in.read()).as("CONNECT packet type").isEqualTo(0x10);
        in.skipNBytes(in.read()); // the remaining length of a short CONNECT fits in one byte
        session.close();
        try {
          broker.getOutputStream().write(new byte[] {0x20, 0x02, 0x00, 0x00}); // CONNACK, accepted
          broker.getOutputStream().flush();
        } catch (java.io.IOException closedAlready) {
          // the client gave up the attempt when it was closed: as good as disconnecting after the
          // CONNACK
        }
        int next;
        try {
          next = in.read();
          if (next == 0xE0) { // DISCONNECT: then the client closes the socket
            in.read();
            next = in.read();
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          next = -2;
        } catch (java.net.SocketException reset) {
          next = -1;
        }
        assertThat(next)
            .as(
                "what the closed session sent after the CONNACK (-1: it closed the connection; -2: it stayed connected)")
            .isEqualTo(-1);
      }
      assertThat(onlineCallbacks).as("connected callbacks after close()").hasValue(0);
      // Disconnected for good, with no reconnect pending (DISCONNECTED_RECONNECT would be the
      // zombie).
      Awaitility.await("the client disconnected")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  ((HiveMqConnection) session).state()
                      == com.hivemq.client.mqtt.MqttClientState.DISCONNECTED);
    }
  }
}
