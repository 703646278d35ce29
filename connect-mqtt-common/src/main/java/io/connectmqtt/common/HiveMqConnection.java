package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link MqttConnection} over the HiveMQ client. What the two protocol versions share lives
 * here, once: failover across the configured servers, reconnect with exponential backoff and
 * flapping detection, the Receive Maximum fallback, the fatal error handed back to the task and the
 * counters; what differs is a {@link HiveMqProtocol} ({@link Mqtt5Protocol}, {@link
 * Mqtt3Protocol}). A little over 400 lines: the reconnect policy's state (server index, flapping
 * count, Receive Maximum) and the client listeners that change it are kept in one class on purpose.
 *
 * <p>Incoming messages are taken by a global callback registered <em>before</em> connecting: a
 * broker holding a persistent session sends its queued messages right after CONNACK, before any
 * SUBSCRIBE of ours, and HiveMQ's client would acknowledge and drop messages no callback claims.
 */
public final class HiveMqConnection implements MqttConnection {

  private static final Logger log = LoggerFactory.getLogger(HiveMqConnection.class);

  static final MqttConnectionFactory FACTORY =
      new MqttConnectionFactory() {
        @Override
        public MqttConnection create(MqttConnectionSettings settings, int receiveMaximum) {
          return new HiveMqConnection(negotiate(settings), receiveMaximum, true);
        }

        @Override
        public MqttConnection probe(MqttConnectionSettings settings) {
          return new HiveMqConnection(settings, 10, false);
        }

        @Override
        public MqttConnectionSettings negotiate(MqttConnectionSettings settings) {
          return MqttVersionNegotiation.negotiate(settings);
        }
      };

  /**
   * A connection that breaks sooner than this after CONNACK counts as flapping: the backoff keeps
   * growing.
   */
  static final long FLAPPING = TimeUnit.SECONDS.toNanos(10);

  /** Flapping connections in a row after which the connection gives up with a fatal error. */
  static final int MAX_SHORT_CONNECTIONS = 30;

  private final MqttConnectionSettings settings;
  private final boolean reconnect;
  private final HiveMqProtocol<?> protocol;
  private final AtomicInteger serverIndex = new AtomicInteger();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();

  /**
   * Set by {@link #resendUnacknowledged}: the next disconnect, ours, is followed by an immediate
   * reconnect.
   */
  private final AtomicBoolean resendRequested = new AtomicBoolean();

  private final AtomicReference<Throwable> fatalError = new AtomicReference<>();
  private final AtomicReference<Runnable> onConnected = new AtomicReference<>(() -> {});
  private volatile HiveMqProtocol.ConnAck connAck = HiveMqProtocol.ConnAck.mqtt3(false);

  /**
   * The Receive Maximum of the next CONNECT; raised when the broker sends more than it allows (see
   * {@link #raiseReceiveMaximum}).
   */
  private volatile int receiveMaximum;

  private final AtomicLong receiveMaximumViolations = new AtomicLong();

  /**
   * When the current connection was established, and how many in a row broke within {@link
   * #FLAPPING}.
   */
  private volatile long connectedAtNanos;

  private final AtomicInteger shortConnectionsInARow = new AtomicInteger();

  /** The client's own Netty thread (see {@link ConnectionThread}). */
  private final ConnectionThread thread;

  private HiveMqConnection(MqttConnectionSettings settings, int receiveMaximum, boolean reconnect) {
    this.settings = settings;
    this.reconnect = reconnect;
    this.receiveMaximum = receiveMaximum;
    // Before the thread: a bad key store fails here, and nothing is left open.
    var transport = HiveMqTransport.of(settings, settings.serverUris().get(0));
    this.thread = new ConnectionThread("mqtt-" + settings.clientId());
    try {
      var builder =
          MqttClient.builder()
              .identifier(settings.clientId())
              .executorConfig(thread.executorConfig())
              .transportConfig(transport)
              .addConnectedListener(this::connected)
              .addDisconnectedListener(this::disconnected);
      this.protocol = HiveMqProtocol.of(builder, settings);
    } catch (RuntimeException e) {
      thread.shutdown();
      throw e;
    }
  }

  @Override
  public MqttConnectionSettings settings() {
    return settings;
  }

  @Override
  public MqttProtocolVersion version() {
    return protocol.version();
  }

  @Override
  public void onMessage(Consumer<InboundMessage> handler, Executor executor) {
    protocol.onPublish(
        (publish, ack) -> handler.accept(HiveMqProtocol.toInbound(publish, untilClosed(ack))),
        executor);
  }

  /**
   * {@code acknowledge}, which does nothing once the connection is closed: its thread then refuses
   * the work, and the acknowledgement is moot anyway (the broker sends the message again to the
   * next session). Connect commits records of a stopped source task after its stop.
   */
  private static Runnable untilClosed(Runnable acknowledge) {
    return () -> {
      try {
        acknowledge.run();
      } catch (RejectedExecutionException closed) {
        // The connection is closed.
      }
    };
  }

