package io.connectmqtt.common;

import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * An {@link MqttConnection} without a broker, for unit tests of tasks: it records what the task
 * publishes, subscribes and unsubscribes; the test delivers inbound messages, completes or fails
 * the acknowledgements of publishes, refuses subscriptions or the connection, and simulates lost
 * connections and fatal errors. Hand a task a {@link Factory} instead of {@link
 * MqttConnectionFactory#HIVEMQ}.
 */
public final class FakeMqttConnection implements MqttConnection {

  /** A publish of the task and the future the task waits on (the broker's acknowledgement). */
  public record Published(OutboundMessage message, CompletableFuture<Void> acknowledgement) {}

  /** One SUBSCRIBE of the task. */
  public record Subscription(List<String> filters, int qos) {}

  /** An inbound message the test delivered, and how often the task acknowledged it. */
  public record Delivery(InboundMessage message, AtomicInteger acknowledgements) {
    public int acknowledged() {
      return acknowledgements.get();
    }
  }

  private final MqttConnectionSettings settings;
  private final int receiveMaximum;
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final List<List<String>> unsubscriptions = new CopyOnWriteArrayList<>();
  private final Map<String, String> refusedFilters = new ConcurrentHashMap<>();
  private final AtomicReference<Throwable> fatalError = new AtomicReference<>();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicInteger resends = new AtomicInteger();
  private final AtomicInteger packetIds = new AtomicInteger();
  private volatile Consumer<InboundMessage> handler = message -> {};
  private volatile Executor executor = Runnable::run;
  private volatile Runnable onConnected = () -> {};
  private volatile Throwable connectFailure;
  private volatile boolean sessionPresent;
  private volatile boolean acknowledgeAtOnce;
  private volatile int maximumPacketSize = 268_435_455;
  private volatile boolean connected;
  private volatile boolean closed;
  private volatile boolean sessionEnded;

  public FakeMqttConnection(MqttConnectionSettings settings, int receiveMaximum) {
    this.settings = settings;
    this.receiveMaximum = receiveMaximum;
  }

  // What the test arranges before the task connects.

  /** Every connect fails with {@code cause} (e.g. a CONNACK exception, or a timeout). */
  public FakeMqttConnection failConnect(Throwable cause) {
    this.connectFailure = cause;
    return this;
  }

  /** What the CONNACK says about a stored session. */
  public FakeMqttConnection sessionPresent(boolean present) {
    this.sessionPresent = present;
    return this;
  }

  /** The broker refuses a subscription to {@code filter} with {@code reasonCode}. */
  public FakeMqttConnection refuseSubscription(String filter, String reasonCode) {
    refusedFilters.put(filter, reasonCode);
    return this;
  }

  /** Publishes are acknowledged as soon as they are made, instead of by {@link #acknowledge}. */
  public FakeMqttConnection acknowledgePublishesAtOnce() {
    this.acknowledgeAtOnce = true;
    return this;
  }

  // What the test does while the task runs.

  /** Delivers a QoS {@code qos} message to the task, as the broker would, on this thread. */
  public Delivery deliver(String topic, byte[] payload, int qos) {
    AtomicInteger acknowledgements = new AtomicInteger();
    InboundMessage message =
        message(
            topic,
            payload,
            qos,
            qos == 0 ? OptionalInt.empty() : OptionalInt.of(packetIds.incrementAndGet()),
            acknowledgements::incrementAndGet);
    deliver(message);
    return new Delivery(message, acknowledgements);
  }

  /** A message as a broker delivers it without MQTT 5 properties, received now. */
  public static InboundMessage message(
      String topic, byte[] payload, int qos, OptionalInt packetId, Runnable acknowledgement) {
    return InboundMessage.withoutProperties(
        topic, payload, qos, packetId, System.nanoTime(), acknowledgement);
  }

  /** Delivers {@code message} as it is (its acknowledgement is the test's own). */
  public void deliver(InboundMessage message) {
    executor.execute(() -> handler.accept(message));
  }

  /** The broker acknowledges the {@code index}th publish. */
  public void acknowledge(int index) {
    published.get(index).acknowledgement().complete(null);
  }

  /** The broker refuses the {@code index}th publish (an error reason code in its PUBACK). */
  public void refuse(int index, String reason) {
    Published publish = published.get(index);
    publish
        .acknowledgement()
        .completeExceptionally(
            new MqttPublishRefusedException(
                publish.message().topic(), reason, new IllegalStateException(reason)));
  }

  /** The connection is lost; it stays down until {@link #reconnect}. */
  public void disconnect() {
    connected = false;
  }

  /** The connection is back (counted in {@link #reconnects}); the connected action runs again. */
  public void reconnect() {
    reconnects.incrementAndGet();
    connected = true;
    onConnected.run();
  }

  /** Reconnecting cannot help any more (refused credentials, a flapping broker). */
  public void failFatally(Throwable cause) {
    connected = false;
    fatalError.compareAndSet(null, cause);
  }

  // What the test reads.

  public List<Published> published() {
    return published;
  }

  public List<Subscription> subscriptions() {
    return subscriptions;
  }

  public List<List<String>> unsubscriptions() {
    return unsubscriptions;
  }

  /** Times the task asked for its unacknowledged publishes to be sent again. */
  public int resends() {
    return resends.get();
  }

  public boolean closed() {
    return closed;
  }

  /** Closed with {@link #closeEndingSession}. */
  public boolean sessionEnded() {
    return sessionEnded;
  }

  // MqttConnection

  @Override
  public void onMessage(Consumer<InboundMessage> handler, Executor executor) {
    this.handler = handler;
    this.executor = executor;
  }

  @Override
  public void onConnected(Runnable action) {
    this.onConnected = action;
  }

  @Override
  public CompletableFuture<Boolean> connect() {
    Throwable failure = connectFailure;
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    connected = true;
    onConnected.run();
    return CompletableFuture.completedFuture(sessionPresent);
  }

  @Override
  public boolean connectOrThrow() throws MqttConnectFailedException {
    try {
      return connect().join();
    } catch (RuntimeException e) {
      Throwable cause = connectFailure;
      throw new MqttConnectFailedException(
          "fake broker refused the connection: " + cause,
          cause,
          ErrorClassifier.isPermanent(cause));
    }
  }

  @Override
  public int receiveMaximum() {
    return receiveMaximum;
  }

  @Override
  public boolean sharedSubscriptionAvailable() {
    return true;
  }

  @Override
  public int maximumPacketSize() {
    return maximumPacketSize;
  }

  /** The Maximum Packet Size the broker's CONNACK says (MQTT's largest unless set). */
  public FakeMqttConnection maximumPacketSize(int bytes) {
    maximumPacketSize = bytes;
    return this;
  }

  @Override
  public CompletableFuture<Void> publish(OutboundMessage message) {
    CompletableFuture<Void> acknowledgement = new CompletableFuture<>();
    published.add(new Published(message, acknowledgement));
    if (acknowledgeAtOnce) {
      acknowledgement.complete(null);
    }
    return acknowledgement;
  }

  @Override
  public CompletableFuture<Void> subscribe(List<String> filters, int qos) {
    subscriptions.add(new Subscription(List.copyOf(filters), qos));
    for (String filter : filters) {
      String refusal = refusedFilters.get(filter);
      if (refusal != null) {
        return CompletableFuture.failedFuture(new MqttSubscribeRefusedException(filter, refusal));
      }
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Void> unsubscribe(List<String> filters) {
    unsubscriptions.add(List.copyOf(filters));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public boolean isConnected() {
    return connected;
  }

  @Override
  public Optional<Throwable> fatalError() {
    return Optional.ofNullable(fatalError.get());
  }

  @Override
  public void resendUnacknowledged() {
    resends.incrementAndGet();
  }

  @Override
  public MqttProtocolVersion version() {
    return settings.version();
  }

  @Override
  public String broker() {
    return "fake://" + settings.clientId();
  }

  @Override
  public long reconnects() {
    return reconnects.get();
  }

  @Override
  public long receiveMaximumViolations() {
    return 0;
  }

  @Override
  public MqttConnectionSettings settings() {
    return settings;
  }

  @Override
  public void close() {
    connected = false;
    closed = true;
  }

  @Override
  public void closeEndingSession() {
    close();
    sessionEnded = true;
  }

  /**
   * Makes {@link FakeMqttConnection}s, MQTT 5 where the settings say {@code auto}, each arranged by
   * {@code setup} before the task sees it; keeps them in order for the test.
   */
  public static final class Factory implements MqttConnectionFactory {
    private final Consumer<FakeMqttConnection> setup;
    private final List<FakeMqttConnection> created = new CopyOnWriteArrayList<>();
    private final List<FakeMqttConnection> probes = new CopyOnWriteArrayList<>();

    public Factory() {
      this(connection -> {});
    }

    public Factory(Consumer<FakeMqttConnection> setup) {
      this.setup = setup;
    }

    @Override
    public MqttConnection create(MqttConnectionSettings settings, int receiveMaximum) {
      FakeMqttConnection connection = new FakeMqttConnection(negotiate(settings), receiveMaximum);
      setup.accept(connection);
      created.add(connection);
      return connection;
    }

    @Override
    public MqttConnection probe(MqttConnectionSettings settings) {
      FakeMqttConnection probe = new FakeMqttConnection(settings, 10);
      setup.accept(probe);
      probes.add(probe);
      return probe;
    }

    @Override
    public MqttConnectionSettings negotiate(MqttConnectionSettings settings) {
      return settings.version() == MqttProtocolVersion.AUTO
          ? settings.withVersion(MqttProtocolVersion.MQTT_5)
          : settings;
    }

    /** The connections tasks created (not the probes), in order. */
    public List<FakeMqttConnection> connections() {
      return created;
    }

    public FakeMqttConnection first() {
      return created.get(0);
    }

    public List<FakeMqttConnection> probes() {
      return probes;
    }
  }
}
