package io.connectmqtt.entitysync;

import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * At most {@code subscriptions.max.per.client} live subscriptions per client id, so that one client cannot fill the
 * notify sink's memory or make every change event expensive. Checked before a new subscription is stored (a
 * repeated subscribe and a renewal are not new); requests of one client served by two tasks at the same instant can
 * exceed it by one each.
 */
final class SubscriptionQuota {

  private final String subscriptionsTable;
  private final int maxPerClient;

  SubscriptionQuota(String subscriptionsTable, int maxPerClient) {
    this.subscriptionsTable = subscriptionsTable;
    this.maxPerClient = maxPerClient;
  }

  void checkRoomForOneMore(Connection connection, String clientId, Instant now)
      throws SQLException, ProtocolException {
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
}
