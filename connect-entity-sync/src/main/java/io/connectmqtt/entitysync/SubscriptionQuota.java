package io.connectmqtt.entitysync;

import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * At most {@code subscriptions.max.per.client} live subscriptions per client id, so that one client
 * cannot fill the notify sink's memory or make every change event expensive. Checked before a new
 * subscription is stored (a repeated subscribe and a renewal are not new), under a lock on the
 * client's row in a table of its own: a subscribe of the same client on another task waits until
 * this one committed, then counts it. Counting alone let each of N tasks serving the client at the
 * same instant add one too many (SubscriptionQuotaTest).
 */
final class SubscriptionQuota {

  /**
   * The client's row is gone: the expiry sweep purged it after {@link #register}. Register again
   * and retry; inserting it inside the transaction deadlocked concurrent subscribes on MariaDB.
   */
  static final class Unregistered extends SQLException {
    private static final long serialVersionUID = 1L;

    Unregistered(String clientId) {
      super("client " + clientId + " has no quota row to lock: purged since it was registered");
    }
  }

  /**
   * How old a client's row must be before the sweep may purge it. A subscribe registers the row,
   * then locks it in its transaction; a sweep between the two would make it register again, and a
   * sweep running again and again could do so every time (SubscriptionQuotaIT refused one subscribe
   * too many). A row registered less than this long ago is left for a later sweep.
   */
  static final Duration PURGE_GRACE = Duration.ofMinutes(1);

  private final String subscriptionsTable;
  private final String clientsTable;
  private final int maxPerClient;

  SubscriptionQuota(String subscriptionsTable, String clientsTable, int maxPerClient) {
    this.subscriptionsTable = subscriptionsTable;
    this.clientsTable = clientsTable;
    this.maxPerClient = maxPerClient;
  }

  /**
   * One row per client id with subscriptions (or about to subscribe), with when it first did: what
   * {@link #checkRoomForOneMore} locks. Rows of clients without subscriptions are purged ({@link
   * #purge}).
   */
  List<String> ddl(Dialect dialect) {
    return List.of(
        dialect.createTableIfMissing(
            clientsTable,
            List.of(
                "client_id VARCHAR(200) NOT NULL PRIMARY KEY",
                "first_subscribed_at " + dialect.timestampType() + " NOT NULL")));
  }

  /**
   * Before the subscribe's transaction, on a connection in auto-commit: makes sure the client's row
   * exists, committed, so that the transaction only locks it. Inserted inside the transaction,
   * concurrent first subscribes of a client deadlocked on MariaDB (each kept a shared lock from its
   * duplicate-key error and waited for the other's to lock the row: SubscriptionQuotaIT, 14 of 100
   * subscribes failed).
   */
  void register(Connection connection, String clientId, Instant now) throws SQLException {
    if (has(connection, clientId, "")) {
      return;
    }
    try {
      insert(connection, clientId, now);
    } catch (SQLException duplicate) {
      // Another task registered the client at the same moment; anything else leaves no row.
      if (!has(connection, clientId, "")) {
        throw duplicate;
      }
    }
  }

  /**
   * In the caller's transaction, after {@link #register}: locks the client's row until the
   * transaction ends, then refuses when the client has no room left.
   */
  void checkRoomForOneMore(Connection connection, String clientId, Instant now)
      throws SQLException, ProtocolException {
    if (!has(connection, clientId, " FOR UPDATE")) {
      throw new Unregistered(clientId);
    }
    long live = subscriptions(connection, clientId, now);
    if (live >= maxPerClient) {
      throw new ProtocolException(
          ErrorCode.INVALID_SUBSCRIPTION,
          "this client already has "
              + live
              + " subscriptions, the most allowed ("
              + maxPerClient
              + "); unsubscribe one first");
    }
  }

  /** The client's subscriptions live at {@code now}. */
  private long subscriptions(Connection connection, String clientId, Instant now)
      throws SQLException {
    try (PreparedStatement count =
        connection.prepareStatement(
            "SELECT COUNT(*) FROM "
                + subscriptionsTable
                + " WHERE client_id = ? AND (expires_at IS NULL OR expires_at >= ?)")) {
      count.setString(1, clientId);
      count.setTimestamp(2, Timestamp.from(now));
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /**
   * Clients with a row here, registered at least {@link #PURGE_GRACE} before {@code now}, and no
   * subscription: what the expiry sweep purges. Fresher rows are not even locked by the sweep.
   */
  List<String> clientsWithoutSubscriptions(Connection connection, Instant now) throws SQLException {
    List<String> clients = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT client_id FROM "
                + clientsTable
                + " c WHERE c.first_subscribed_at < ? AND NOT EXISTS (SELECT 1 FROM "
                + subscriptionsTable
                + " s WHERE s.client_id = c.client_id)")) {
      select.setTimestamp(1, Timestamp.from(now.minus(PURGE_GRACE)));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          clients.add(rows.getString(1));
        }
      }
    }
    return clients;
  }

  /**
   * In the caller's transaction: deletes the client's row if it has no live subscription and was
   * registered at least {@link #PURGE_GRACE} before {@code now}. Locks the row first, so a
   * subscribe holding it commits its subscription before the count. A subscribe between {@link
   * #register} and its lock may still find its row gone: {@link #checkRoomForOneMore} throws {@link
   * Unregistered}, and the subscribe registers again.
   */
  boolean purge(Connection connection, String clientId, Instant now) throws SQLException {
    return has(connection, clientId, " FOR UPDATE")
        && subscriptions(connection, clientId, now) == 0
        && delete(connection, clientId, now.minus(PURGE_GRACE)) == 1;
  }

  private void insert(Connection connection, String clientId, Instant now) throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO " + clientsTable + " (client_id, first_subscribed_at) VALUES (?, ?)")) {
      insert.setString(1, clientId);
      insert.setTimestamp(2, Timestamp.from(now));
      insert.executeUpdate();
    }
  }

  /** Deletes the client's row if it was registered before {@code registeredBefore}. */
  private int delete(Connection connection, String clientId, Instant registeredBefore)
      throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement(
            "DELETE FROM " + clientsTable + " WHERE client_id = ? AND first_subscribed_at < ?")) {
      delete.setString(1, clientId);
      delete.setTimestamp(2, Timestamp.from(registeredBefore));
      return delete.executeUpdate();
    }
  }

  private boolean has(Connection connection, String clientId, String lock) throws SQLException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT client_id FROM " + clientsTable + " WHERE client_id = ?" + lock)) {
      select.setString(1, clientId);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }
}
