package io.connectmqtt.common;

import com.hivemq.client.internal.mqtt.message.publish.MqttPublish;
import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.internal.mqtt.message.publish.mqtt3.Mqtt3PublishView;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3Unsubscribe;
import com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3UnsubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5SubscribeBuilder;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5UnsubscribeBuilder;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.connect.ErrorClassifier;
import io.connectmqtt.common.publish.PublishConnection;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
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
 * One MQTT connection (HiveMQ client, MQTT 5 or 3.1.1) with failover across the configured servers,
 * reconnect with exponential backoff and manual acknowledgement of incoming messages.
 *
 * <p>Incoming messages are taken by a global callback registered <em>before</em> connecting: a
 * broker holding a persistent session sends its queued messages right after CONNACK, before any
 * SUBSCRIBE of ours, and HiveMQ's client would acknowledge and drop messages no callback claims.
 */
public final class MqttSession implements AutoCloseable, PublishConnection {

  private static final Logger log = LoggerFactory.getLogger(MqttSession.class);

  private final MqttConnectionSettings settings;
  private final Mqtt5AsyncClient client5;
  private final Mqtt3AsyncClient client3;
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
  private volatile boolean sharedSubscriptionAvailable = true;
  private volatile int maximumPacketSize = 268_435_455;

  /**
   * The Receive Maximum of the next CONNECT; raised when the broker sends more than it allows (see
   * below).
   */
  private volatile int receiveMaximum;

  private final AtomicLong receiveMaximumViolations = new AtomicLong();

  /**
   * When the current connection was established, and how many in a row broke within {@link
   * #FLAPPING}.
   */
  private volatile long connectedAtNanos;

  private final AtomicInteger shortConnectionsInARow = new AtomicInteger();

  /**
   * A connection that breaks sooner than this after CONNACK counts as flapping: the backoff keeps
   * growing.
   */
  static final long FLAPPING = TimeUnit.SECONDS.toNanos(10);

  /** Flapping connections in a row after which the session gives up with a fatal error. */
  static final int MAX_SHORT_CONNECTIONS = 30;

  /**
   * MQTT 5's largest Receive Maximum; the HiveMQ client then leaves the property out of CONNECT.
   */
  public static final int UNLIMITED_RECEIVE_MAXIMUM = 65_535;

  /**
   * The largest Receive Maximum that is sent: the broker's own limit applies. Safe with an {@link
   * MqttIntake}, which stops reading long before the client would see this many unacknowledged
   * messages.
   */
  public static final int DEFAULT_RECEIVE_MAXIMUM = UNLIMITED_RECEIVE_MAXIMUM - 1;

