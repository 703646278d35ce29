package io.connectmqtt.entitysync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import javax.sql.DataSource;

/**
 * The processed-requests table: each write's (client id, request id), the fingerprint of the
 * request's content, its reply and change event, recorded in the write's transaction. A repeat of
 * the same request gets the recorded reply; the same id with other content is {@code
 * request_id_reused}; records older than the retention are treated as absent and purged in batches.
 */
final class ReplayStore {

  /** What a write recorded: its reply, and its change event (key and value). */
  record Recorded(ObjectNode reply, String eventKey, ObjectNode event) {}

  private final Dialect dialect;
  private final String tableName;
  private final String table;
  private final Duration retention;
  private final ObjectMapper json;

  ReplayStore(
      Dialect dialect, String schema, String tableName, Duration retention, ObjectMapper json) {
    this.dialect = dialect;
    this.tableName = tableName;
    this.table = dialect.table(schema, tableName);
    this.retention = retention;
    this.json = json;
  }

  /** Creates the table, adds what later releases added, and the index that purging uses. */
  List<String> ddl() {
    return List.of(
        dialect.createTableIfMissing(
            table,
            List.of(
                "client_id VARCHAR(200) NOT NULL",
                "request_id VARCHAR(200) NOT NULL",
                "reply " + dialect.textType() + " NOT NULL",
                "event_key VARCHAR(1000)",
                "event " + dialect.textType(),
                "created_at " + dialect.timestampType() + " NOT NULL",
                "PRIMARY KEY (client_id, request_id)")),
        dialect.addColumnIfMissing(table, "request_hash", "VARCHAR(64)"),
        dialect.createIndexIfMissing(tableName, table, "created_at"));
  }

  /**
   * The recorded outcome of request {@code requestId} of {@code clientId}, or null when there is
   * none (or only an expired one, which is then deleted in this transaction so the request can be
   * recorded again).
   *
   * @throws ProtocolException request_id_reused when the id was used for a request with other
   *     content
   */
  Recorded find(
      Connection transaction, String clientId, String requestId, String fingerprint, Instant now)
      throws SQLException, ProtocolException {
    try (PreparedStatement select =
        transaction.prepareStatement(
            "SELECT reply, event_key, event, request_hash, "
                + "created_at FROM "
                + table
                + " WHERE client_id = ? AND request_id = ?")) {
      select.setString(1, clientId);
      select.setString(2, requestId);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next()) {
          return null;
        }
        if (rows.getTimestamp(5).toInstant().isBefore(now.minus(retention))) {
          delete(transaction, clientId, requestId);
          return null;
        }
        requireSameRequest(rows.getString(4), fingerprint, requestId);
        String event = rows.getString(3);
        return new Recorded(
            (ObjectNode) json.readTree(rows.getString(1)),
            rows.getString(2),
            event == null ? null : (ObjectNode) json.readTree(event));
      }
    } catch (JsonProcessingException e) {
      throw new SQLException("stored reply is not JSON", e);
    }
  }

  /**
   * Refuses a request id that was used before for a request with other content. Records from before
   * fingerprints were kept (null) are taken as the same request.
   */
  static void requireSameRequest(String recordedFingerprint, String fingerprint, String requestId)
      throws ProtocolException {
    if (recordedFingerprint != null && !recordedFingerprint.equals(fingerprint)) {
      throw new ProtocolException(
          ErrorCode.REQUEST_ID_REUSED,
          "request id '"
              + abbreviate(requestId)
              + "' was "
              + "already used by this client for a different request; use a new id for each request");
    }
  }

  /** Records a write's outcome in its transaction. */
  void record(
      Connection transaction,
      String clientId,
      String requestId,
      String fingerprint,
      ObjectNode reply,
      String eventKey,
      ObjectNode event,
      Instant now)
      throws SQLException, JsonProcessingException {
    try (PreparedStatement insert =
        transaction.prepareStatement(
            "INSERT INTO "
                + table
                + " (client_id, request_id, "
                + "request_hash, reply, event_key, event, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, clientId);
      insert.setString(2, requestId);
      insert.setString(3, fingerprint);
      insert.setString(4, json.writeValueAsString(reply));
      insert.setString(5, eventKey);
      insert.setString(6, event == null ? null : json.writeValueAsString(event));
      insert.setTimestamp(7, Timestamp.from(now));
      insert.executeUpdate();
    }
  }

  /**
   * Deletes records older than the retention, {@code batchSize} rows per transaction and at most
   * {@code maxBatches} transactions, each on a connection of its own so that requests are never
   * kept waiting for long.
   *
   * @return the number of records deleted
   */
  int purgeExpired(DataSource dataSource, Instant now, int batchSize, int maxBatches)
      throws SQLException {
    Timestamp cutoff = Timestamp.from(now.minus(retention));
    int purged = 0;
    for (int batch = 0; batch < maxBatches; batch++) {
      List<String[]> keys = new ArrayList<>();
      try (Connection connection = dataSource.getConnection()) {
        try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT client_id, request_id FROM " + table + " WHERE created_at < ?")) {
          select.setTimestamp(1, cutoff);
          select.setMaxRows(batchSize);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              keys.add(new String[] {rows.getString(1), rows.getString(2)});
            }
          }
        }
        if (keys.isEmpty()) {
          break;
        }
        connection.setAutoCommit(false);
        try (PreparedStatement delete =
            connection.prepareStatement(
                "DELETE FROM "
                    + table
                    + " WHERE client_id = ? AND request_id = ? AND created_at < ?")) {
          for (String[] key : keys) {
            delete.setString(1, key[0]);
            delete.setString(2, key[1]);
            delete.setTimestamp(3, cutoff);
            delete.addBatch();
          }
          delete.executeBatch();
          connection.commit();
        } catch (SQLException e) {
          Transactions.rollbackAfter(connection, e);
          throw e;
        }
      }
      purged += keys.size();
      if (keys.size() < batchSize) {
        break;
      }
    }
    return purged;
  }

  Duration retention() {
    return retention;
  }

  private void delete(Connection transaction, String clientId, String requestId)
      throws SQLException {
    try (PreparedStatement delete =
        transaction.prepareStatement(
            "DELETE FROM " + table + " WHERE client_id = ? AND request_id = ?")) {
      delete.setString(1, clientId);
      delete.setString(2, requestId);
      delete.executeUpdate();
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
