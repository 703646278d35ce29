package io.connectmqtt.entitysync;

import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * At most {@code subscriptions.max.per.client} live subscriptions per client id, so that one client cannot fill the
 * notify sink's memory or make every change event expensive. Checked before a new subscription is stored (a
 * repeated subscribe and a renewal are not new), under a lock on the client's row in a table of its own: a
 * subscribe of the same client on another task waits until this one committed, then counts it. Counting alone
 * let each of N tasks serving the client at the same instant add one too many (SubscriptionQuotaTest).
 */
final class SubscriptionQuota {

  private final String subscriptionsTable;
  private final String clientsTable;
  private final int maxPerClient;

  SubscriptionQuota(String subscriptionsTable, String clientsTable, int maxPerClient) {
    this.subscriptionsTable = subscriptionsTable;
    this.clientsTable = clientsTable;
    this.maxPerClient = maxPerClient;
  }

  /** One row per client id that ever subscribed: what {@link #checkRoomForOneMore} locks. */
  List<String> ddl(Dialect dialect) {
    return List.of(dialect.createTableIfMissing(clientsTable, List.of("client_id VARCHAR(200) NOT NULL PRIMARY KEY")));
  }

  /** In the caller's transaction: locks the client until it ends, then refuses when it has no room left. */
  void checkRoomForOneMore(Connection connection, String clientId, Instant now)
      throws SQLException, ProtocolException {
    lock(connection, clientId);
    try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM " + subscriptionsTable
        + " WHERE client_id = ? AND (expires_at IS NULL OR expires_at >= ?)")) {
      count.setString(1, clientId);
      count.setTimestamp(2, Timestamp.from(now));
      try (ResultSet rows = count.executeQuery()) {
        rows.next();
        if (rows.getLong(1) >= maxPerClient) {
          throw new ProtocolException(ErrorCode.INVALID_SUBSCRIPTION, "this client already has " + rows.getLong(1)
              + " subscriptions, the most allowed (" + maxPerClient + "); unsubscribe one first");
        }
      }
    }
  }

  private void lock(Connection connection, String clientId) throws SQLException {
    if (locked(connection, clientId)) {
      return;
    }
    // The client's first subscribe: insert its row. If another task inserts it at the same moment, our insert waits
    // for that task's commit and fails as a duplicate; undone to the savepoint, the row is there to lock.
    Savepoint beforeInsert = connection.setSavepoint();
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + clientsTable
        + " (client_id) VALUES (?)")) {
      insert.setString(1, clientId);
      insert.executeUpdate();
      connection.releaseSavepoint(beforeInsert);
    } catch (SQLException duplicate) {
      connection.rollback(beforeInsert);
    }
    if (!locked(connection, clientId)) {
      throw new SQLException("could not lock the subscription quota of client " + clientId);
    }
  }

  private boolean locked(Connection connection, String clientId) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement("SELECT client_id FROM " + clientsTable
        + " WHERE client_id = ? FOR UPDATE")) {
      select.setString(1, clientId);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next();
      }
    }
  }
}