  @Override
  public void onConnected(Runnable action) {
    onConnected.set(action);
  }

  @Override
  public CompletableFuture<Boolean> connect() {
    return protocol
        .connect(receiveMaximum)
        .thenApply(
            answer -> {
              connAck = answer;
              return answer.sessionPresent();
            });
  }

  @Override
  public boolean connectOrThrow() throws MqttConnectFailedException {
    MqttServerUri uri = currentServer();
    try {
      return connect().get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MqttConnectFailedException("Interrupted while connecting to " + uri, e, false);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new MqttConnectFailedException(
          MqttConnectErrors.describe(uri, cause), cause, ErrorClassifier.isPermanent(cause));
    }
  }

  @Override
  public boolean sharedSubscriptionAvailable() {
    return connAck.sharedSubscriptionAvailable();
  }

  @Override
  public int maximumPacketSize() {
    return connAck.maximumPacketSize();
  }

  /**
   * Publishes asynchronously. The future completes when the broker acknowledged the message (PUBACK
   * for QoS 1, PUBCOMP for QoS 2, sent for QoS 0), and fails with {@link
   * MqttPublishRefusedException} when the broker answered with an error reason code. While the
   * connection is down, the client queues the message and sends it after reconnecting.
   */
  @Override
  public CompletableFuture<Void> publish(OutboundMessage message) {
    return protocol.publish(message);
  }

  @Override
  public CompletableFuture<Void> subscribe(List<String> filters, int qos) {
    return protocol
        .subscribe(filters, MqttQos.fromCode(qos))
        .thenAccept(
            refusals -> {
              for (int i = 0; i < refusals.size(); i++) {
                if (refusals.get(i) != null) {
                  throw new MqttSubscribeRefusedException(filters.get(i), refusals.get(i));
                }
              }
            });
  }

  @Override
  public CompletableFuture<Void> unsubscribe(List<String> filters) {
    return protocol.unsubscribe(filters);
  }

  @Override
  public boolean isConnected() {
    return state() == MqttClientState.CONNECTED;
  }

  /** The client's own state, which tells a reconnect under way from none (for tests). */
  MqttClientState state() {
    return protocol.state();
  }

  @Override
  public long reconnects() {
    return reconnects.get();
  }

  @Override
  public int receiveMaximum() {
    return receiveMaximum;
  }

  private MqttServerUri currentServer() {
    return settings
        .serverUris()
        .get(Math.floorMod(serverIndex.get(), settings.serverUris().size()));
  }

  private void connected(MqttClientConnectedContext context) {
    if (closing.get()) {
      // An attempt that was under way when close() ran (disconnect() cannot stop a CONNECT in
      // flight): leave at once, or a stopped task's client comes online, subscribes and takes the
      // session from the task that replaced it.
      log.info("MQTT client {} connected after it was closed; disconnecting", settings.clientId());
      protocol.disconnect(false).exceptionally(e -> null);
      return;
    }
    connectedAtNanos = System.nanoTime();
    log.info(
        "MQTT client {} connected to {}:{}",
        settings.clientId(),
        context.getClientConfig().getServerHost(),
        context.getClientConfig().getServerPort());
    onConnected.get().run();
  }

  @Override
  public Optional<Throwable> fatalError() {
    return Optional.ofNullable(fatalError.get());
  }

