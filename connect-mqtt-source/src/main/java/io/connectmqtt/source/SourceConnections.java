package io.connectmqtt.source;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.MqttProtocolVersion;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's MQTT connections, all feeding one {@link MqttIntake}: one connection, or several members
 * of one shared subscription group where one connection's window is the limit.
 *
 * <p>Why several: a broker keeps a small window of unacknowledged messages per connection, and the
 * task acknowledges a message only after Kafka has its record, so one connection carries at most
 * that window per Kafka round trip. HiveMQ CE is the extreme: 50 at most, and it reads the next
 * batch for a subscriber only once every message in flight to it is acknowledged (docs/brokers.md).
 * Each member of a shared group has a window of its own.
 *
 * <p>The first connection decides: with {@code mqtt.connections=auto} the task opens {@link
 * MqttSourceConfig#AUTO_SHARED_CONNECTIONS} where that connection's MQTT 5 CONNACK says the broker
 * has shared subscriptions, and stays at one elsewhere. Client ids are stable: connection 0 keeps
 * {@code <prefix>-<task>} (so the session of a connector that ran with one connection is resumed),
 * connection k is {@code <prefix>-<task>-ck}. Each connection keeps everything {@link
 * MqttConnection} does on its own: reconnect with backoff, failover, the Receive Maximum fallback;
 * the intake bounds what all of them hold unacknowledged together.
 *
 * <p>What {@code auto} opens is {@link SharedSubscriptionSupport#autoConnections}; members the
 * broker leaves idle are woken by {@link IdleMembers}; the client ids a run with more connections
 * used are ended by {@link RetiredClientIds}. This class keeps the connections' shared state: which
 * filters, how many connections, when all of them are subscribed, and the first failure.
 */
final class SourceConnections implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SourceConnections.class);

  private final MqttConnectionFactory factory;
  private final MqttConnectionSettings settings;
  private final int receiveMaximum;
  private final MqttIntake intake;
  private final List<String> assignedFilters;
  private final String group;
  private final int qos;
  private final OptionalInt configured;

  private volatile Optional<BrokerVersion> brokerVersion = Optional.empty();
  private final List<MqttConnection> sessions = new CopyOnWriteArrayList<>();

  private final IdleMembers idleMembers;

  /** Client ids a run with more connections used, leaving the shared group. */
  private final RetiredClientIds retired;

  private final AtomicReference<Throwable> subscribeFailure = new AtomicReference<>();
  private volatile List<String> filters;
  private volatile int expected;
  private final AtomicInteger subscribed = new AtomicInteger();

  private final AtomicBoolean ready = new AtomicBoolean();
  private volatile boolean closed;

  SourceConnections(
      MqttConnectionFactory factory,
      MqttConnectionSettings settings,
      int receiveMaximum,
      MqttIntake intake,
      List<String> assignedFilters,
      String group,
      int qos,
      OptionalInt configured) {
    this.factory = factory;
    this.settings = settings;
    this.receiveMaximum = receiveMaximum;
    this.intake = intake;
    this.assignedFilters = assignedFilters;
    this.group = group;
    this.qos = qos;
    this.configured = configured;
    this.idleMembers = new IdleMembers(qos);
    this.retired =
        new RetiredClientIds(
            factory, receiveMaximum, intake, assignedFilters, group, this::logIfReady);
  }

  /**
   * Creates the first connection (asking the broker for its MQTT version where {@code
   * mqtt.version=auto}) and starts connecting; the future tells whether the broker had a session
   * for it. The other connections follow once the first one is connected, since its CONNACK decides
   * how many there are.
   */
  CompletableFuture<Boolean> connect() {
    boolean sharedByTasks = assignedFilters.stream().allMatch(TopicFilters::isShared);
    // Ask the broker for its MQTT version once, for the version probe and the first connection
    // alike.
    MqttConnectionSettings negotiated = factory.negotiate(settings);
    if (configured.isEmpty() || sharedByTasks) {
      brokerVersion = BrokerVersion.probe(factory, negotiated);
      if (sharedByTasks) {
        SharedSubscriptionSupport.warnIfDropped(
            brokerVersion, "MQTT source: the tasks share " + assignedFilters);
      }
    }
    MqttConnection first = factory.create(negotiated, receiveMaximum);
    add(first);
    first.onConnected(new Once(() -> firstConnected(first)));
    return first.connect();
  }

  /**
   * On the first connection's client thread, once: how many connections, which filters, then the
   * others.
   */
  private void firstConnected(MqttConnection first) {
    boolean sharedWorks =
        first.version() == MqttProtocolVersion.MQTT_5 && first.sharedSubscriptionAvailable();
    int count =
        configured.orElse(SharedSubscriptionSupport.autoConnections(first, qos, brokerVersion));
    // Before any subscribe completes, so that the ready line waits for the retirements too.
    retired.expect(
        sharedWorks && !settings.cleanStart()
            ? Math.max(0, SubscriptionConfig.MAX_CONNECTIONS - Math.max(count, 1))
            : 0);
    expected = count;
    boolean alreadyShared = assignedFilters.stream().allMatch(TopicFilters::isShared);
    filters =
        count > 1 && !alreadyShared
            ? assignedFilters.stream().map(f -> TopicFilters.shared(group, f)).toList()
            : assignedFilters;
    log.info(
        "MQTT source: {} connection(s) per task ({}), subscribing to {}",
        count,
        configured.isPresent()
            ? SubscriptionConfig.CONNECTIONS_CONFIG + "=" + count
            : SubscriptionConfig.CONNECTIONS_CONFIG
                + "=auto: "
                + SharedSubscriptionSupport.autoReason(first, qos, brokerVersion),
        filters);
    // The other form of each filter may be left in connection 0's persistent session by a run with
    // another number of connections (plain <-> $share): both would deliver each message to this
    // task. Subscribe first, then remove it, so that no message published in between goes to
    // neither subscription.
    List<String> stale =
        sharedWorks
            ? filters.stream()
                .map(
                    f ->
                        TopicFilters.isShared(f)
                            ? TopicFilters.unshared(f)
                            : TopicFilters.shared(group, f))
                .toList()
            : List.of();
    subscribe(first, stale);
    MqttConnectionSettings resolved = settings.withVersion(first.version());
    for (int k = 1; k < count && !closed; k++) {
      MqttConnection member =
          factory.create(resolved.withClientId(settings.clientId() + "-c" + k), receiveMaximum);
      add(member);
      if (closed) {
        CompletableFuture.runAsync(member::close);
        return;
      }
      member.onConnected(new Once(() -> subscribe(member, List.of())));
      member
          .connect()
          .whenComplete(
              (sessionPresent, error) -> {
                if (error != null) {
                  log.warn(
                      "MQTT client '{}' not connected yet ({}); it keeps reconnecting in the background",
                      member.clientId(),
                      error.toString());
                } else {
                  log.info(
                      "MQTT client '{}' connected; {}",
                      member.clientId(),
                      sessionPresent
                          ? "the broker resumed its session (unacknowledged messages are redelivered)"
                          : "new session");
                }
              });
    }
    if (sharedWorks && !settings.cleanStart()) {
      for (int k = Math.max(count, 1); k < SubscriptionConfig.MAX_CONNECTIONS && !closed; k++) {
        retired.retire(resolved.withClientId(settings.clientId() + "-c" + k), count);
      }
    }
  }

  /**
   * A connection of this task, its messages into the intake, each noted for {@link
   * #wakeIdleMembers}.
   */
  private void add(MqttConnection session) {
    Runnable onEach = idleMembers.watch(session);
    sessions.add(session);
    intake.attach(session, onEach);
  }

  /**
   * Wakes members of the shared group that the broker leaves idle while others are busy ({@link
   * IdleMembers}); call regularly (from {@code poll()}).
   */
  void wakeIdleMembers() {
    idleMembers.wake(filters);
  }

  /** Times an idle member was made to subscribe again (see {@link #wakeIdleMembers}). */
  long wakeUps() {
    return idleMembers.wakeUps();
  }

  /**
   * Subscribes on a connection's first successful connect; later reconnects restore subscriptions
   * with the session.
   */
  private void subscribe(MqttConnection session, List<String> stale) {
    session
        .subscribe(filters, qos)
        .thenCompose(
            ok -> {
              log.info(
                  "MQTT client '{}' subscribed to {} at QoS {}", session.clientId(), filters, qos);
              return stale.isEmpty()
                  ? CompletableFuture.completedFuture(null)
                  : session.unsubscribe(stale);
            })
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                if (!closed) {
                  subscribeFailure.compareAndSet(null, error);
                }
              } else {
                subscribed.incrementAndGet();
                logIfReady();
              }
            });
  }

  /**
   * Once every connection subscribed and every client id no longer used left the shared group: from
   * then on each message reaches one subscription of this task. Before, a message may match both
   * forms of a filter (the stale one is removed only after the new one is in place, so that none
   * matches neither) and be written twice. Tests and benchmarks wait for this line before they
   * publish.
   */
  private void logIfReady() {
    if (subscribed.get() >= expected
        && expected > 0
        && retired.ended()
        && ready.compareAndSet(false, true)) {
      log.info("All {} connection(s) subscribed to {}", expected, filters);
    }
  }

  /** Whether every connection subscribed (the moment {@link #logIfReady} logs it). */
  boolean ready() {
    return ready.get();
  }

  /** The first subscription failure of any connection, or null. */
  Throwable subscribeFailure() {
    return subscribeFailure.get();
  }

  /** A failure a connection cannot recover from by reconnecting, or empty. */
  Optional<Throwable> fatalError() {
    for (MqttConnection session : sessions) {
      Optional<Throwable> error = session.fatalError();
      if (error.isPresent()) {
        return error;
      }
    }
    return Optional.empty();
  }

  /** The filters the connections subscribe to, once the first connection decided (null before). */
  List<String> filters() {
    return filters;
  }

  int count() {
    return sessions.size();
  }

  List<String> clientIds() {
    return sessions.stream().map(MqttConnection::clientId).toList();
  }

  MqttConnection first() {
    return sessions.get(0);
  }

  long sum(ToLongFunction<MqttConnection> value) {
    return sessions.stream().mapToLong(value).sum();
  }

  /** Closes every connection; unacknowledged messages stay with the broker for the next session. */
  @Override
  public void close() {
    closed = true;
    sessions.forEach(MqttConnection::close);
    retired.close();
  }

  /** Runs its action on the first call only (connected listeners run on every reconnect). */
  private static final class Once implements Runnable {
    private final Runnable action;
    private final AtomicBoolean done = new AtomicBoolean();

    Once(Runnable action) {
      this.action = action;
    }

    @Override
    public void run() {
      if (done.compareAndSet(false, true)) {
        action.run();
      }
    }
  }
}
