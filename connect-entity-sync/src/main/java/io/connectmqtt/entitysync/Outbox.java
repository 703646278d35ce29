package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.connect.errors.ConnectException;

/**
 * The transactional outbox: every change event and subscription record is written here in the
 * transaction of the change it describes, so a committed change always has its event, whatever
 * crashes next. {@link OutboxRelay} sends the rows to Kafka in {@code seq} order and deletes each
 * once Kafka acknowledged it. {@code seq} is taken when the row is inserted, while the transaction
 * holds the lock of the changed row (or subscription), so two events of one key are in commit
 * order.
 */
final class Outbox {

  /** Which topic a row goes to: the change events topic or the subscriptions topic. */
  enum Kind {
    CHANGE,
    SUBSCRIPTION
  }

  /** One row to relay; a null payload is a tombstone. */
  record Row(long seq, String eventId, Kind kind, String key, String payload) {}

  private final String tableName;
  private final String table;
  private final String leaseTable;

  /** The outbox {@code tableName} (and its lease table) in {@code schema}. */
  Outbox(Dialect dialect, String schema, String tableName) {
    this.tableName = tableName;
    this.table = dialect.table(schema, tableName);
    this.leaseTable = dialect.table(schema, tableName + "_lease");
  }

  String leaseTable() {
    return leaseTable;
  }

  List<String> ddl(Dialect dialect) {
    return List.of(
        dialect.createTableIfMissing(
            table,
            List.of(
                "seq " + dialect.identityType() + " PRIMARY KEY",
                "event_id VARCHAR(36) NOT NULL",
                "kind VARCHAR(20) NOT NULL",
                "record_key " + dialect.textType() + " NOT NULL",
                "payload " + dialect.textType(),
                "created_at " + dialect.timestampType() + " NOT NULL")),
        dialect.createTableIfMissing(
            leaseTable,
            List.of(
                "id INTEGER NOT NULL PRIMARY KEY",
                "owner VARCHAR(200) NOT NULL",
                "lease_until BIGINT NOT NULL")),
        // Held subscribe replies look up the few subscription rows every 10 ms: without it each
        // look-up scanned every change event waiting, which grows while Kafka is away.
        dialect.createIndexIfMissing(tableName, table, "kind"));
  }

