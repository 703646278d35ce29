package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ThreeDatabases;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A held subscribe reply asks every 10 ms which subscriptions still have an outbox row waiting
 * ({@link HeldReplies}). While Kafka is away the change events pile up in the same table: on each
 * database the question is answered from the outbox's index on {@code kind}, with 20,000 change
 * events waiting beside three subscription rows, not by reading them all; and the answer is right.
 */
class OutboxIndexIT {

  private static final int CHANGE_EVENTS = 20_000;

  private static ThreeDatabases databases;

  @BeforeAll
  static void start() {
    databases = ThreeDatabases.start("public");
  }

  @AfterAll
  static void stop() {
    TestResources.closeAll(databases);
  }

  static Stream<String> databases() {
    return ThreeDatabases.names();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void pendingSubscriptionsAreLookedUpByIndex(String database) throws Exception {
    Sql.Database db = () -> databases.connection(database);
    Dialect dialect =
        switch (database) {
          case "postgresql" -> Dialect.POSTGRESQL;
          case "h2" -> Dialect.H2;
          default -> Dialect.MARIADB;
        };
    Outbox outbox = new Outbox(dialect, "public", "held_outbox");
    Sql.execute(db, outbox.ddl(dialect).toArray(String[]::new));
    try (Connection connection = db.connection()) {
      connection.setAutoCommit(false);
      insertChangeEvents(connection, dialect.table("public", "held_outbox"));
      for (String sid : List.of("sub-a", "sub-b", "sub-c")) {
        outbox.append(connection, Outbox.Kind.SUBSCRIPTION, sid, null);
      }
      connection.commit();
      connection.setAutoCommit(true);
      analyze(connection, dialect, database);

      List<String> asked = List.of("sub-a", "sub-c", "sub-gone");
      assertThat(outbox.pendingSubscriptions(connection, asked))
          .isEqualTo(Set.of("sub-a", "sub-c"));
      String plan = plan(connection, outbox, asked);
      assertThat(plan.toLowerCase(Locale.ROOT))
          .as("the plan of the held replies' look-up on %s", database)
          .contains("held_outbox_kind");
    }
  }

  /** Change events as the request processor writes them, in batches. */
  private static void insertChangeEvents(Connection connection, String table) throws SQLException {
    try (PreparedStatement insert =
        connection.prepareStatement(
            "INSERT INTO "
                + table
                + " (event_id, kind, record_key, payload, created_at) VALUES (?, ?, ?, ?, ?)")) {
      Timestamp now = Timestamp.from(Instant.now());
      for (int i = 0; i < CHANGE_EVENTS; i++) {
        insert.setString(1, UUID.randomUUID().toString());
        insert.setString(2, Outbox.Kind.CHANGE.name());
        insert.setString(3, Integer.toString(i));
        insert.setString(
            4, "{\"op\":\"create\",\"entity\":\"items\",\"after\":{\"id\":" + i + "}}");
        insert.setTimestamp(5, now);
        insert.addBatch();
        if (i % 1_000 == 999) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
    }
  }

  /** Fresh statistics, as the databases' own background work keeps them. */
  private static void analyze(Connection connection, Dialect dialect, String database)
      throws SQLException {
    String table = dialect.table("public", "held_outbox");
    String sql = (database.equals("postgresql") ? "ANALYZE " : "ANALYZE TABLE ") + table;
    try (var statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** The database's plan of the look-up, every column of every row, as text. */
  private static String plan(Connection connection, Outbox outbox, List<String> sids)
      throws SQLException {
    List<String> lines = new ArrayList<>();
    try (PreparedStatement explain =
            outbox.pendingSubscriptionsQuery(connection, "EXPLAIN ", sids);
        ResultSet rows = explain.executeQuery()) {
      int columns = rows.getMetaData().getColumnCount();
      while (rows.next()) {
        for (int c = 1; c <= columns; c++) {
          lines.add(String.valueOf(rows.getString(c)));
        }
      }
    }
    return String.join(" | ", lines);
  }
}