  private MqttSession(MqttConnectionSettings settings, int receiveMaximum, boolean reconnect) {
    this.settings = settings;
    this.reconnect = reconnect;
    MqttServerUri first = settings.serverUris().get(0);
    var builder =
        MqttClient.builder()
            .identifier(settings.clientId())
            .transportConfig(transport(first))
            .addConnectedListener(this::connected)
            .addDisconnectedListener(this::disconnected);
    if (settings.mqtt5()) {
      var b5 = builder.useMqttVersion5();
      settings
          .username()
          .ifPresent(
              user ->
                  b5.simpleAuth()
                      .username(user)
                      .password(
                          settings
                              .password()
                              .map(p -> p.value().getBytes(StandardCharsets.UTF_8))
                              .orElse(new byte[0]))
                      .applySimpleAuth());
      if (settings.username().isEmpty() && settings.password().isPresent()) {
        b5.simpleAuth()
            .password(settings.password().get().value().getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth();
      }
      client5 = b5.buildAsync();
      client3 = null;
    } else {
      var b3 = builder.useMqttVersion3();
      settings
          .username()
          .ifPresent(
              user ->
                  b3.simpleAuth()
                      .username(user)
                      .password(
                          settings
                              .password()
                              .map(p -> p.value().getBytes(StandardCharsets.UTF_8))
                              .orElse(new byte[0]))
                      .applySimpleAuth());
      client3 = b3.buildAsync();
      client5 = null;
    }
    this.receiveMaximum = receiveMaximum;
  }

  private final boolean reconnect;

  /**
   * A session that is not yet connected and reconnects whenever it loses the broker; {@code
   * receiveMaximum} bounds the unacknowledged QoS 1/2 messages the broker may send at once (MQTT
   * 5). With {@code mqtt.version=auto} the broker is asked first which version it speaks ({@link
   * #negotiate}).
   */
  public static MqttSession create(MqttConnectionSettings settings, int receiveMaximum) {
    return new MqttSession(negotiate(settings), receiveMaximum, true);
  }

  /**
   * The settings with {@code mqtt.version=auto} resolved by asking the broker: MQTT 5 when it
   * answers an MQTT 5 CONNECT (a refusal in MQTT 5 proves that too), else MQTT 3.1.1 when it
   * answers that (RabbitMQ 3.x closes the connection, Aedes and Moquette 0.17 answer with an MQTT 3
   * CONNACK). A broker that cannot be reached now leaves MQTT 5; should it turn out to speak only
   * 3.1.1, the task fails with the remedy. The probes use a clean session under their own client
   * id, so the task's persistent session is not touched.
   */
  public static MqttConnectionSettings negotiate(MqttConnectionSettings settings) {
    if (settings.version() != MqttProtocolVersion.AUTO) {
      return settings;
    }
    MqttConnectionSettings probe =
        settings.withClientId(settings.clientId() + "-version-probe").withCleanStart(true, 0);
    Throwable mqtt5 = probeFailure(probe.withVersion(MqttProtocolVersion.MQTT_5));
    if (mqtt5 == null || answeredWithConnAck(mqtt5)) {
      log.info("MQTT client {}: the broker speaks MQTT 5", settings.clientId());
      return settings.withVersion(MqttProtocolVersion.MQTT_5);
    }
    if (!unreachable(mqtt5)) {
      Throwable mqtt3 = probeFailure(probe.withVersion(MqttProtocolVersion.MQTT_3_1_1));
      if (mqtt3 == null || answeredWithConnAck(mqtt3)) {
        log.info(
            "MQTT client {}: the broker does not speak MQTT 5 ({}); using MQTT 3.1.1, without MQTT 5 properties",
            settings.clientId(),
            mqtt5.getMessage());
        return settings.withVersion(MqttProtocolVersion.MQTT_3_1_1);
      }
    }
    log.warn(
        "MQTT client {}: could not ask the broker which MQTT version it speaks ({}); trying MQTT 5",
        settings.clientId(),
        mqtt5.getMessage());
    return settings.withVersion(MqttProtocolVersion.MQTT_5);
  }

  private static Throwable probeFailure(MqttConnectionSettings settings) {
    try (MqttSession probe = probe(settings)) {
      probe.connectOrThrow();
      return null;
    } catch (MqttConnectFailedException e) {
      return e.getCause() == null ? e : e.getCause();
    }
  }

  /**
   * The broker answered the CONNECT with a CONNACK of that version, other than "unsupported
   * protocol version".
   */
  private static boolean answeredWithConnAck(Throwable error) {
    if (error instanceof Mqtt5ConnAckException e) {
      return e.getMqttMessage().getReasonCode()
          != Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
    }
    if (error instanceof Mqtt3ConnAckException e) {
      return e.getMqttMessage().getReturnCode()
          != Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION;
    }
    return false;
  }

  /**
   * No MQTT conversation at all: nothing listens, the network or TLS failed, or nothing answered in
   * time.
   */
  private static boolean unreachable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof com.hivemq.client.mqtt.exceptions.ConnectionFailedException
          || t instanceof TimeoutException
          || t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }

  /** A session for one connection attempt that never reconnects: for validation probes. */
  public static MqttSession probe(MqttConnectionSettings settings) {
    return new MqttSession(settings, 10, false);
  }

