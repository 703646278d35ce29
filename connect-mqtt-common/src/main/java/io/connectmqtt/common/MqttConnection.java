package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.publish.PublishConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One MQTT connection, whatever the protocol version: failover across the configured servers,
 * reconnect with backoff, manual acknowledgement of incoming messages. Tasks obtain it from an
 * {@link MqttConnectionFactory} ({@link MqttConnectionFactory#HIVEMQ} in production, a fake in unit
 * tests); {@link HiveMqConnection} is the implementation over the HiveMQ client.
 */
public interface MqttConnection extends PublishConnection, AutoCloseable {

  /**
   * MQTT 5's largest Receive Maximum; the HiveMQ client then leaves the property out of CONNECT.
   */
  int UNLIMITED_RECEIVE_MAXIMUM = 65_535;

  /**
   * The largest Receive Maximum that is sent: the broker's own limit applies. Safe with an {@link
   * MqttIntake}, which stops reading long before the client would see this many unacknowledged
   * messages.
   */
  int DEFAULT_RECEIVE_MAXIMUM = UNLIMITED_RECEIVE_MAXIMUM - 1;

  /**
   * Routes every incoming message to {@code handler}, on {@code executor}, with manual
   * acknowledgement. Call before {@link #connect}: a broker holding a persistent session sends its
   * queued messages right after CONNACK, before any SUBSCRIBE of ours.
   */
  void onMessage(Consumer<InboundMessage> handler, Executor executor);

  /**
   * Runs {@code action} after every successful (re)connect, on the client's thread; it must not
   * block.
   */
  void onConnected(Runnable action);

  /**
   * Starts connecting; the future tells whether the broker had a session for this client. When the
   * first attempt fails the connection keeps trying the next servers in the background with backoff
   * (unless it is a probe), and the {@link #onConnected} action runs once it gets through.
   */
  CompletableFuture<Boolean> connect();

  /**
   * Connects once, without reconnecting, and throws what the broker said; for validation probes.
   */
  boolean connectOrThrow() throws MqttConnectFailedException;

  /**
   * What the broker's CONNACK said about shared subscriptions (MQTT 5 only; 3.1.1 brokers do not
   * say, and this is true).
   */
  boolean sharedSubscriptionAvailable();

  /**
   * The largest packet the broker accepts, from its MQTT 5 CONNACK (MQTT 3.1.1: the protocol's 256
   * MB).
   */
  int maximumPacketSize();

  /** Subscribes to every filter at {@code qos}; fails when the broker refuses one of them. */
  CompletableFuture<Void> subscribe(List<String> filters, int qos);

  /**
   * Removes subscriptions from the session; a filter the session did not have is no error (MQTT 5
   * answers "no subscription existed", MQTT 3.1.1 does not say).
   */
  CompletableFuture<Void> unsubscribe(List<String> filters);

  /** Times the connection was lost and re-established (or re-established on purpose). */
  long reconnects();

  /** The Receive Maximum this connection asks for now (it is raised after a broker exceeded it). */
  int receiveMaximum();

  /**
   * Connections this client closed because the broker sent more unacknowledged messages than it
   * allowed.
   */
  long receiveMaximumViolations();

  /** The settings this connection connects with (its MQTT version resolved). */
  MqttConnectionSettings settings();

  default String clientId() {
    return settings().clientId();
  }

  /** The protocol version this connection speaks (never {@link MqttProtocolVersion#AUTO}). */
  MqttProtocolVersion version();

  @Override
  void close();

  /**
   * Closes the connection and ends its session on the broker (MQTT 5: DISCONNECT with a Session
   * Expiry Interval of 0); MQTT 3.1.1 cannot say so, and the session stays until the broker expires
   * it.
   */
  void closeEndingSession();

  /**
   * The broker answered a publish with an error reason code (e.g. not authorized, payload format
   * invalid).
   */
  final class MqttPublishRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param reason what the broker answered, e.g. "PUBACK NOT_AUTHORIZED"
     */
    public MqttPublishRefusedException(String topic, String reason, Throwable cause) {
      super("The MQTT broker refused the message for '" + topic + "': " + reason, cause);
    }
  }

  /**
   * The broker refused a subscription (e.g. no permission, or shared subscriptions unsupported).
   */
  final class MqttSubscribeRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MqttSubscribeRefusedException(String filter, String reason) {
      super("The MQTT broker refused the subscription to '" + filter + "': " + reason);
    }
  }

  /** The broker kept breaking the connection right after accepting it. */
  final class MqttConnectionFlappingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MqttConnectionFlappingException(
        String clientId, int connections, long withinSeconds, Throwable lastCause) {
      super(
          "MQTT client "
              + clientId
              + ": "
              + connections
              + " connections in a row broke within "
              + withinSeconds
              + " s of connecting; last cause: "
              + (lastCause == null ? "none given" : lastCause.getMessage())
              + ". Check the broker's log and "
              + "docs/troubleshooting.md",
          lastCause);
    }
  }

  /** No server accepted the connection; {@link #permanent()} when retrying cannot help. */
  final class MqttConnectFailedException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean permanent;

    public MqttConnectFailedException(String message, Throwable cause, boolean permanent) {
      super(message, cause);
      this.permanent = permanent;
    }

    public boolean permanent() {
      return permanent;
    }
  }
}
