package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
   * waits up to {@code wait} after the subscription for its retained message; empty if there is
   * none, or the broker cannot be reached.
   */
  public static Optional<BrokerVersion> probe(MqttConnectionSettings settings, Duration wait) {
    return probe(MqttConnectionFactory.HIVEMQ, settings, wait);
  }

  /** As {@link #probe(MqttConnectionSettings, Duration)}, over connections of {@code factory}. */
  public static Optional<BrokerVersion> probe(
      MqttConnectionFactory factory, MqttConnectionSettings settings, Duration wait) {
    MqttConnection probe =
        factory.probe(
            factory
                .negotiate(settings)
                .withClientId(settings.clientId() + "-sys-probe")
                .withCleanStart(true, 0));
    try {
      CompletableFuture<String> version = new CompletableFuture<>();
      probe.onMessage(
          message -> {
            message.acknowledge();
            version.complete(new String(message.payload(), StandardCharsets.UTF_8));
          },
          Runnable::run);
      probe.connectOrThrow();
      probe.subscribe(List.of(TOPIC), 0).get(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
      return Optional.of(new BrokerVersion(version.get(wait.toMillis(), TimeUnit.MILLISECONDS)));
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
