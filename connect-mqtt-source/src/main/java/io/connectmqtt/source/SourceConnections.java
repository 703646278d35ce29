package io.connectmqtt.source;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.MqttProtocolVersion;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.TopicFilters;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 */
final class SourceConnections implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SourceConnections.class);

  /** A member that received nothing this long while another received something is woken. */
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final MqttConnectionFactory factory;
  private final MqttConnectionSettings settings;
  private final int receiveMaximum;
  private final MqttIntake intake;
  private final List<String> assignedFilters;
  private final String group;
  private final int qos;
  private final OptionalInt configured;

  /**
   * How long task start waits for a broker's retained {@code $SYS/broker/version} after subscribing
   * to it.
   */
  private static final Duration BROKER_VERSION_WAIT = Duration.ofMillis(500);

  private volatile Optional<BrokerVersion> brokerVersion = Optional.empty();
  private final List<MqttConnection> sessions = new CopyOnWriteArrayList<>();

  /**
   * Per connection (same index as sessions): when it last received a message, and when it was last
   * woken.
   */
  private final List<AtomicLong> lastMessageNanos = new CopyOnWriteArrayList<>();

  private final List<AtomicLong> lastWakeNanos = new CopyOnWriteArrayList<>();
  private final AtomicLong wakeUps = new AtomicLong();
  private volatile long nextIdleCheckNanos;

  /**
   * Connections of client ids this task no longer uses, kept until the task stops (see retire()).
   */
  private final List<MqttConnection> retiring = new CopyOnWriteArrayList<>();

  private final AtomicReference<Throwable> subscribeFailure = new AtomicReference<>();
  private volatile List<String> filters;
  private volatile int expected;
  private final AtomicInteger subscribed = new AtomicInteger();

  /**
   * Client ids no longer used whose leaving of the shared group has not ended yet (see retire()).
   */
  private final AtomicInteger retirementsUnderWay = new AtomicInteger();

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
      brokerVersion = BrokerVersion.probe(factory, negotiated, BROKER_VERSION_WAIT);
      if (sharedByTasks
          && brokerVersion.filter(BrokerVersion::dropsSharedSubscriptionsOnRestart).isPresent()) {
        log.warn(
            "MQTT source: the tasks share {} on {}, which drops shared subscriptions in a restart: the messages "
                + "published between its restart and the tasks' new subscriptions are discarded (docs/troubleshooting.md)."
                + " Use {}={}, one task, or mosquitto 2.1 or later.",
            assignedFilters,
            brokerVersion.get(),
            SubscriptionConfig.TASK_ASSIGNMENT_CONFIG,
            SubscriptionConfig.ASSIGNMENT_FILTERS);
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
    int count = configured.orElse(autoConnections(first, qos, brokerVersion));
    // Before any subscribe completes, so that the ready line waits for the retirements too.
    retirementsUnderWay.set(
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
                + autoReason(first, qos, brokerVersion),
        filters);
    // The other form of each filter may be left in connection 0's persistent session by a run with
    // another number of
    // connections (plain <-> $share): both would deliver each message to this task. Subscribe
    // first, then remove it,
    // so that no message published in between goes to neither subscription.
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
        retire(resolved.withClientId(settings.clientId() + "-c" + k));
      }
    }
  }

  /**
   * What {@code mqtt.connections=auto} opens on the broker {@code session} is connected to: several
   * members of one shared group where its MQTT 5 CONNACK offers shared subscriptions and the
   * subscription is not QoS 2 (HiveMQ CE delivered QoS 2 messages to a shared subscription at QoS 1
   * in MqttSourceRoundTripIT) and the broker keeps shared subscriptions across its restarts
   * (mosquitto before 2.1 does not: {@link BrokerVersion}), else one.
   */
  static int autoConnections(MqttConnection session, int qos, Optional<BrokerVersion> broker) {
    return session.version() == MqttProtocolVersion.MQTT_5
            && session.sharedSubscriptionAvailable()
            && qos < 2
            && !dropsSharedSubscriptions(broker)
        ? SubscriptionConfig.AUTO_SHARED_CONNECTIONS
        : 1;
  }

  private static boolean dropsSharedSubscriptions(Optional<BrokerVersion> broker) {
    return broker.filter(BrokerVersion::dropsSharedSubscriptionsOnRestart).isPresent();
  }

  /** Why {@link #autoConnections} chose what it did, for the task log and validation. */
  static String autoReason(MqttConnection session, int qos, Optional<BrokerVersion> broker) {
    if (session.version() != MqttProtocolVersion.MQTT_5) {
      return "the broker speaks MQTT 3.1.1, which does not say whether it has shared subscriptions: one connection";
    }
    if (!session.sharedSubscriptionAvailable()) {
      return "the broker's MQTT 5 CONNACK says it has no shared subscriptions: one connection";
    }
    if (qos >= 2) {
      return QosConfig.QOS_CONFIG
          + "=2, and a broker may deliver a shared subscription at QoS 1: one connection";
    }
    if (dropsSharedSubscriptions(broker)) {
      return "the broker is "
          + broker.get()
          + ", which does not keep shared subscriptions across its restarts (a "
          + "restart would discard messages until the members subscribe again): one connection";
    }
    return "the broker has shared subscriptions (MQTT 5 CONNACK), so "
        + SubscriptionConfig.AUTO_SHARED_CONNECTIONS
        + " members of one group share the stream, each with its own window of unacknowledged messages";
  }

  /**
   * A connection of this task, its messages into the intake, each noted for {@link
   * #wakeIdleMembers}.
   */
  private void add(MqttConnection session) {
    AtomicLong last = new AtomicLong(System.nanoTime());
    lastMessageNanos.add(last);
    lastWakeNanos.add(new AtomicLong(System.nanoTime()));
    sessions.add(session);
    intake.attach(session, () -> last.lazySet(System.nanoTime()));
  }

  /**
   * Wakes members of the shared group that the broker leaves idle while others are busy; call
   * regularly (from {@code poll()}). HiveMQ CE offers its shared queue to every member only when
   * the queue turns from empty to non-empty; after that it reads the queue for a member only when
   * that member's last batch is acknowledged. A member that found the queue empty at that moment
   * gets nothing for as long as the stream keeps the queue from emptying: measured with plain
   * clients, one of two or four members received all 20,000 messages (docs/brokers.md). A SUBSCRIBE
   * makes HiveMQ read the shared queue for that member, so an idle member subscribes again (the
   * same subscription; shared subscriptions get no retained messages). Brokers that hand out a
   * shared stream round robin (mosquitto) never leave a member idle while others are busy, so
   * nothing happens there.
   */
  void wakeIdleMembers() {
    List<String> subscribedFilters = filters;
    long now = System.nanoTime();
    if (sessions.size() < 2 || subscribedFilters == null || now < nextIdleCheckNanos) {
      return;
    }
    nextIdleCheckNanos = now + IDLE_NANOS / 2;
    long busiest = lastMessageNanos.stream().mapToLong(AtomicLong::get).max().orElse(0);
    if (now - busiest > IDLE_NANOS / 4) {
      return; // nothing is flowing: the broker's queue is empty, and it offers the next message to
      // every member
    }
    for (int i = 0; i < sessions.size(); i++) {
      MqttConnection session = sessions.get(i);
      if (now - lastMessageNanos.get(i).get() > IDLE_NANOS
          && now - lastWakeNanos.get(i).get() > IDLE_NANOS
          && session.isConnected()) {
        lastWakeNanos.get(i).set(now);
        wakeUps.incrementAndGet();
        log.debug(
            "MQTT client '{}' received nothing for {} ms while other members did: subscribing again",
            session.clientId(),
            IDLE_NANOS / 1_000_000);
        session
            .subscribe(subscribedFilters, qos)
            .exceptionally(
                error -> {
                  log.debug(
                      "MQTT client '{}' could not subscribe again: {}",
                      session.clientId(),
                      error.toString());
                  return null;
                });
      }
    }
  }

  /** Times an idle member was made to subscribe again (see {@link #wakeIdleMembers}). */
  long wakeUps() {
    return wakeUps.get();
  }

  /**
   * A client id of this task that a run with more connections used. Its persistent session is still
   * a member of the shared group and keeps the messages that were in flight to it when it went away
   * (unacknowledged at a stop or a crash; HiveMQ CE hands those to the other members, other brokers
   * keep them in the session), and a broker may queue more for an offline member: those would wait
   * until the session expires. So the id is connected once: without a session on the broker, it
   * disconnects ending the session it just created; with one, it leaves the group and stays
   * connected, so that what was queued for it flows through the intake and is acknowledged after
   * Kafka has it, until the task stops (the session then holds no subscription, and nothing new).
   * The broker's log shows these short connections at every start.
   */
  private void retire(MqttConnectionSettings retired) {
    MqttConnection session = factory.create(retired, receiveMaximum);
    retiring.add(session);
    if (closed) {
      CompletableFuture.runAsync(session::close);
      return;
    }
    intake.attach(session);
    List<String> memberships =
        assignedFilters.stream()
            .map(f -> TopicFilters.isShared(f) ? f : TopicFilters.shared(group, f))
            .toList();
    session
        .connect()
        .whenComplete(
            (sessionPresent, error) -> {
              if (error != null) {
                log.info(
                    "MQTT client id '{}' (no longer used) could not be checked for a leftover session ({}); the next "
                        + "start tries again",
                    retired.clientId(),
                    error.toString());
                // Not on the client's thread: closing waits for the DISCONNECT, which that thread
                // sends.
                CompletableFuture.runAsync(session::close);
                retired();
              } else if (!sessionPresent) {
                CompletableFuture.runAsync(session::closeEndingSession);
                retired();
              } else {
                log.warn(
                    "MQTT client id '{}' is no longer used ({}={}), but the broker still had its session: leaving the "
                        + "shared group {} and handing what was queued for it to Kafka",
                    retired.clientId(),
                    SubscriptionConfig.CONNECTIONS_CONFIG,
                    expected,
                    memberships);
                session
                    .unsubscribe(memberships)
                    .whenComplete(
                        (ok, failure) -> {
                          if (failure != null) {
                            log.warn(
                                "MQTT client id '{}' could not leave the shared group: {}",
                                retired.clientId(),
                                failure.toString());
                          }
                          retired();
                        });
              }
            });
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

  private void retired() {
    retirementsUnderWay.decrementAndGet();
    logIfReady();
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
        && retirementsUnderWay.get() <= 0
        && ready.compareAndSet(false, true)) {
      log.info("All {} connection(s) subscribed to {}", expected, filters);
    }
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
    retiring.forEach(MqttConnection::close);
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