  /** The single lease row, inserted by whichever task gets there first. */
  void createLeaseRow(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery("SELECT COUNT(*) FROM " + leaseTable + " WHERE id = 1")) {
      rows.next();
      if (rows.getLong(1) > 0) {
        return;
      }
      try {
        statement.executeUpdate(
            "INSERT INTO " + leaseTable + " (id, owner, lease_until) VALUES (1, '', 0)");
      } catch (SQLException raced) {
        // Another task inserted it at the same moment; the row is there, which is all that matters.
      }
    }
  }

  /**
   * A lease owner for a relay of connector {@code connector}: a random id of its own, then the
   * connector's name (cut to fit the column), so another connector can tell the lease is not its
   * own.
   */
  static String leaseOwner(String connector) {
    return UUID.randomUUID() + ":" + ownerName(connector);
  }

  /** The connector named in a lease owner; null for an owner that names none. */
  private static String connectorOf(String owner) {
    int id = 36; // a UUID's text
    return owner.length() > id && owner.charAt(id) == ':' ? owner.substring(id + 1) : null;
  }

  private static String ownerName(String connector) {
    return connector.length() > 160 ? connector.substring(0, 160) : connector;
  }

  /**
   * Fails the task of {@code connector} when a relay of another connector holds a live lease on
   * this outbox: the two connectors share their state tables, and the holder would send this
   * connector's change events to its own topics. An owner written before owners named their
   * connector (a bare id) is not told apart.
   */
  void refuseSharedLease(Connection connection, String connector, long now) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT owner, lease_until FROM " + leaseTable + " WHERE id = 1")) {
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next() || rows.getLong(2) < now) {
          return;
        }
        String holder = connectorOf(rows.getString(1));
        if (holder != null && !holder.equals(ownerName(connector))) {
          throw new ConnectException(
              "Connector '"
                  + holder
                  + "' relays the outbox "
                  + table
                  + " that this connector would write to: two connectors with the same "
                  + StateTablesConfig.STATE_TABLE_CONFIG
                  + " (or "
                  + StateTablesConfig.OUTBOX_TABLE_CONFIG
                  + ") share one outbox, and its relay sends both connectors' change events to its"
                  + " own topics. Give this connector state tables of its own (set "
                  + StateTablesConfig.STATE_TABLE_CONFIG
                  + ").");
        }
      }
    }
  }

  /** Writes an event in the caller's transaction; returns its event id. */
  String append(Connection connection, Kind kind, String key, ObjectNode payload)
      throws SQLException {
    String eventId = UUID.randomUUID().toString();
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " (event_id, kind, record_key, payload, created_at) VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, eventId);
      insert.setString(2, kind.name());
      insert.setString(3, key);
      insert.setString(4, payload == null ? null : payload.toString());
      insert.setTimestamp(5, Timestamp.from(Instant.now()));
      insert.executeUpdate();
    }
    return eventId;
  }

  /** The oldest {@code limit} sequence numbers waiting. */
  List<Long> waiting(Connection connection, int limit) throws SQLException {
    List<Long> seqs = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement("SELECT seq FROM " + table + " ORDER BY seq")) {
      select.setMaxRows(limit);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          seqs.add(rows.getLong(1));
        }
      }
    }
    return seqs;
  }

  /** The rows with these sequence numbers, in seq order. */
  List<Row> read(Connection connection, Collection<Long> seqs) throws SQLException {
    List<Row> found = new ArrayList<>();
    if (seqs.isEmpty()) {
      return found;
    }
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT seq, event_id, kind, record_key, payload FROM "
                + table
                + " WHERE seq IN "
                + Dialect.placeholders(seqs.size())
                + " ORDER BY seq")) {
      bindSeqs(select, seqs);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.add(
              new Row(
                  rows.getLong(1),
                  rows.getString(2),
                  Kind.valueOf(rows.getString(3)),
                  rows.getString(4),
                  rows.getString(5)));
        }
      }
    }
    return found;
  }

  /** Deletes relayed rows. */
  void delete(Connection connection, Collection<Long> seqs) throws SQLException {
    if (seqs.isEmpty()) {
      return;
    }
    try (PreparedStatement delete =
        connection.prepareStatement(
            "DELETE FROM " + table + " WHERE seq IN " + Dialect.placeholders(seqs.size()))) {
      bindSeqs(delete, seqs);
      delete.executeUpdate();
    }
  }

  /** Which of these subscriptions still have a record (or tombstone) waiting to be relayed. */
  Set<String> pendingSubscriptions(Connection connection, Collection<String> sids)
      throws SQLException {
    Set<String> pending = new HashSet<>();
    if (sids.isEmpty()) {
      return pending;
    }
    try (PreparedStatement select = pendingSubscriptionsQuery(connection, "", sids)) {
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          pending.add(rows.getString(1));
        }
      }
    }
    return pending;
  }

  /**
   * The query of {@link #pendingSubscriptions}, its parameters bound, after {@code prefix} (e.g.
   * EXPLAIN, for a test of its plan).
   */
  PreparedStatement pendingSubscriptionsQuery(
      Connection connection, String prefix, Collection<String> sids) throws SQLException {
    PreparedStatement select =
        connection.prepareStatement(
            prefix
                + "SELECT record_key FROM "
                + table
                + " WHERE kind = ? AND record_key IN "
                + Dialect.placeholders(sids.size()));
    try {
      select.setString(1, Kind.SUBSCRIPTION.name());
      int i = 2;
      for (String sid : sids) {
        select.setString(i++, sid);
      }
      return select;
    } catch (SQLException e) {
      select.close();
      throw e;
    }
  }

  /** Rows waiting, for metrics and tests. */
  long size(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM " + table)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** Binds {@code seqs} as the statement's parameters from the first on. */
  private static void bindSeqs(PreparedStatement statement, Collection<Long> seqs)
      throws SQLException {
    int i = 1;
    for (long seq : seqs) {
      statement.setLong(i++, seq);
    }
  }
}
