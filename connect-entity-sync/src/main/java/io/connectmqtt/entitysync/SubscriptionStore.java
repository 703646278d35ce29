package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live subscriptions table: one row per subscription with its owner, the record as published to
 * the subscriptions topic (to publish it again on renewal), its expiry and the hash of the request
 * that made it. Every method works in the caller's connection, so a change and what must go with it
 * commit together.
 */
final class SubscriptionStore {

  private final Dialect dialect;
  private final String tableName;
  private final String table;
  private final ObjectMapper json;
  private final SubscriptionQuota quota;

  /**
   * The tables {@code <stateTable>_subscriptions} and {@code <stateTable>_subscription_clients}
   * (one row per client, the lock of its quota: {@link SubscriptionQuota}) in {@code schema}.
   */
  SubscriptionStore(
      Dialect dialect, String schema, String stateTable, ObjectMapper json, int maxPerClient) {
    this.dialect = dialect;
    this.tableName = stateTable + "_subscriptions";
    this.table = dialect.table(schema, tableName);
    this.json = json;
    this.quota =
        new SubscriptionQuota(
            table, dialect.table(schema, stateTable + "_subscription_clients"), maxPerClient);
  }

  List<String> ddl() {
    String timestamp = dialect.timestampType();
    List<String> statements = new ArrayList<>();
    statements.add(
        dialect.createTableIfMissing(
            table,
            List.of(
                "subscription_id VARCHAR(64) NOT NULL PRIMARY KEY",
                "client_id VARCHAR(200) NOT NULL",
                "schema_name VARCHAR(200) NOT NULL",
                "entity VARCHAR(200) NOT NULL",
                "created_at " + timestamp + " NOT NULL")));
    // Added after the first release: the subscription as published (to re-publish it on renewal)
    // and its expiry.
    statements.add(dialect.addColumnIfMissing(table, "definition", dialect.textType()));
    statements.add(dialect.addColumnIfMissing(table, "expires_at", timestamp));
    statements.add(dialect.addColumnIfMissing(table, "request_hash", "VARCHAR(64)"));
    // Every subscribe counts its client's subscriptions, a disconnect locks them, the quota's purge
    // and the expiry sweep look them up: without these, each scanned (and on MariaDB locked) the
    // whole table, every client's subscriptions.
    statements.add(dialect.createIndexIfMissing(tableName, table, "client_id"));
    statements.add(dialect.createIndexIfMissing(tableName, table, "expires_at"));
    statements.addAll(quota.ddl(dialect));
    return statements;
  }

