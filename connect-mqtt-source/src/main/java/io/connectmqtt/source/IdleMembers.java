package io.connectmqtt.source;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes members of a task's shared group that the broker leaves idle. HiveMQ CE offers its shared
 * queue to every member only when the queue turns from empty to non-empty; after that it reads the
 * queue for a member only when that member's last batch is acknowledged. A member that found the
 * queue empty at that moment gets nothing for as long as the stream keeps the queue from emptying:
 * measured with plain clients, one of two or four members received all 20,000 messages
 * (docs/brokers.md). A SUBSCRIBE makes HiveMQ read the shared queue for that member, so an idle
 * member subscribes again (the same subscription; shared subscriptions get no retained messages).
 * HiveMQ CE can also leave every member idle with messages queued: its queue's size counts the
 * messages in flight, so while any member of the group (another consumer sharing it, hung) holds
 * one, the queue never turns non-empty again (SharedGroupStuckMemberIT). A group from which nothing
 * arrived for {@link #SILENT_GROUP_NANOS} subscribes again, less often the longer it stays silent;
 * a message restarts the count. Brokers that hand out a shared stream round robin (mosquitto) never
 * leave a member idle while others are busy, and a SUBSCRIBE to a silent group costs them one round
 * trip.
 */
final class IdleMembers {

  private static final Logger log = LoggerFactory.getLogger(SourceConnections.class);

  /** A member that received nothing this long while another received something is woken. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * A group from which nothing arrived this long subscribes again; the gap to the next time doubles
   * up to {@link #SILENT_GROUP_MAX_GAP_NANOS}. Short, as HiveMQ CE's queue holds 1,000 messages by
   * default and drops what comes after: a stall of a second overflows it only above 1,000 msg/s.
   */
  static final long SILENT_GROUP_NANOS = TimeUnit.SECONDS.toNanos(1);

  static final long SILENT_GROUP_MAX_GAP_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** A connection, when it last received a message, and when it was last woken. */
  private record Member(
      MqttConnection connection, AtomicLong lastMessageNanos, AtomicLong lastWakeNanos) {}

  private final int qos;
  private final List<Member> members = new CopyOnWriteArrayList<>();
  private final AtomicLong wakeUps = new AtomicLong();

  // Guarded by wake()'s lock: when it checks next, when the group's silence began and after how
  // much of it the group subscribes again next.
  private long nextCheckNanos;
  private long silenceStartNanos;
  private long nextGroupWakeAfterNanos = SILENT_GROUP_NANOS;

  private final LongSupplier nanoTime;

  IdleMembers(int qos) {
    this(qos, System::nanoTime);
  }

  IdleMembers(int qos, LongSupplier nanoTime) {
    this.qos = qos;
    this.nanoTime = nanoTime;
  }

  /** Watches {@code connection}; the intake runs what this returns on each of its messages. */
  Runnable watch(MqttConnection connection) {
    AtomicLong last = new AtomicLong(nanoTime.getAsLong());
    members.add(new Member(connection, last, new AtomicLong(nanoTime.getAsLong())));
    return () -> last.lazySet(nanoTime.getAsLong());
  }

  /**
   * Makes each connected member that received nothing for {@link #IDLE_NANOS}, while another did,
   * subscribe to {@code filters} again, and every member when none received anything for {@link
   * #SILENT_GROUP_NANOS} (null or a plain subscription: nothing to do); call regularly (from {@code
   * poll()}), it checks at most twice per {@link #IDLE_NANOS}.
   */
  synchronized void wake(List<String> filters) {
    long now = nanoTime.getAsLong();
    if (members.isEmpty()
        || filters == null
        || now < nextCheckNanos
        || !filters.stream().allMatch(TopicFilters::isShared)) {
      return;
    }
    nextCheckNanos = now + IDLE_NANOS / 2;
    long latest = members.stream().mapToLong(m -> m.lastMessageNanos().get()).max().orElse(0);
    if (now - latest <= IDLE_NANOS / 4) {
      nextGroupWakeAfterNanos = SILENT_GROUP_NANOS;
      members.stream()
          .filter(m -> now - m.lastMessageNanos().get() > IDLE_NANOS)
          .filter(m -> now - m.lastWakeNanos().get() > IDLE_NANOS)
          .forEach(m -> subscribeAgain(m, filters, now, "while other members did"));
      return;
    }
    if (silenceStartNanos != latest) {
      silenceStartNanos = latest;
      nextGroupWakeAfterNanos = SILENT_GROUP_NANOS;
    }
    if (now - latest >= nextGroupWakeAfterNanos) {
      nextGroupWakeAfterNanos += Math.min(nextGroupWakeAfterNanos, SILENT_GROUP_MAX_GAP_NANOS);
      members.forEach(m -> subscribeAgain(m, filters, now, "and neither did the other members"));
    }
  }

  private void subscribeAgain(Member member, List<String> filters, long now, String others) {
    MqttConnection session = member.connection();
    if (!session.isConnected()) {
      return;
    }
    member.lastWakeNanos().set(now);
    wakeUps.incrementAndGet();
    log.debug(
        "MQTT client '{}' received nothing for {} ms {}: subscribing again",
        session.clientId(),
        TimeUnit.NANOSECONDS.toMillis(now - member.lastMessageNanos().get()),
        others);
    session
        .subscribe(filters, qos)
        .exceptionally(
            error -> {
              log.debug(
                  "MQTT client '{}' could not subscribe again: {}",
                  session.clientId(),
                  error.toString());
              return null;
            });
  }

  /** Times an idle member was made to subscribe again. */
  long wakeUps() {
    return wakeUps.get();
  }
}
