package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The processed-requests table on H2: repeats, reused ids, expiry and purging in batches. */
class ReplayStoreTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private HikariDataSource dataSource;
  private ReplayStore store;

  @BeforeEach
  void createTable() throws Exception {
    dataSource = new HikariDataSource();
    dataSource.setJdbcUrl("jdbc:h2:mem:replay-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
    store = new ReplayStore(Dialect.H2, "PUBLIC", "requests", Duration.ofHours(1), JSON);
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String ddl : store.ddl()) {
        statement.execute(ddl);
      }
      for (String ddl : store.ddl()) {
        statement.execute(ddl); // a restarted task runs them again
      }
    }
  }

  @AfterEach
  void close() {
    dataSource.close();
  }

  private void record(String requestId, String fingerprint, Instant at) throws Exception {
    try (Connection connection = dataSource.getConnection()) {
      ObjectNode reply = JSON.createObjectNode().put("id", requestId).put("success", true);
      store.record(
          connection,
          "c1",
          requestId,
          fingerprint,
          reply,
          "k",
          JSON.createObjectNode().put("op", "create"),
          at);
    }
  }

  private ReplayStore.Recorded find(String requestId, String fingerprint, Instant now)
      throws Exception {
    try (Connection connection = dataSource.getConnection()) {
      return store.find(connection, "c1", requestId, fingerprint, now);
    }
  }

  @Test
  void aRepeatGetsTheRecordedReplyAndAReusedIdIsRefused() throws Exception {
    Instant now = Instant.now();
    record("r1", "a".repeat(64), now);
    ReplayStore.Recorded repeat = find("r1", "a".repeat(64), now);
    assertThat(repeat.reply().path("id").asText()).isEqualTo("r1");
    assertThat(repeat.event().path("op").asText()).isEqualTo("create");
    assertThat(repeat.eventKey()).isEqualTo("k");
    assertThatThrownBy(() -> find("r1", "b".repeat(64), now))
        .isInstanceOf(ProtocolException.class)
        .satisfies(
            e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.REQUEST_ID_REUSED))
        .hasMessageContaining("'r1'");
    assertThat(find("r2", "a".repeat(64), now)).isNull();
  }

  @Test
  void aRecordFromBeforeFingerprintsIsTakenAsTheSameRequest() throws Exception {
    record("old", null, Instant.now());
    assertThat(find("old", "c".repeat(64), Instant.now())).isNotNull();
  }

  @Test
  void anExpiredRecordIsAbsentAndItsIdMayBeUsedAgain() throws Exception {
    Instant then = Instant.now().minus(Duration.ofHours(2));
    record("r1", "a".repeat(64), then);
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      assertThat(store.find(connection, "c1", "r1", "b".repeat(64), Instant.now())).isNull();
      store.record(
          connection,
          "c1",
          "r1",
          "b".repeat(64),
          JSON.createObjectNode().put("id", "again"),
          null,
          null,
          Instant.now());
      connection.commit();
    }
    assertThat(find("r1", "b".repeat(64), Instant.now()).reply().path("id").asText())
        .isEqualTo("again");
  }

  @Test
  void purgingDeletesOnlyExpiredRecordsInBatches() throws Exception {
    Instant old = Instant.now().minus(Duration.ofHours(3));
    for (int i = 0; i < 2_500; i++) {
      record("old-" + i, null, old);
    }
    record("fresh", null, Instant.now());
    assertThat(store.purgeExpired(dataSource, Instant.now(), 1_000, 2))
        .as("at most two batches")
        .isEqualTo(2_000);
    assertThat(count()).isEqualTo(501);
    assertThat(store.purgeExpired(dataSource, Instant.now(), 1_000, 100)).isEqualTo(500);
    assertThat(store.purgeExpired(dataSource, Instant.now(), 1_000, 100)).isZero();
    assertThat(count()).isEqualTo(1);
    assertThat(find("fresh", null, Instant.now())).isNotNull();
  }

  private int count() throws Exception {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT COUNT(*) FROM PUBLIC.\"requests\"")) {
      rows.next();
      return rows.getInt(1);
    }
  }
}
