package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.JsonValues;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the {@link Outbox} to Kafka from a task's poll thread. One task of the connector at a time
 * relays: the one holding the lease row (renewed on every poll at half its time, taken over by
 * another task once it lapsed), so rows go out in seq order and a row is not sent by two tasks at
 * once, whatever {@code tasks.max} is and however it changes. A row is deleted only after Kafka
 * acknowledged its record ({@code commitRecord}); rows in flight when a relaying task dies are sent
 * again by the next holder of the lease: at least once, each record with its event id in the header
 * {@value #EVENT_ID_HEADER}, at most {@code maxInFlight} repeated per takeover.
 */
final class OutboxRelay {

  static final String EVENT_ID_HEADER = "entity.sync.event.id";
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final int DELETE_BATCH = 500;

  private final DataSource dataSource;
  private final Outbox outbox;
  private final ObjectMapper json;
  private final String changesTopic;
  private final String subscriptionsTopic;
  private final long leaseMillis;
  private final int maxInFlight;
  private final LongSupplier clock;
  private final String connector;
  private final String owner;

  /** Sent and not yet deleted; touched by the poll thread only. */
  private final Set<Long> inFlight = new HashSet<>();

  /** Acknowledged by Kafka (producer thread), to delete on the poll thread. */
  private final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();

  private long leaseUntil;
  private long relayed;

  OutboxRelay(
      DataSource dataSource,
      Outbox outbox,
      ObjectMapper json,
      String changesTopic,
      String subscriptionsTopic,
      long leaseMillis,
      int maxInFlight,
      LongSupplier clock,
      String connector) {
    this.dataSource = dataSource;
    this.outbox = outbox;
    this.json = json;
    this.changesTopic = changesTopic;
    this.subscriptionsTopic = subscriptionsTopic;
    this.leaseMillis = leaseMillis;
    this.maxInFlight = maxInFlight;
    this.clock = clock;
    this.connector = connector;
    this.owner = Outbox.leaseOwner(connector);
  }

  /**
   * The next records to send: none unless this task holds the lease, at most maxInFlight
   * unacknowledged.
   */
  List<SourceRecord> poll() {
    try {
      deleteAcknowledged();
      if (!holdLease()) {
        return List.of();
      }
      int room = maxInFlight - inFlight.size();
      if (room <= 0) {
        return List.of();
      }
      List<SourceRecord> records = new ArrayList<>();
      try (Connection connection = dataSource.getConnection()) {
        List<Long> waiting = outbox.waiting(connection, inFlight.size() + room);
        waiting.removeIf(inFlight::contains);
        for (Outbox.Row row : outbox.read(connection, waiting)) {
          records.add(record(row));
          inFlight.add(row.seq());
        }
      }
      relayed += records.size();
      return records;
    } catch (SQLException e) {
      log.warn("Could not relay the outbox (will retry): {}", e.getMessage());
      return List.of();
    }
  }

  /**
   * Called when Kafka acknowledged a record (or Connect dropped it on purpose: a filter,
   * errors.tolerance=all).
   */
  void acknowledged(SourceRecord record) {
    if (record instanceof OutboxRecord outboxRecord) {
      acknowledged.add(outboxRecord.seq);
    }
  }

  long relayed() {
    return relayed;
  }

  int inFlight() {
    return inFlight.size();
  }

  /**
   * Gives the lease up at a clean stop, so another task takes over without waiting for it to lapse.
   */
  void release() {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE "
                    + outbox.leaseTable()
                    + " SET lease_until = 0 WHERE id = 1 AND owner = ?")) {
      update.setString(1, owner);
      update.executeUpdate();
    } catch (SQLException e) {
      log.debug("Could not release the outbox lease; it lapses by itself: {}", e.getMessage());
    }
  }

  private boolean holdLease() throws SQLException {
    long now = clock.getAsLong();
    if (now < leaseUntil - leaseMillis / 2) {
      return true;
    }
    try (Connection connection = dataSource.getConnection();
        PreparedStatement update =
            connection.prepareStatement(
                "UPDATE "
                    + outbox.leaseTable()
                    + " SET owner = ?, lease_until = ? WHERE id = 1 AND (owner = ? OR lease_until < ?)")) {
      update.setString(1, owner);
      update.setLong(2, now + leaseMillis);
      update.setString(3, owner);
      update.setLong(4, now);
      if (update.executeUpdate() == 1) {
        if (leaseUntil == 0) {
          log.info("This task relays the outbox now (lease {} ms)", leaseMillis);
        }
        leaseUntil = now + leaseMillis;
        return true;
      }
      outbox.refuseSharedLease(connection, connector, now);
    }
    if (leaseUntil != 0) {
      // Another task took the lease (ours lapsed): it sends what we had in flight again.
      log.warn(
          "Lost the outbox lease with {} records in flight; another task relays now",
          inFlight.size());
      inFlight.clear();
      leaseUntil = 0;
    }
    return false;
  }

  private void deleteAcknowledged() throws SQLException {
    List<Long> done = new ArrayList<>();
    for (Long seq = acknowledged.poll(); seq != null; seq = acknowledged.poll()) {
      done.add(seq);
    }
    if (done.isEmpty()) {
      return;
    }
    try (Connection connection = dataSource.getConnection()) {
      for (int from = 0; from < done.size(); from += DELETE_BATCH) {
        List<Long> batch = done.subList(from, Math.min(done.size(), from + DELETE_BATCH));
        outbox.delete(connection, batch);
        batch.forEach(inFlight::remove);
      }
    } catch (SQLException e) {
      acknowledged.addAll(done); // deleted again next time: deleting a deleted row is a no-op
      throw e;
    }
  }

  private SourceRecord record(Outbox.Row row) throws SQLException {
    Map<String, Object> value = null;
    if (row.payload() != null) {
      try {
        @SuppressWarnings("unchecked")
        Map<String, Object> plain =
            (Map<String, Object>) JsonValues.plain(json.readTree(row.payload()));
        value = plain;
      } catch (IOException e) {
        throw new SQLException("outbox row " + row.seq() + " is not JSON", e);
      }
    }
    String topic = row.kind() == Outbox.Kind.CHANGE ? changesTopic : subscriptionsTopic;
    OutboxRecord record = new OutboxRecord(topic, row.key(), value, row.seq());
    record.headers().addString(EVENT_ID_HEADER, row.eventId());
    return record;
  }

  /** A record relayed from outbox row {@code seq}. */
  static final class OutboxRecord extends SourceRecord {
    final long seq;

    OutboxRecord(String topic, String key, Map<String, Object> value, long seq) {
      // A null value is a tombstone: the subscription is gone from the compacted topic.
      super(null, null, topic, null, Schema.STRING_SCHEMA, key, null, value);
      this.seq = seq;
    }
  }
}
