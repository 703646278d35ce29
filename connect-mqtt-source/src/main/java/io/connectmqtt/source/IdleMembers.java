package io.connectmqtt.source;

import io.connectmqtt.common.MqttConnection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes members of a task's shared group that the broker leaves idle while others are busy. HiveMQ
 * CE offers its shared queue to every member only when the queue turns from empty to non-empty;
 * after that it reads the queue for a member only when that member's last batch is acknowledged. A
 * member that found the queue empty at that moment gets nothing for as long as the stream keeps the
 * queue from emptying: measured with plain clients, one of two or four members received all 20,000
 * messages (docs/brokers.md). A SUBSCRIBE makes HiveMQ read the shared queue for that member, so an
 * idle member subscribes again (the same subscription; shared subscriptions get no retained
 * messages). Brokers that hand out a shared stream round robin (mosquitto) never leave a member
 * idle while others are busy, so nothing happens there.
 */
final class IdleMembers {

  private static final Logger log = LoggerFactory.getLogger(SourceConnections.class);

  /** A member that received nothing this long while another received something is woken. */
  static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** A connection, when it last received a message, and when it was last woken. */
  private record Member(
      MqttConnection connection, AtomicLong lastMessageNanos, AtomicLong lastWakeNanos) {}

  private final int qos;
  private final List<Member> members = new CopyOnWriteArrayList<>();
  private final AtomicLong wakeUps = new AtomicLong();
  private volatile long nextCheckNanos;

  IdleMembers(int qos) {
    this.qos = qos;
  }

  /** Watches {@code connection}; the intake runs what this returns on each of its messages. */
  Runnable watch(MqttConnection connection) {
    AtomicLong last = new AtomicLong(System.nanoTime());
    members.add(new Member(connection, last, new AtomicLong(System.nanoTime())));
    return () -> last.lazySet(System.nanoTime());
  }

  /**
   * Makes each connected member that received nothing for {@link #IDLE_NANOS}, while another did,
   * subscribe to {@code filters} again (null: not subscribed yet, nothing to do); call regularly
   * (from {@code poll()}), it checks at most twice per {@link #IDLE_NANOS}.
   */
  void wake(List<String> filters) {
    long now = System.nanoTime();
    if (members.size() < 2 || filters == null || now < nextCheckNanos) {
      return;
    }
    nextCheckNanos = now + IDLE_NANOS / 2;
    long busiest = members.stream().mapToLong(m -> m.lastMessageNanos().get()).max().orElse(0);
    if (now - busiest > IDLE_NANOS / 4) {
      return; // nothing is flowing: the broker's queue is empty, and it offers the next message to
      // every member
    }
    for (Member member : members) {
      MqttConnection session = member.connection();
      if (now - member.lastMessageNanos().get() > IDLE_NANOS
          && now - member.lastWakeNanos().get() > IDLE_NANOS
          && session.isConnected()) {
        member.lastWakeNanos().set(now);
        wakeUps.incrementAndGet();
        log.debug(
            "MQTT client '{}' received nothing for {} ms while other members did: subscribing again",
            session.clientId(),
            IDLE_NANOS / 1_000_000);
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
    }
  }

  /** Times an idle member was made to subscribe again. */
  long wakeUps() {
    return wakeUps.get();
  }
}
