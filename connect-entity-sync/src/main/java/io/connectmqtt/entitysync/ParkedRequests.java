package io.connectmqtt.entitysync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.InboundMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table of parked requests: requests that took long enough to be stored here and acknowledged
 * on MQTT before they were answered (see {@link RequestParking}). A row lives until its request is
 * answered; its lease, renewed by the task serving it, tells the other tasks it is served. A row
 * whose lease ran out belongs to a task that died or lost its reply: any task takes it over and
 * serves it again, which the processed-requests table makes safe.
 */
final class ParkedRequests {

  /**
   * Largest request payload parked: its Base64 text (4/3 of it) fits the text column on every
   * database (H2 and PostgreSQL: 1,000,000 characters; MariaDB's MEDIUMTEXT: 16 MiB).
   */
  static final int MAX_PAYLOAD_BYTES = 700_000;

  private static final Logger log = LoggerFactory.getLogger(ParkedRequests.class);

  /** A request read back from the table, to serve again. */
  record Parked(String id, InboundMessage message) {}

  private final String table;
  private final ObjectMapper json;

  ParkedRequests(Dialect dialect, String schema, String tableName, ObjectMapper json) {
    this.table = dialect.table(schema, tableName);
    this.json = json;
  }

  List<String> ddl(Dialect dialect) {
    return List.of(
        dialect.createTableIfMissing(
            table,
            List.of(
                "id VARCHAR(36) NOT NULL PRIMARY KEY",
                // Insertion order: a client's requests are taken over in the order they came.
                // UNIQUE: MariaDB numbers only a column that is a key.
                "seq " + dialect.identityType() + " UNIQUE",
                "topic " + dialect.textType() + " NOT NULL",
                "payload " + dialect.textType() + " NOT NULL",
                "response_topic " + dialect.textType(),
                "correlation_data " + dialect.textType(),
                "user_properties " + dialect.textType() + " NOT NULL",
                "lease_until BIGINT NOT NULL",
                "parked_at " + dialect.timestampType() + " NOT NULL")));
  }

  /**
   * Stores {@code messages}, leased until {@code leaseUntil}, in one transaction; returns their row
   * ids in the same order.
   */
  List<String> park(Connection connection, List<InboundMessage> messages, long leaseUntil)
      throws SQLException {
    List<String> ids = new ArrayList<>();
    // The pool (HikariCP) restores auto-commit when the connection is given back.
    connection.setAutoCommit(false);
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " (id, topic, payload, response_topic, correlation_data, user_properties,"
                + " lease_until, parked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      Timestamp now = Timestamp.from(Instant.now());
      for (InboundMessage message : messages) {
        String id = UUID.randomUUID().toString();
        insert.setString(1, id);
        insert.setString(2, message.topic());
        insert.setString(3, base64(message.payload()));
        insert.setString(4, message.responseTopic().orElse(null));
        insert.setString(5, message.correlationData().map(ParkedRequests::base64).orElse(null));
        insert.setString(6, properties(message.userProperties()));
        insert.setLong(7, leaseUntil);
        insert.setTimestamp(8, now);
        insert.addBatch();
        ids.add(id);
      }
      insert.executeBatch();
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      Transactions.rollbackAfter(connection, e);
      throw e;
    }
    return ids;
  }

  /** Deletes the rows of answered requests. */
  void delete(Connection connection, Collection<String> ids) throws SQLException {
    forIds(connection, "DELETE FROM " + table + " WHERE id IN ", ids, List.of());
  }

  /** Extends the lease of the rows {@code ids} to {@code leaseUntil}. */
  void renew(Connection connection, Collection<String> ids, long leaseUntil) throws SQLException {
    forIds(
        connection,
        "UPDATE " + table + " SET lease_until = ? WHERE id IN ",
        ids,
        List.of(leaseUntil));
  }

  /**
   * Takes over up to {@code max} rows whose lease ended before {@code now}, leasing them until
   * {@code leaseUntil}, oldest first. A row that another task leases, or takes first, is left to
   * it, and so are the later rows of its topic (its client's), to be served after it. A row that
   * cannot be read back (not written by this class) is deleted and logged.
   */
  List<Parked> takeOver(Connection connection, long now, long leaseUntil, int max)
      throws SQLException {
    List<Parked> taken = new ArrayList<>();
    try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT id, topic, payload, response_topic, correlation_data, user_properties,"
                    + " lease_until FROM "
                    + table
                    + " ORDER BY seq");
        PreparedStatement claim =
            connection.prepareStatement(
                "UPDATE " + table + " SET lease_until = ? WHERE id = ? AND lease_until < ?")) {
      Set<String> leftToOthers = new HashSet<>();
      List<String> unreadable = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next() && taken.size() < max) {
          String id = rows.getString(1);
          String topic = rows.getString(2);
          if (rows.getLong(7) >= now || leftToOthers.contains(topic)) {
            leftToOthers.add(topic);
            continue;
          }
          InboundMessage message;
          try {
            message = message(rows);
          } catch (RuntimeException e) {
            log.error("Deleting parked request {}, which cannot be read: {}", id, e.toString());
            unreadable.add(id);
            continue;
          }
          claim.setLong(1, leaseUntil);
          claim.setString(2, id);
          claim.setLong(3, now);
          if (claim.executeUpdate() == 1) {
            taken.add(new Parked(id, message));
          } else {
            leftToOthers.add(topic);
          }
        }
      }
      delete(connection, unreadable);
    }
    return taken;
  }

  /** Rows in the table, for tests. */
  long size(Connection connection) throws SQLException {
    try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM " + table);
        ResultSet rows = count.executeQuery()) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private InboundMessage message(ResultSet row) throws SQLException {
    Base64.Decoder decoder = Base64.getDecoder();
    String correlation = row.getString(5);
    return new InboundMessage(
        row.getString(2),
        decoder.decode(row.getString(3)),
        1,
        false,
        true,
        OptionalInt.empty(),
        Optional.empty(),
        Optional.ofNullable(row.getString(4)),
        Optional.ofNullable(correlation).map(decoder::decode),
        Optional.empty(),
        OptionalLong.empty(),
        properties(row.getString(6)),
        System.nanoTime(),
        () -> {});
  }

  private String properties(List<Map.Entry<String, String>> properties) {
    try {
      return json.writeValueAsString(
          properties.stream().map(p -> List.of(p.getKey(), p.getValue())).toList());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write user properties", e);
    }
  }

  private List<Map.Entry<String, String>> properties(String stored) {
    try {
      List<List<String>> pairs = json.readValue(stored, new TypeReference<>() {});
      return pairs.stream().map(p -> Map.entry(p.get(0), p.get(1))).toList();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot read stored user properties", e);
    }
  }

  private static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /**
   * Runs {@code sql} followed by an IN list of {@code ids}, after {@code leading} parameters, in
   * statements of at most 1,000 ids (PostgreSQL takes at most 32,767 parameters).
   */
  private static void forIds(
      Connection connection, String sql, Collection<String> ids, List<Long> leading)
      throws SQLException {
    List<String> all = List.copyOf(ids);
    for (int from = 0; from < all.size(); from += 1_000) {
      List<String> chunk = all.subList(from, Math.min(all.size(), from + 1_000));
      try (PreparedStatement statement =
          connection.prepareStatement(sql + Dialect.placeholders(chunk.size()))) {
        int i = 1;
        for (long value : leading) {
          statement.setLong(i++, value);
        }
        for (String id : chunk) {
          statement.setString(i++, id);
        }
        statement.executeUpdate();
      }
    }
  }
}