  private MqttClientTransportConfig transport(MqttServerUri uri) {
    var transport =
        MqttClientTransportConfig.builder()
            .serverHost(uri.host())
            .serverPort(uri.port())
            .socketConnectTimeout(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
    return uri.tls() ? transport.sslConfig(sslConfig()).build() : transport.build();
  }

  private MqttClientSslConfig sslConfig() {
    MqttClientSslConfigBuilder ssl =
        MqttClientSslConfig.builder().protocols(settings.tls().protocols());
    var trustManagers = TlsMaterial.trustManagers(settings.tls());
    if (trustManagers.isPresent()) {
      ssl = ssl.trustManagerFactory(trustManagers.get());
    }
    var keyManagers = TlsMaterial.keyManagers(settings.tls());
    if (keyManagers.isPresent()) {
      ssl = ssl.keyManagerFactory(keyManagers.get());
    }
    if (!settings.tls().hostnameVerification()) {
      ssl = ssl.hostnameVerifier((host, session) -> true);
    }
    return ssl.build();
  }

  /**
   * Routes every incoming message to {@code handler}, on {@code executor}, with manual
   * acknowledgement. Call before {@link #connect}.
   */
  public void onMessage(Consumer<InboundMessage> handler, Executor executor) {
    if (client5 != null) {
      client5.publishes(
          MqttGlobalPublishFilter.ALL, p -> handler.accept(toInbound(p)), executor, true);
    } else {
      client3.publishes(
          MqttGlobalPublishFilter.ALL, p -> handler.accept(toInbound(p)), executor, true);
    }
  }

  /**
   * Runs {@code action} after every successful (re)connect, on the client's thread; it must not
   * block.
   */
  public void onConnected(Runnable action) {
    onConnected.set(action);
  }

  /**
   * Starts connecting; the future tells whether the broker had a session for this client. When the
   * first attempt fails the client keeps trying the next servers in the background with backoff
   * (unless this is a probe), and the {@link #onConnected} action runs once it gets through.
   */
  public CompletableFuture<Boolean> connect() {
    return connectOnce();
  }

  /**
   * Connects once, without reconnecting, and throws what the broker said; for validation probes.
   */
  public boolean connectOrThrow() throws MqttConnectFailedException {
    MqttServerUri uri =
        settings.serverUris().get(Math.floorMod(serverIndex.get(), settings.serverUris().size()));
    try {
      return connectOnce().get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MqttConnectFailedException("Interrupted while connecting to " + uri, e, false);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new MqttConnectFailedException(describe(uri, cause), cause, isPermanent(cause));
    }
  }

  private CompletableFuture<Boolean> connectOnce() {
    if (client5 != null) {
      return client5
          .connect(connect5())
          .thenApply(
              connAck -> {
                sharedSubscriptionAvailable =
                    connAck.getRestrictions().isSharedSubscriptionAvailable();
                maximumPacketSize = connAck.getRestrictions().getMaximumPacketSize();
                return connAck.isSessionPresent();
              });
    }
    return client3
        .connectWith()
        .cleanSession(settings.cleanStart())
        .keepAlive(settings.keepAliveSeconds())
        .send()
        .thenApply(connAck -> connAck.isSessionPresent());
  }

  /** The MQTT 5 CONNECT of this session, for the first connect and every reconnect. */
  private Mqtt5Connect connect5() {
    return Mqtt5Connect.builder()
        .cleanStart(settings.cleanStart())
        .sessionExpiryInterval(settings.cleanStart() ? 0 : settings.sessionExpirySeconds())
        .keepAlive(settings.keepAliveSeconds())
        .restrictions()
        .receiveMaximum(receiveMaximum)
        .maximumPacketSize(settings.maxPacketSize())
        .applyRestrictions()
        .build();
  }

  /**
   * What the broker's CONNACK said about shared subscriptions (MQTT 5 only; 3.1.1 brokers do not
   * say).
   */
  public boolean sharedSubscriptionAvailable() {
    return sharedSubscriptionAvailable;
  }

  /**
   * The largest packet the broker accepts, from its MQTT 5 CONNACK (MQTT 3.1.1: the protocol's 256
   * MB).
   */
  public int maximumPacketSize() {
    return maximumPacketSize;
  }

  /**
   * Publishes asynchronously. The future completes when the broker acknowledged the message (PUBACK
   * for QoS 1, PUBCOMP for QoS 2, sent for QoS 0), and fails with {@link
   * MqttPublishRefusedException} when the broker answered with an error reason code. While the
   * connection is down, the client queues the message and sends it after reconnecting.
   */
  public CompletableFuture<Void> publish(OutboundMessage message) {
    MqttQos qos = MqttQos.fromCode(message.qos());
    if (client5 != null) {
      var builder =
          com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish.builder()
              .topic(message.topic())
              .qos(qos)
              .retain(message.retain())
              .payload(message.payload());
      // The builder's methods return the builder to use next (Error Prone's CheckReturnValue), so
      // no ifPresent(…).
      if (message.contentType().isPresent()) {
        builder = builder.contentType(message.contentType().get());
      }
      if (message.responseTopic().isPresent()) {
        builder = builder.responseTopic(message.responseTopic().get());
      }
      if (message.correlationData().isPresent()) {
        builder = builder.correlationData(message.correlationData().get());
      }
      if (message.payloadUtf8().isPresent()) {
        builder =
            builder.payloadFormatIndicator(
                message.payloadUtf8().get()
                    ? Mqtt5PayloadFormatIndicator.UTF_8
                    : Mqtt5PayloadFormatIndicator.UNSPECIFIED);
      }
      if (message.messageExpirySeconds().isPresent()) {
        builder = builder.messageExpiryInterval(message.messageExpirySeconds().getAsLong());
      }
      if (!message.userProperties().isEmpty()) {
        var properties = com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties.builder();
        for (Map.Entry<String, String> property : message.userProperties()) {
          properties = properties.add(property.getKey(), property.getValue());
        }
        builder = builder.userProperties(properties.build());
      }
      return client5
          .publish(builder.build())
          .handle(
              (result, error) -> {
                if (error != null) {
                  Throwable cause =
                      error instanceof CompletionException && error.getCause() != null
                          ? error.getCause()
                          : error;
                  // A PUBACK/PUBREC with an error reason code fails the future: the broker
                  // answered, and said no.
                  if (cause instanceof Mqtt5PubAckException
                      || cause instanceof Mqtt5PubRecException) {
                    throw new MqttPublishRefusedException(message.topic(), cause);
                  }
                  throw error instanceof CompletionException completion
                      ? completion
                      : new CompletionException(error);
                }
                result
                    .getError()
                    .ifPresent(
                        refusal -> {
                          throw new MqttPublishRefusedException(message.topic(), refusal);
                        });
                return null;
              });
    }
    var publish =
        com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish.builder()
            .topic(message.topic())
            .qos(qos)
            .retain(message.retain())
            .payload(message.payload())
            .build();
    return client3.publish(publish).thenAccept(ignored -> {});
  }

  /** Subscribes to every filter at {@code qos}; fails when the broker refuses one of them. */
  public CompletableFuture<Void> subscribe(List<String> filters, int qos) {
    MqttQos mqttQos = MqttQos.fromCode(qos);
    if (client5 != null) {
      Mqtt5SubscribeBuilder.Start builder = Mqtt5Subscribe.builder();
      Mqtt5SubscribeBuilder.Complete complete = null;
      for (String filter : filters) {
        complete =
            (complete == null ? builder : complete)
                .addSubscription()
                .topicFilter(filter)
                .qos(mqttQos)
                .applySubscription();
      }
      return client5
          .subscribe(complete.build())
          .thenAccept(
              subAck -> {
                List<Mqtt5SubAckReasonCode> codes = subAck.getReasonCodes();
                for (int i = 0; i < codes.size(); i++) {
                  if (codes.get(i).isError()) {
                    throw new MqttSubscribeRefusedException(
                        filters.get(i), codes.get(i).toString());
                  }
                }
              });
    }
    Mqtt3SubscribeBuilder.Start builder = Mqtt3Subscribe.builder();
    Mqtt3SubscribeBuilder.Complete complete = null;
    for (String filter : filters) {
      complete =
          (complete == null ? builder : complete)
              .addSubscription()
              .topicFilter(filter)
              .qos(mqttQos)
              .applySubscription();
    }
    return client3
        .subscribe(complete.build())
        .thenAccept(
            subAck -> {
              List<Mqtt3SubAckReturnCode> codes = subAck.getReturnCodes();
              for (int i = 0; i < codes.size(); i++) {
                if (codes.get(i).isError()) {
                  throw new MqttSubscribeRefusedException(filters.get(i), codes.get(i).toString());
                }
              }
            });
  }

  /**
   * Removes subscriptions from the session; a filter the session did not have is no error (MQTT 5
   * answers "no subscription existed", MQTT 3.1.1 does not say).
   */
  public CompletableFuture<Void> unsubscribe(List<String> filters) {
    if (client5 != null) {
      Mqtt5UnsubscribeBuilder.Start start = Mqtt5Unsubscribe.builder();
      Mqtt5UnsubscribeBuilder.Complete complete = null;
      for (String filter : filters) {
        complete = (complete == null ? start : complete).addTopicFilter(filter);
      }
      return client5.unsubscribe(complete.build()).thenAccept(unsubAck -> {});
    }
    Mqtt3UnsubscribeBuilder.Start start = Mqtt3Unsubscribe.builder();
    Mqtt3UnsubscribeBuilder.Complete complete = null;
    for (String filter : filters) {
      complete = (complete == null ? start : complete).addTopicFilter(filter);
    }
    return client3.unsubscribe(complete.build());
  }

  public boolean isConnected() {
    MqttClientState state = client5 != null ? client5.getState() : client3.getState();
    return state == MqttClientState.CONNECTED;
  }

  public long reconnects() {
    return reconnects.get();
  }

  /** The Receive Maximum this session asks for now (it is raised after a broker exceeded it). */
  public int receiveMaximum() {
    return receiveMaximum;
  }

  /**
   * Connections this client closed because the broker sent more unacknowledged messages than it
   * allowed.
   */
  public long receiveMaximumViolations() {
    return receiveMaximumViolations.get();
  }

  /** The settings this session connects with (its MQTT version resolved). */
  public MqttConnectionSettings settings() {
    return settings;
  }

  public String clientId() {
    return settings.clientId();
  }

  /** The protocol version this session speaks (never {@link MqttProtocolVersion#AUTO}). */
  public MqttProtocolVersion version() {
    return client5 != null ? MqttProtocolVersion.MQTT_5 : MqttProtocolVersion.MQTT_3_1_1;
  }

  /**
   * A failure the client cannot recover from by reconnecting (e.g. refused credentials), or empty.
   */
  public Optional<Throwable> fatalError() {
    return Optional.ofNullable(fatalError.get());
  }

  /** Exposes the HiveMQ client for publishing (sink side). */
  public Mqtt5AsyncClient mqtt5() {
    return client5;
  }

  public Mqtt3AsyncClient mqtt3() {
    return client3;
  }

  private void connected(MqttClientConnectedContext context) {
    if (closing.get()) {
      // An attempt that was under way when close() ran (disconnect() cannot stop a CONNECT in
      // flight): leave at once,
      // or a stopped task's client comes online, subscribes and takes the session from the task
      // that replaced it.
      log.info("MQTT client {} connected after it was closed; disconnecting", settings.clientId());
      (client5 != null ? client5.disconnect() : client3.disconnect()).exceptionally(e -> null);
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

  private void disconnected(MqttClientDisconnectedContext context) {
    if (context.getSource() == MqttDisconnectSource.USER
        && resendRequested.getAndSet(false)
        && !closing.get()) {
      // Our own disconnect from resendUnacknowledged: back to the same server at once, resuming the
      // session.
      if (context instanceof Mqtt5ClientDisconnectedContext context5) {
        context5.getReconnector().connect(connect5());
      }
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
    if (isPermanent(cause)) {
      log.error(
          "MQTT client {}: the broker refused the connection for good: {}",
          settings.clientId(),
          cause.toString());
      fatalError.compareAndSet(null, cause);
      return;
    }
    // A connection that breaks right after CONNACK, again and again, is a broker misbehaving in a
    // repeatable way, not
    // a network blip: the backoff grows with such connections too (the client's own attempt count
    // restarts at every
    // successful CONNACK), and the session gives up after many of them instead of reconnecting
    // forever.
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
          describe(cause));
      fatalError.compareAndSet(
          null, new MqttConnectionFlappingException(settings.clientId(), shortConnections, cause));
      return;
    }
    int attempts = Math.max(context.getReconnector().getAttempts(), shortConnections);
    long delay =
        Math.min(
            settings.reconnectBackoffMaxMs(),
            settings.reconnectBackoffInitialMs() << Math.min(attempts, 20));
    delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    int servers = settings.serverUris().size();
    MqttServerUri next =
        settings.serverUris().get(Math.floorMod(serverIndex.incrementAndGet(), servers));
    context.getReconnector().transportConfig(transport(next));
    reconnects.incrementAndGet();
    if (context instanceof Mqtt5ClientDisconnectedContext context5) {
      if (receiveMaximumExceeded(cause)) {
        raiseReceiveMaximum(next);
      }
      // The reconnect sends the CONNECT it is given, so a raised Receive Maximum stays raised.
      context5.getReconnector().connect(connect5());
    }
    log.warn(
        "MQTT client {} lost its connection ({}); reconnecting to {} in {} ms (attempt {})",
        settings.clientId(),
        describe(cause),
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

  static boolean receiveMaximumExceeded(Throwable cause) {
    return cause instanceof Mqtt5DisconnectException e
        && e.getMqttMessage().getReasonCode() == Mqtt5DisconnectReasonCode.RECEIVE_MAXIMUM_EXCEEDED;
  }

  private static String describe(Throwable cause) {
    return cause == null ? "no cause" : cause.getMessage();
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
    if (client5 != null) {
      client5.disconnect();
    } else {
      client3.disconnect();
    }
  }

  /** The server this session is connected to, or connects to next. */
  @Override
  public String broker() {
    return settings
        .serverUris()
        .get(Math.floorMod(serverIndex.get(), settings.serverUris().size()))
        .toString();
  }

  /**
   * Whether reconnecting cannot help: refused credentials or client id, unsupported version, TLS
   * handshake.
   */
  public static boolean isPermanent(Throwable error) {
    return ErrorClassifier.isPermanent(error);
  }

  private static String describe(MqttServerUri uri, Throwable error) {
    String fix = ErrorClassifier.mqttFix(error);
    return "MQTT broker "
        + uri
        + (fix.isEmpty()
            ? " could not be reached (" + error.getMessage() + ")"
            : " refused the connection (" + error.getMessage() + "). " + fix);
  }

  @Override
  public void close() {
    disconnect(false);
  }

  /**
   * Closes the connection and ends its session on the broker (MQTT 5: DISCONNECT with a Session
   * Expiry Interval of 0); MQTT 3.1.1 cannot say so, and the session stays until the broker expires
   * it.
   */
  public void closeEndingSession() {
    disconnect(true);
  }

  private void disconnect(boolean endSession) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    try {
      CompletableFuture<Void> done =
          client5 == null
              ? client3.disconnect()
              : endSession && !settings.cleanStart()
                  ? client5.disconnectWith().sessionExpiryInterval(0).send()
                  : client5.disconnect();
      done.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("MQTT client {} did not disconnect cleanly: {}", settings.clientId(), e.toString());
    }
  }

  private InboundMessage toInbound(Mqtt5Publish publish) {
    List<Map.Entry<String, String>> userProperties = new ArrayList<>();
    publish
        .getUserProperties()
        .asList()
        .forEach(
            p -> userProperties.add(Map.entry(p.getName().toString(), p.getValue().toString())));
    StatefulInfo info = StatefulInfo.of(publish);
    return new InboundMessage(
        publish.getTopic().toString(),
        payload(publish),
        publish.getQos().getCode(),
        publish.isRetain(),
        info.dup,
        info.packetId,
        publish.getContentType().map(Object::toString),
        publish.getResponseTopic().map(Object::toString),
        publish.getCorrelationData().map(MqttSession::bytes),
        publish.getPayloadFormatIndicator().map(f -> f == Mqtt5PayloadFormatIndicator.UTF_8),
        publish.getMessageExpiryInterval(),
        userProperties,
        System.nanoTime(),
        publish.getQos() == MqttQos.AT_MOST_ONCE ? () -> {} : publish::acknowledge);
  }

  private InboundMessage toInbound(Mqtt3Publish publish) {
    MqttPublish delegate = publish instanceof Mqtt3PublishView view ? view.getDelegate() : null;
    StatefulInfo info = delegate == null ? StatefulInfo.UNKNOWN : StatefulInfo.of(delegate);
    return new InboundMessage(
        publish.getTopic().toString(),
        delegate == null ? publish.getPayloadAsBytes() : payload(delegate),
        publish.getQos().getCode(),
        publish.isRetain(),
        info.dup,
        info.packetId,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        List.of(),
        System.nanoTime(),
        publish.getQos() == MqttQos.AT_MOST_ONCE ? () -> {} : publish::acknowledge);
  }

  /**
   * The payload without a second copy: the client decodes each payload into a heap buffer of its
   * own, exactly sized, that nothing else writes to, so its array can be handed on as it is.
   * Anything else is copied.
   */
  static byte[] payload(Mqtt5Publish publish) {
    if (publish instanceof MqttPublish internal) {
      ByteBuffer raw = internal.getRawPayload();
      if (raw == null) {
        return new byte[0];
      }
      if (raw.hasArray()
          && !raw.isReadOnly()
          && raw.arrayOffset() == 0
          && raw.position() == 0
          && raw.remaining() == raw.array().length) {
        return raw.array();
      }
      return bytes(raw);
    }
    return publish.getPayloadAsBytes();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /**
   * The DUP flag and packet identifier of an incoming PUBLISH. HiveMQ's client keeps them out of
   * its public API, so they are read from its internals; if a client upgrade moves them, DUP reads
   * false and the id is absent.
   */
  private record StatefulInfo(boolean dup, OptionalInt packetId) {
    static final StatefulInfo UNKNOWN = new StatefulInfo(false, OptionalInt.empty());
    private static final Field CONFIRMABLE = field(MqttPublish.class, "confirmable");
    private static final Field PUBLISH_WITH_FLOWS =
        field(
            "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttIncomingPublishConfirmable",
            "publishWithFlows");
    private static final Field STATEFUL_PUBLISH =
        field(
            "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttStatefulPublishWithFlows",
            "publish");

    static StatefulInfo of(Object publish) {
      if (!(publish instanceof MqttPublish)
          || CONFIRMABLE == null
          || PUBLISH_WITH_FLOWS == null
          || STATEFUL_PUBLISH == null) {
        return UNKNOWN;
      }
      try {
        Object confirmable = CONFIRMABLE.get(publish);
        if (confirmable == null
            || !PUBLISH_WITH_FLOWS.getDeclaringClass().isInstance(confirmable)) {
          return UNKNOWN;
        }
        Object stateful = STATEFUL_PUBLISH.get(PUBLISH_WITH_FLOWS.get(confirmable));
        if (stateful instanceof MqttStatefulPublish s) {
          int id = s.getPacketIdentifier();
          return new StatefulInfo(s.isDup(), id > 0 ? OptionalInt.of(id) : OptionalInt.empty());
        }
      } catch (IllegalAccessException | RuntimeException e) {
        log.debug("Cannot read DUP/packet id from the HiveMQ client: {}", e.toString());
      }
      return UNKNOWN;
    }

    private static Field field(String className, String name) {
      try {
        return field(Class.forName(className, false, MqttPublish.class.getClassLoader()), name);
      } catch (ClassNotFoundException e) {
        return null;
      }
    }

    private static Field field(Class<?> type, String name) {
      try {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field;
      } catch (ReflectiveOperationException | RuntimeException e) {
        log.warn(
            "HiveMQ client internals changed ({}); mqtt.dup and mqtt.message.id headers will be absent",
            e.toString());
        return null;
      }
    }
  }

  /**
   * The broker answered a publish with an error reason code (e.g. not authorized, payload format
   * invalid).
   */
  public static final class MqttPublishRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MqttPublishRefusedException(String topic, Throwable reason) {
      super(
          "The MQTT broker refused the message for '" + topic + "': " + reasonText(reason), reason);
    }

    private static String reasonText(Throwable reason) {
      if (reason instanceof Mqtt5PubAckException puback) {
        return "PUBACK " + puback.getMqttMessage().getReasonCode();
      }
      if (reason instanceof Mqtt5PubRecException pubrec) {
        return "PUBREC " + pubrec.getMqttMessage().getReasonCode();
      }
      return reason.getMessage();
    }
  }

  /**
   * The broker refused a subscription (e.g. no permission, or shared subscriptions unsupported).
   */
  public static final class MqttSubscribeRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MqttSubscribeRefusedException(String filter, String reason) {
      super("The MQTT broker refused the subscription to '" + filter + "': " + reason);
    }
  }

  /**
   * The broker kept breaking the connection right after accepting it; see {@link
   * #MAX_SHORT_CONNECTIONS}.
   */
  public static final class MqttConnectionFlappingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MqttConnectionFlappingException(String clientId, int connections, Throwable lastCause) {
      super(
          "MQTT client "
              + clientId
              + ": "
              + connections
              + " connections in a row broke within "
              + TimeUnit.NANOSECONDS.toSeconds(FLAPPING)
              + " s of connecting; last cause: "
              + (lastCause == null ? "none given" : lastCause.getMessage())
              + ". Check the broker's log and "
              + "docs/troubleshooting.md",
          lastCause);
    }
  }

  /** No server accepted the connection; {@link #permanent()} when retrying cannot help. */
  public static final class MqttConnectFailedException extends Exception {
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