  /**
   * The subscription as published, if {@code clientId} owns {@code sid}; when a subscribe request's
   * fingerprint is given, a subscription made by a different request with the same id is
   * request_id_reused.
   */
  ObjectNode find(
      Connection connection, String clientId, String sid, String requestId, String fingerprint)
      throws SQLException, ProtocolException {
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT definition, request_hash FROM "
                + table
                + " WHERE subscription_id = ? AND client_id = ?")) {
      select.setString(1, sid);
      select.setString(2, clientId);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next() || rows.getString(1) == null) {
          return null;
        }
        if (fingerprint != null) {
          ReplayStore.requireSameRequest(rows.getString(2), fingerprint, requestId);
        }
        return (ObjectNode) json.readTree(rows.getString(1));
      } catch (IOException e) {
        throw new SQLException("stored subscription " + sid + " is not JSON", e);
      }
    }
  }

  /**
   * Before a new subscription's transaction (auto-commit): the client's quota row, see {@link
   * SubscriptionQuota}.
   */
  void registerClient(Connection connection, String clientId, Instant now) throws SQLException {
    quota.register(connection, clientId, now);
  }

  /** Clients whose quota row is left without subscriptions, see {@link SubscriptionQuota}. */
  List<String> clientsWithoutSubscriptions(Connection connection, Instant now) throws SQLException {
    return quota.clientsWithoutSubscriptions(connection, now);
  }

  /** In the caller's transaction: deletes the client's quota row unless it has subscriptions. */
  boolean purgeClient(Connection connection, String clientId, Instant now) throws SQLException {
    return quota.purge(connection, clientId, now);
  }

  /** Stores a new subscription within the client's quota (after {@link #registerClient}). */
  void insert(
      Connection connection,
      String clientId,
      ObjectNode record,
      Instant now,
      Instant expiresAt,
      String fingerprint)
      throws SQLException, ProtocolException {
    quota.checkRoomForOneMore(connection, clientId, now);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " (subscription_id, client_id, schema_name, entity, created_at, definition, expires_at, request_hash) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, record.path("subscription_id").asText());
      insert.setString(2, clientId);
      insert.setString(3, record.path("schema").asText());
      insert.setString(4, record.path("entity").asText());
      insert.setTimestamp(5, Timestamp.from(now));
      insert.setString(6, record.toString());
      insert.setTimestamp(7, expiresAt == null ? null : Timestamp.from(expiresAt));
      insert.setString(8, fingerprint);
      insert.executeUpdate();
    }
  }

  /**
   * Extends a live subscription to {@code expiresAt} with its new record; false when it is gone or
   * expired.
   */
  boolean extend(
      Connection connection, String clientId, String sid, ObjectNode record, Instant expiresAt)
      throws SQLException {
    // A subscription whose lifetime ended is gone, even before the next sweep removes its row.
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE "
                + table
                + " SET expires_at = ?, definition = ? WHERE subscription_id = ? AND client_id = ?"
                + " AND (expires_at IS NULL OR expires_at >= ?)")) {
      update.setTimestamp(1, Timestamp.from(expiresAt));
      update.setString(2, record.toString());
      update.setString(3, sid);
      update.setString(4, clientId);
      update.setTimestamp(5, Timestamp.from(Instant.now()));
      return update.executeUpdate() == 1;
    }
  }

  /** Deletes one of the client's subscriptions; false when it has none of that id. */
  boolean delete(Connection connection, String clientId, String sid) throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement(
            "DELETE FROM " + table + " WHERE subscription_id = ? AND client_id = ?")) {
      delete.setString(1, sid);
      delete.setString(2, clientId);
      return delete.executeUpdate() > 0;
    }
  }

  /**
   * Every subscription of the client as published, by id, locked for the caller's transaction; one
   * stored before records were kept is its schema and entity only.
   */
  Map<String, ObjectNode> allOf(Connection connection, String clientId) throws SQLException {
    Map<String, ObjectNode> subscriptions = new LinkedHashMap<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT subscription_id, schema_name, entity, "
                + "definition FROM "
                + table
                + " WHERE client_id = ? FOR UPDATE")) {
      select.setString(1, clientId);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          ObjectNode record =
              rows.getString(4) == null
                  ? json.createObjectNode()
                      .put("schema", rows.getString(2))
                      .put("entity", rows.getString(3))
                  : (ObjectNode) json.readTree(rows.getString(4));
          subscriptions.put(rows.getString(1), record);
        }
      } catch (IOException e) {
        throw new SQLException("a stored subscription of client " + clientId + " is not JSON", e);
      }
    }
    return subscriptions;
  }

  /** Ids of subscriptions whose lifetime ended before {@code now}. */
  List<String> expired(Connection connection, Instant now) throws SQLException {
    List<String> candidates = new ArrayList<>();
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT subscription_id FROM " + table + " WHERE expires_at < ?")) {
      select.setTimestamp(1, Timestamp.from(now));
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          candidates.add(rows.getString(1));
        }
      }
    }
    return candidates;
  }

  /**
   * Deletes an expired subscription; false when another task removed (or a renewal extended) it
   * first.
   */
  boolean deleteExpired(Connection connection, String sid, Instant now) throws SQLException {
    try (PreparedStatement delete =
        connection.prepareStatement(
            "DELETE FROM " + table + " WHERE subscription_id = ? AND expires_at < ?")) {
      delete.setString(1, sid);
      delete.setTimestamp(2, Timestamp.from(now));
      return delete.executeUpdate() == 1;
    }
  }
}
