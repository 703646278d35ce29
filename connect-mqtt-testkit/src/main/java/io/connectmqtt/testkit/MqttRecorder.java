package io.connectmqtt.testkit;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * An independent MQTT subscriber (HiveMQ client) that records what it receives: MQTT 5 by default,
 * MQTT 3.1.1 for brokers that have nothing else. With a persistent session it also receives what
 * was published while it was away, and survives broker restarts. The constructor returns once the
 * broker acknowledged the subscription. Each QoS 1/2 message is acknowledged only after it is
 * recorded, so a broker that gets the acknowledgement has handed the message over; {@link
 * #reconnect()} resumes the session on a new connection (a broker may redeliver or hand over
 * held-back messages then).
 *
 * <p>MQTT 3.1.1 messages are recorded as {@link Mqtt5Publish} too, with what 3.1.1 carries: topic,
 * payload, QoS and retain flag, no properties.
 */
public final class MqttRecorder implements AutoCloseable {

  /**
   * The MQTT maximum: a recorder takes whatever the broker sends. With a smaller one, mosquitto
   * 2.0.11 overruns it once a backlog builds up (its in-flight window grows past the Receive
   * Maximum, docs/troubleshooting.md) and the HiveMQ client disconnects and resumes in a loop,
   * which a test would read as lost messages.
   */
  private static final int RECEIVE_MAXIMUM = 65_535;

  private final Runnable disconnect;
  private final Runnable connect;
  private final AtomicInteger connectionsLost = new AtomicInteger();

  /**
   * Guarded by itself. Not a CopyOnWriteArrayList: that copies the whole list for every message, on
   * the client's thread before the acknowledgement, which is quadratic in the messages received and
   * made a recorder of 100,000 messages a slow subscriber.
   */
  private final List<Mqtt5Publish> received = new ArrayList<>();

  private MqttRecorder(
      String clientId, int port, String filter, boolean persistent, boolean mqtt5) {
    var builder =
        MqttClients.reconnectingBuilder(clientId, port)
            .addDisconnectedListener(
                context -> {
                  if (context.getSource() != MqttDisconnectSource.USER) {
                    connectionsLost.incrementAndGet();
                  }
                });
    if (mqtt5) {
      Mqtt5AsyncClient client = builder.useMqttVersion5().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          publish -> {
            record(publish);
            publish.acknowledge();
          },
          true);
      connect =
          () ->
              client
                  .connectWith()
                  .cleanStart(!persistent)
                  .sessionExpiryInterval(persistent ? 3600 : 0)
                  .restrictions()
                  .receiveMaximum(RECEIVE_MAXIMUM)
                  .applyRestrictions()
                  .send()
                  .join();
      connect.run();
      client
          .subscribeWith()
          .topicFilter(filter)
          .qos(MqttQos.EXACTLY_ONCE)
          .retainAsPublished(true)
          .send()
          .join();
      disconnect = () -> client.disconnect().exceptionally(e -> null).join();
    } else {
      Mqtt3AsyncClient client = builder.useMqttVersion3().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          publish -> {
            record(asMqtt5(publish));
            publish.acknowledge();
          },
          true);
      connect = () -> client.connectWith().cleanSession(!persistent).send().join();
      connect.run();
      client.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).send().join();
      disconnect = () -> client.disconnect().exceptionally(e -> null).join();
    }
  }

  private static Mqtt5Publish asMqtt5(Mqtt3Publish publish) {
    return Mqtt5Publish.builder()
        .topic(publish.getTopic())
        .qos(publish.getQos())
        .retain(publish.isRetain())
        .payload(publish.getPayloadAsBytes())
        .build();
  }

  public static MqttRecorder subscribe(String clientId, int port, String filter) {
    return new MqttRecorder(clientId, port, filter, false, true);
  }

  public static MqttRecorder persistent(String clientId, int port, String filter) {
    return new MqttRecorder(clientId, port, filter, true, true);
  }

  /**
   * A subscriber speaking MQTT 5 if {@code mqtt5}, else MQTT 3.1.1 (clean session false if {@code
   * persistent}): for every broker of the matrix, {@code mqtt5} being {@link TestBroker#mqtt5()}.
   */
  public static MqttRecorder subscribe(
      String clientId, int port, String filter, boolean persistent, boolean mqtt5) {
    return new MqttRecorder(clientId, port, filter, persistent, mqtt5);
  }

  private void record(Mqtt5Publish publish) {
    synchronized (received) {
      received.add(publish);
    }
  }

  /** What arrived so far, in order of arrival: a copy, which later messages do not change. */
  public List<Mqtt5Publish> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  /** How many messages arrived so far. */
  public int count() {
    synchronized (received) {
      return received.size();
    }
  }

  /**
   * Which records arrived at least once: the sequence numbers in the first eight payload bytes
   * ({@link MqttLoadPublisher#sequence}) of every message received so far.
   */
  public BitSet sequences() {
    BitSet seen = new BitSet();
    for (Mqtt5Publish publish : received()) {
      seen.set((int) MqttLoadPublisher.sequence(publish.getPayloadAsBytes()));
    }
    return seen;
  }

  public List<Mqtt5Publish> awaitAtLeast(int count, Duration timeout) {
    Awaitility.await("MQTT subscriber receives " + count + " messages")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> count() >= count);
    return received();
  }

  /**
   * Connections lost other than by {@link #reconnect()} or {@link #close()}, and failed attempts to
   * connect again: after each, a broker may send again what this recorder had not acknowledged,
   * which a test would count as duplicates of whoever published.
   */
  public int connectionsLost() {
    return connectionsLost.get();
  }

  /**
   * Disconnects and connects again, resuming a persistent session: what the broker held for it is
   * delivered now.
   */
  public void reconnect() {
    disconnect.run();
    connect.run();
  }

  @Override
  public void close() {
    disconnect.run();
  }
}
