package io.connectmqtt.common.connect;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first MQTT connect in a task's {@code start}, the same for every task of the suite. Connect
 * never retries an exception from {@code start} (see {@link DeferredStart}), so only what trying
 * again cannot fix fails it: a permanent refusal ({@link ErrorClassifier}: credentials, client id,
 * protocol version, TLS) or the connection's own fatal error becomes a {@link ConnectException}
 * with the broker's reason and the setting to fix ({@link ErrorClassifier#mqttFix}). Anything else
 * (the broker away, no CONNACK in time) is logged, and the connection keeps reconnecting in the
 * background while the task runs.
 */
public final class MqttConnectAtStart {

  private static final Logger log = LoggerFactory.getLogger(MqttConnectAtStart.class);

  private MqttConnectAtStart() {}

  /**
   * Connects {@code connection}: whether the broker had a session for it, or empty while the broker
   * is not reachable. On a refusal for good or an interrupt {@code release} runs (it closes what
   * the task opened, the connection among it) before the {@link ConnectException} is thrown.
   */
  public static Optional<Boolean> connect(MqttConnection connection, Runnable release) {
    return await(connection.connect(), connection.settings(), connection::fatalError, release);
  }

  /**
   * As {@link #connect}, for connections started otherwise: {@code connecting} completes with
   * whether the broker had a session, {@code settings} name the client and bound the wait (the
   * connect timeout and a second), {@code fatalError} is the connections' failure that reconnecting
   * cannot fix.
   */
  public static Optional<Boolean> await(
      CompletableFuture<Boolean> connecting,
      MqttConnectionSettings settings,
      Supplier<Optional<Throwable>> fatalError,
      Runnable release) {
    try {
      return Optional.of(
          connecting.get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      release.run();
      throw new ConnectException("Interrupted while connecting to MQTT", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      Optional<Throwable> fatal = fatalError.get();
      if (fatal.isPresent() || ErrorClassifier.isPermanent(cause)) {
        release.run();
        // The fatal error is why the connection gave up; the attempt's own failure (a timeout,
        // say) is only its symptom.
        ConnectException refusal = refusal(settings.clientId(), fatal.orElse(cause));
        if (fatal.isPresent() && fatal.get() != cause) {
          refusal.addSuppressed(cause);
        }
        throw refusal;
      }
      log.warn(
          "MQTT broker not reachable yet ({}); client '{}' keeps reconnecting in the background",
          cause.toString(),
          settings.clientId());
      return Optional.empty();
    }
  }

  /**
   * The broker's reason for refusing {@code clientId} and the settings to check: the permanent
   * cause in {@code error}'s chain, or {@code error} itself when it has none (a connection given up
   * for flapping says what to check in its own message).
   */
  private static ConnectException refusal(String clientId, Throwable error) {
    ErrorClassifier.Classification classification = ErrorClassifier.classify(error);
    boolean permanent = classification.verdict() == ErrorClassifier.Verdict.PERMANENT;
    Throwable reason = permanent ? classification.cause() : error;
    String fix = permanent ? ErrorClassifier.mqttFix(reason) : "";
    return new ConnectException(
        "MQTT broker refused the connection for client '"
            + clientId
            + "': "
            + ErrorClassifier.describe(reason)
            + (fix.isEmpty() ? "" : ". " + fix),
        error);
  }
}
