package io.connectmqtt.entitysync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replies to subscribe (and renewal) held until Kafka has the subscription record: until its outbox
 * row is gone, which the relaying task (this one or another) deletes only after Kafka acknowledged
 * it. A client that got its reply can then count on the notify sink knowing the subscription.
 */
final class HeldReplies {

  private static final Logger log = LoggerFactory.getLogger(HeldReplies.class);

  private record Held(String subscriptionId, Runnable publish) {}

  private final DataSource dataSource;
  private final Outbox outbox;
  private final Queue<Held> held = new ConcurrentLinkedQueue<>();

  HeldReplies(DataSource dataSource, Outbox outbox) {
    this.dataSource = dataSource;
    this.outbox = outbox;
  }

  /**
   * Publishes {@code publish} once subscription {@code subscriptionId} has no record waiting in the
   * outbox.
   */
  void hold(String subscriptionId, Runnable publish) {
    held.add(new Held(subscriptionId, publish));
  }

  int size() {
    return held.size();
  }

  boolean waiting() {
    return !held.isEmpty();
  }

  /** Sends the replies whose records Kafka has; called on the poll thread. */
  void release() {
    if (held.isEmpty()) {
      return;
    }
    List<Held> candidates = new ArrayList<>(held);
    Set<String> pending;
    try (Connection connection = dataSource.getConnection()) {
      pending =
          outbox.pendingSubscriptions(
              connection, candidates.stream().map(Held::subscriptionId).toList());
    } catch (SQLException e) {
      log.warn(
          "Could not check which subscription records are in Kafka (will retry): {}",
          e.getMessage());
      return;
    }
    for (Held reply : candidates) {
      if (!pending.contains(reply.subscriptionId()) && held.remove(reply)) {
        reply.publish().run();
      }
    }
  }
}