  private void disconnected(MqttClientDisconnectedContext context) {
    if (context.getSource() == MqttDisconnectSource.USER
        && resendRequested.getAndSet(false)
        && !closing.get()) {
      // Our own disconnect from resendUnacknowledged: back to the same server at once, resuming the
      // session.
      protocol.prepareReconnect(context, receiveMaximum);
      context
          .getReconnector()
          .reconnect(true)
          .republishIfSessionExpired(true)
          .delay(0, TimeUnit.MILLISECONDS);
      return;
    }
    if (!reconnect || closing.get() || context.getSource() == MqttDisconnectSource.USER) {
      return;
    }
    Throwable cause = context.getCause();
    if (ErrorClassifier.isPermanent(cause)) {
      log.error(
          "MQTT client {}: the broker refused the connection for good: {}",
          settings.clientId(),
          cause.toString());
      fatalError.compareAndSet(null, cause);
      return;
    }
    // A connection that breaks right after CONNACK, again and again, is a broker misbehaving in a
    // repeatable way, not a network blip: the backoff grows with such connections too (the
    // client's own attempt count restarts at every successful CONNACK), and the connection gives
    // up after many of them instead of reconnecting forever.
    boolean wasConnected = connectedAtNanos != 0;
    boolean flapping = wasConnected && System.nanoTime() - connectedAtNanos < FLAPPING;
    connectedAtNanos = 0;
    if (wasConnected && !flapping) {
      shortConnectionsInARow.set(0);
    }
    int shortConnections =
        flapping ? shortConnectionsInARow.incrementAndGet() : shortConnectionsInARow.get();
    if (shortConnections >= MAX_SHORT_CONNECTIONS) {
      log.error(
          "MQTT client {}: {} connections in a row broke within {} s of connecting (last: {}); giving up",
          settings.clientId(),
          shortConnections,
          TimeUnit.NANOSECONDS.toSeconds(FLAPPING),
          ErrorClassifier.describe(cause));
      fatalError.compareAndSet(
          null,
          new MqttConnectionFlappingException(
              settings.clientId(),
              shortConnections,
              TimeUnit.NANOSECONDS.toSeconds(FLAPPING),
              cause));
      return;
    }
    int attempts = Math.max(context.getReconnector().getAttempts(), shortConnections);
    long delay =
        Math.min(
            settings.reconnectBackoffMaxMs(),
            settings.reconnectBackoffInitialMs() << Math.min(attempts, 20));
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    MqttServerUri next =
        settings
            .serverUris()
            .get(Math.floorMod(serverIndex.incrementAndGet(), settings.serverUris().size()));
    context.getReconnector().transportConfig(HiveMqTransport.of(settings, next));
    reconnects.incrementAndGet();
    if (receiveMaximumExceeded(cause)) {
      raiseReceiveMaximum(next);
    }
    protocol.prepareReconnect(context, receiveMaximum);
    // Two messages: a connection lost after its CONNACK resumes a session (and gets what was not
    // acknowledged again); an attempt that never connected does not.
    log.warn(
        wasConnected
            ? "MQTT client {} lost its connection ({}); reconnecting to {} in {} ms (attempt {})"
            : "MQTT client {} could not connect ({}); trying {} again in {} ms (attempt {})",
        settings.clientId(),
        ErrorClassifier.describe(cause),
        next,
        delay,
        attempts + 1);
    // Publishes in flight when a broker lost the session (restart without persistence) are sent
    // again, not failed.
    context
        .getReconnector()
        .reconnect(true)
        .republishIfSessionExpired(true)
        .delay(delay, TimeUnit.MILLISECONDS);
  }

  /**
   * The broker sent more unacknowledged QoS 1/2 messages than our Receive Maximum, and the HiveMQ
   * client closed the connection. mosquitto 2.0.11 (Debian 12, Ubuntu 22.04) does so whenever a
   * subscriber drains a backlog larger than the window, and on resumption it resends its whole
   * overgrown in-flight list, so reconnecting with the same window would loop forever
   * (docs/troubleshooting.md). Without the property (65,535) the broker falls back to its own
   * window, and the task's own bound on unacknowledged messages keeps the client far below 65,535.
   */
  private void raiseReceiveMaximum(MqttServerUri broker) {
    receiveMaximumViolations.incrementAndGet();
    if (receiveMaximum >= UNLIMITED_RECEIVE_MAXIMUM) {
      return;
    }
    log.warn(
        "MQTT client {}: the broker {} sent more unacknowledged messages than the Receive Maximum ({}) allows "
            + "(a known defect of mosquitto 2.0.11, fixed in 2.0.13); reconnecting without a Receive Maximum. Upgrade the "
            + "broker, or set mqtt.receive.maximum=65535 to skip this reconnect.",
        settings.clientId(),
        broker,
        receiveMaximum);
    receiveMaximum = UNLIMITED_RECEIVE_MAXIMUM;
  }

  @Override
  public long receiveMaximumViolations() {
    return receiveMaximumViolations.get();
  }

  /** Only MQTT 5 has the reason code; an MQTT 3.1.1 client never sees it. */
  static boolean receiveMaximumExceeded(Throwable cause) {
    return cause instanceof Mqtt5DisconnectException e
        && e.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED;
  }

  /**
   * Disconnects and connects again at once to the same server, resuming the session: the client
   * then sends every QoS 1/2 publish the broker has not acknowledged again, with its packet
   * identifier and DUP set (MQTT 3.1.1 and 5, 4.4), and republishes them should the broker have
   * lost the session. Counted in {@link #reconnects}. Nothing happens while not connected: the
   * reconnect under way resends them anyway.
   */
  @Override
  public void resendUnacknowledged() {
    if (closing.get() || !isConnected() || !resendRequested.compareAndSet(false, true)) {
      return;
    }
    log.info(
        "MQTT client {} reconnects to {} to send its unacknowledged publishes again",
        settings.clientId(),
        broker());
    reconnects.incrementAndGet();
    protocol.disconnect(false);
  }

  /** The server this connection is connected to, or connects to next. */
  @Override
  public String broker() {
    return currentServer().toString();
  }

  @Override
  public void close() {
    disconnect(false);
  }

  @Override
  public void closeEndingSession() {
    disconnect(true);
  }

  private void disconnect(boolean endSession) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    try {
      protocol.disconnect(endSession).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("MQTT client {} did not disconnect cleanly: {}", settings.clientId(), e.toString());
    } finally {
      thread.shutdown();
    }
  }
}
