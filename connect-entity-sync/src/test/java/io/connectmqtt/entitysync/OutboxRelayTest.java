package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox on H2 with two relays (two tasks) and a clock the test moves: events are written with
 * the change and only with it, one relay sends at a time, rows go once Kafka acknowledged them, and
 * a relay that dies leaves its unacknowledged rows to the next holder of the lease (sent again with
 * the same event id, nothing lost).
 */
class OutboxRelayTest {

  private TestBackend backend;
  private HikariDataSource dataSource;
  private RequestProcessor processor;
  private final AtomicLong clock = new AtomicLong(1_000_000);

  @BeforeEach
  void start() throws Exception {
    backend =
        TestBackend.start(
            "outbox-" + System.nanoTime(),
            "notes",
            "id integer primary key, body varchar(100)",
            Map.of());
    dataSource = backend.dataSource;
    processor = backend.processor(Map.of(), List.of());
  }

  @AfterEach
  void stop() {
    backend.close();
  }

  private OutboxRelay relay(int maxInFlight) {
    return relay(maxInFlight, "sync");
  }

  private OutboxRelay relay(int maxInFlight, String connector) {
    return new OutboxRelay(
        dataSource,
        processor.outbox(),
        new ObjectMapper(),
        "changes",
        "subscriptions",
        10_000,
        maxInFlight,
        clock::get,
        connector);
  }

  private String send(String request) {
    return processor
        .handle("c1", request.getBytes(StandardCharsets.UTF_8), Map.of(), Optional.empty())
        .outcome();
  }

  private long waiting() throws Exception {
    try (Connection connection = dataSource.getConnection()) {
      return processor.outbox().size(connection);
    }
  }

  private static String eventId(SourceRecord record) {
    return (String) record.headers().lastWithName(OutboxRelay.EVENT_ID_HEADER).value();
  }

  @Test
  void anEventIsWrittenWithItsChangeAndOnlyWithIt() throws Exception {
    assertThat(
            send(
                "{\"id\":\"1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                    + "\"data\":{\"id\":1,\"body\":\"a\"}}"))
        .isEqualTo("ok");
    // Rolled back (a duplicate key): no event.
    assertThat(
            send(
                "{\"id\":\"2\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                    + "\"data\":{\"id\":1,\"body\":\"b\"}}"))
        .isEqualTo("conflict");
    // The same request again: its recorded reply, no second event.
    assertThat(
            send(
                "{\"id\":\"1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                    + "\"data\":{\"id\":1,\"body\":\"a\"}}"))
        .isEqualTo("ok");
    assertThat(
            send("{\"id\":\"3\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}"))
        .isEqualTo("ok");
    assertThat(waiting()).isEqualTo(1);
  }

  @Test
  void oneRelaySendsInCommitOrderAndDeletesOnlyWhatKafkaAcknowledged() throws Exception {
    for (int i = 1; i <= 5; i++) {
      assertThat(
              send(
                  "{\"id\":\"u"
                      + i
                      + "\",\"type\":\"request\",\"operation\":\""
                      + (i == 1 ? "create" : "update")
                      + "\",\"entity\":\"notes\",\"data\":{\"id\":7,\"body\":\"v"
                      + i
                      + "\"}}"))
          .isEqualTo("ok");
    }
    OutboxRelay first = relay(100);
    OutboxRelay second = relay(100);
    List<SourceRecord> sent = first.poll();
    assertThat(second.poll()).as("the other task does not relay while the lease is held").isEmpty();
    assertThat(sent)
        .extracting(r -> ((Map<?, ?>) r.value()).get("after").toString())
        .containsExactly(
            "{id=7, body=v1}",
            "{id=7, body=v2}",
            "{id=7, body=v3}",
            "{id=7, body=v4}",
            "{id=7, body=v5}");
    assertThat(first.poll()).as("in flight, not sent twice").isEmpty();
    sent.subList(0, 2).forEach(first::acknowledged);
    first.poll();
    assertThat(waiting()).as("acknowledged rows deleted, the others kept").isEqualTo(3);
  }

  @Test
  void aRelayThatDiesLeavesItsRowsToTheNextOneAndNothingIsLost() throws Exception {
    for (int i = 1; i <= 10; i++) {
      send(
          "{\"id\":\"c"
              + i
              + "\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
              + "\"data\":{\"id\":"
              + i
              + ",\"body\":\"x\"}}");
    }
    OutboxRelay dying = relay(4);
    List<SourceRecord> beforeDeath = new ArrayList<>(dying.poll());
    assertThat(beforeDeath).hasSize(4);
    dying.acknowledged(beforeDeath.get(0));
    dying.acknowledged(beforeDeath.get(1));
    dying.poll(); // deletes the two acknowledged, sends two more
    // The task dies: nothing of it runs any more. Within the lease the other waits; after it, it
    // takes over.
    OutboxRelay next = relay(100);
    assertThat(next.poll()).isEmpty();
    clock.addAndGet(10_001);
    List<SourceRecord> afterDeath = next.poll();
    afterDeath.forEach(next::acknowledged);
    next.poll();
    assertThat(waiting()).isZero();
    List<String> ids = new ArrayList<>();
    beforeDeath.forEach(r -> ids.add(eventId(r)));
    afterDeath.forEach(r -> ids.add(eventId(r)));
    assertThat(ids.stream().distinct().count()).as("every event sent").isEqualTo(10);
    assertThat(afterDeath)
        .as("the dead relay's unacknowledged rows again, nothing else twice")
        .hasSize(8);
  }

  /**
   * Two connectors with the same state tables: the holder of the lease would send the other's
   * change events to its own topics, so the other fails, at start and at any poll that finds the
   * lease held by another connector, and says which key to set.
   */
  @Test
  void aSecondConnectorOnTheSameOutboxFailsInsteadOfLendingItsEvents() throws Exception {
    send(
        "{\"id\":\"s1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
            + "\"data\":{\"id\":1,\"body\":\"x\"}}");
    OutboxRelay shopA = relay(100, "shop-a");
    assertThat(shopA.poll()).hasSize(1);

    OutboxRelay shopB = relay(100, "shop-b");
    assertThatThrownBy(shopB::poll)
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("'shop-a'")
        .hasMessageContaining(StateTablesConfig.STATE_TABLE_CONFIG);
    try (Connection connection = dataSource.getConnection()) {
      assertThatThrownBy(
              () -> processor.outbox().refuseSharedLease(connection, "shop-b", clock.get()))
          .as("the check a task makes before it serves requests")
          .isInstanceOf(ConnectException.class);
      processor.outbox().refuseSharedLease(connection, "shop-a", clock.get());
    }
    assertThat(relay(100, "shop-a").poll())
        .as("another task of the holder's connector waits, as before")
        .isEmpty();

    // A connector renamed: the old one stopped cleanly (or its lease lapsed), the new one relays.
    shopA.release();
    assertThat(shopB.poll()).as("the outbox's rows, to the new connector's topics").hasSize(1);
  }
}
