package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a broker says about itself on the retained topic {@code $SYS/broker/version} (mosquitto
 * publishes it, e.g. "mosquitto version 2.0.11"), read for the few broker defects the connectors
 * must avoid rather than discover by data loss. Brokers without that topic, or an ACL that hides
 * it, give no version, and nothing is assumed about them.
 */
public final class BrokerVersion {

  public static final String TOPIC = "$SYS/broker/version";
  private static final Pattern MOSQUITTO = Pattern.compile("mosquitto version (\\d+)\\.(\\d+)");

  private final String text;

  BrokerVersion(String text) {
    this.text = text;
  }

  /**
   * Connects once with a throwaway client id and a clean session, subscribes to {@link #TOPIC} and
   * unsubscribes again; the version is the retained message that came before the broker's answer to
   * the unsubscribe, empty if none did, or the broker cannot be reached.
   *
   * <p>The broker's answer is the fence, not a timer: mosquitto (1.6 to 2.0, {@code
   * handle__subscribe}) queues a subscription's retained messages as it handles the SUBSCRIBE and
   * writes them just after its SUBACK, before it reads the connection's next packet, so they come
   * before the UNSUBACK (other brokers may send theirs later; only mosquitto's version decides
   * anything); and the client hands inbound messages to the handler on its own thread before it
   * completes a later acknowledgement. A 500 ms wait after the SUBACK, before, cost every task
   * start on brokers without the topic, and could end on a loaded machine before mosquitto's answer
   * was read.
   */
  public static Optional<BrokerVersion> probe(MqttConnectionSettings settings) {
    return probe(MqttConnectionFactory.HIVEMQ, settings);
  }

  /** As {@link #probe(MqttConnectionSettings)}, over connections of {@code factory}. */
  public static Optional<BrokerVersion> probe(
      MqttConnectionFactory factory, MqttConnectionSettings settings) {
    MqttConnection probe =
        factory.probe(
            factory
                .negotiate(settings)
                .withClientId(settings.clientId() + "-sys-probe")
                .withCleanStart(true, 0));
    try {
      AtomicReference<String> version = new AtomicReference<>();
      probe.onMessage(
          message -> {
            message.acknowledge();
            version.compareAndSet(null, new String(message.payload(), StandardCharsets.UTF_8));
          },
          Runnable::run);
      probe.connectOrThrow();
      long timeoutMs = settings.connectTimeoutMs();
      probe.subscribe(List.of(TOPIC), 0).get(timeoutMs, TimeUnit.MILLISECONDS);
      probe.unsubscribe(List.of(TOPIC)).get(timeoutMs, TimeUnit.MILLISECONDS);
      return Optional.ofNullable(version.get()).map(BrokerVersion::new);
    } catch (TimeoutException | ExecutionException | MqttConnection.MqttConnectFailedException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } finally {
      probe.close();
    }
  }

  /** The broker's own words, e.g. "mosquitto version 2.0.11". */
  public String text() {
    return text;
  }

  /**
   * Whether a restart of this broker drops shared subscriptions: mosquitto before 2.1 saves a
   * persistent session's ordinary subscriptions but not its {@code $share/...} ones ({@code
   * persist__subs_save()}), so until each member subscribes again the messages published to the
   * group are discarded although their publishers got a PUBACK.
   */
  public boolean dropsSharedSubscriptionsOnRestart() {
    Matcher mosquitto = MOSQUITTO.matcher(text);
    if (!mosquitto.find()) {
      return false;
    }
    int major = Integer.parseInt(mosquitto.group(1));
    int minor = Integer.parseInt(mosquitto.group(2));
    return major < 2 || major == 2 && minor < 1;
  }

  @Override
  public String toString() {
    return text;
  }
}
