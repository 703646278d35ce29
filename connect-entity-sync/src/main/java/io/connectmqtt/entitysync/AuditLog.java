package io.connectmqtt.entitysync;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One row per request in the configured audit table, refused and failed ones included. */
final class AuditLog {

  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final int MAX_REQUEST_CHARS = 4_000;

  private final DataSource dataSource;
  private final String table;

  AuditLog(DataSource dataSource, String table) {
    this.dataSource = dataSource;
    this.table = table;
  }

  String ddl(Dialect dialect) {
    return dialect.createTableIfMissing(
        table,
        List.of(
            "received_at " + dialect.timestampType() + " NOT NULL",
            "client_id VARCHAR(200) NOT NULL",
            "request_id VARCHAR(200) NOT NULL",
            "operation VARCHAR(20) NOT NULL",
            "outcome VARCHAR(40) NOT NULL",
            "request VARCHAR(" + MAX_REQUEST_CHARS + ")"));
  }

  /** Writes the row; a failing audit never fails the request. */
  void record(String clientId, Outcome outcome, byte[] payload) {
    String request =
        new String(payload, 0, Math.min(payload.length, MAX_REQUEST_CHARS), StandardCharsets.UTF_8);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO "
                    + table
                    + " (received_at, client_id, request_id, operation, outcome, request) VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setTimestamp(1, Timestamp.from(Instant.now()));
      insert.setString(2, clientId);
      insert.setString(3, outcome.requestId());
      insert.setString(4, outcome.operation());
      insert.setString(5, outcome.outcome());
      insert.setString(
          6,
          request.length() > MAX_REQUEST_CHARS ? request.substring(0, MAX_REQUEST_CHARS) : request);
      insert.executeUpdate();
    } catch (SQLException e) {
      log.warn(
          "Could not write the audit row for request '{}' of client '{}': {}",
          outcome.requestId(),
          clientId,
          e.getMessage());
    }
  }
}
