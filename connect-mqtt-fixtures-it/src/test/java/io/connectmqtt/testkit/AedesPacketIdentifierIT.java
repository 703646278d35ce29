package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What Aedes 1.2.0 does with packet identifiers when a persistent session resumes, measured with a
 * plain HiveMQ client and no connector (docs/troubleshooting.md, "Aedes: connection lost after a
 * session resumes"). Aedes resends the messages still unacknowledged from the last connection with
 * their old identifiers and numbers the messages queued since from a counter that starts anywhere
 * again, without looking at which identifiers are in flight: a new message can carry the identifier
 * of a resent one the client has not acknowledged yet, without the DUP flag, which MQTT forbids
 * (MQTT-2.3.1-4), and the HiveMQ client drops the connection for it. With more than 65,535 messages
 * on the two sides, the two ranges must overlap, so the collision is certain, not probable. If this
 * test fails, Aedes no longer does this: the troubleshooting entry and the crash tests' allowance
 * for it (BrokerMatrixCrashIT) can go.
 */
class AedesPacketIdentifierIT {

  private static final String TOPIC = "packet-ids/probe";

  /** Held unacknowledged in the first connection, so Aedes resends them with their identifiers. */
  private static final int IN_FLIGHT = 40_000;

  /**
   * Queued while the client is away; with IN_FLIGHT, more than the 65,535 identifiers there are.
   */
  private static final int QUEUED = 30_000;

  @Test
  void aResumedSessionGetsAnInFlightIdentifierAgainWithoutDup() throws Exception {
    Broker.AEDES.assumeSelected();
    try (TestBroker broker = Broker.AEDES.start(BrokerOptions.DEFAULTS.withPersistence(false));
        Publisher publisher = new Publisher(broker.port())) {
      AtomicInteger firstConnection = new AtomicInteger();
      Mqtt3AsyncClient first = subscriber(broker.port(), firstConnection);
      first.connectWith().cleanSession(false).send().get();
      first.subscribeWith().topicFilter(TOPIC).qos(MqttQos.AT_LEAST_ONCE).send().get();
      publisher.publish(IN_FLIGHT);
      Awaitility.await("the first connection holds every message unacknowledged")
          .atMost(Duration.ofSeconds(120))
          .until(() -> firstConnection.get() == IN_FLIGHT);
      first.disconnect().get();

      publisher.publish(QUEUED);
      AtomicInteger secondConnection = new AtomicInteger();
      AtomicReference<Throwable> dropped = new AtomicReference<>();
      Mqtt3AsyncClient second =
          MqttClients.builder("packet-id-probe", broker.port())
              .addDisconnectedListener(context -> dropped.compareAndSet(null, context.getCause()))
              .useMqttVersion3()
              .buildAsync();
      second.publishes(
          MqttGlobalPublishFilter.ALL, publish -> secondConnection.incrementAndGet(), true);
      assertThat(second.connectWith().cleanSession(false).send().get().isSessionPresent())
          .as("the session resumed")
          .isTrue();
      Awaitility.await("the resumed connection dropped")
          .atMost(Duration.ofSeconds(120))
          .until(() -> dropped.get() != null);
      System.out.printf(
          "MEASURED: %s: resumed session dropped after %d of %d messages: %s%n",
          broker.name(), secondConnection.get(), IN_FLIGHT + QUEUED, dropped.get());
      assertThat(dropped.get())
          .hasMessageContaining("DUP flag must be set for a resent QoS 1 PUBLISH");
      assertThat(secondConnection.get())
          .as("messages before the reused identifier")
          .isLessThan(IN_FLIGHT + QUEUED);
    }
  }

  private static Mqtt3AsyncClient subscriber(int port, AtomicInteger received) {
    Mqtt3AsyncClient client =
        MqttClients.builder("packet-id-probe", port).useMqttVersion3().buildAsync();
    // Manual acknowledgement that never comes: every message stays in flight.
    client.publishes(MqttGlobalPublishFilter.ALL, publish -> received.incrementAndGet(), true);
    return client;
  }

  /** QoS 1 messages to {@link #TOPIC}, sent without waiting for each PUBACK. */
  private static final class Publisher implements AutoCloseable {
    private final Mqtt3BlockingClient client;

    Publisher(int port) {
      client = MqttClients.connected3("packet-id-probe-publisher", port);
    }

    void publish(int count) {
      CompletableFuture<?>[] sent = new CompletableFuture<?>[count];
      for (int i = 0; i < count; i++) {
        sent[i] =
            client
                .toAsync()
                .publishWith()
                .topic(TOPIC)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(Integer.toString(i).getBytes(StandardCharsets.UTF_8))
                .send();
      }
      CompletableFuture.allOf(sent).join();
    }

    @Override
    public void close() {
      client.disconnect();
    }
  }
}
