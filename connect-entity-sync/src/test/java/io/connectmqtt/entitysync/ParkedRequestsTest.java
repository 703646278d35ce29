package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.InboundMessage;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The parked requests table on H2: what is stored comes back, in order, once, to one task. */
class ParkedRequestsTest {

  private final ParkedRequests table =
      new ParkedRequests(Dialect.H2, "PUBLIC", "parked", new ObjectMapper());
  private Connection connection;

  @BeforeEach
  void createTable() throws Exception {
    connection = DriverManager.getConnection("jdbc:h2:mem:parked-" + System.nanoTime(), "sa", "");
    try (Statement statement = connection.createStatement()) {
      for (String ddl : table.ddl(Dialect.H2)) {
        statement.execute(ddl);
        statement.execute(ddl); // a restarted task runs them again
      }
    }
  }

  @AfterEach
  void close() throws Exception {
    connection.close();
  }

  @Test
  void aTakenOverRequestComesBackAsItWasSent() throws Exception {
    InboundMessage sent =
        new InboundMessage(
            "spec/c1/request",
            new byte[] {'{', '}', (byte) 0xff},
            1,
            false,
            false,
            OptionalInt.of(7),
            Optional.empty(),
            Optional.of("spec/c1/response/x"),
            Optional.of("corr".getBytes(StandardCharsets.UTF_8)),
            Optional.empty(),
            OptionalLong.empty(),
            List.of(Map.entry("authorization", "Bearer t"), Map.entry("authorization", "again")),
            0,
            () -> {});
    table.park(connection, List.of(sent), 0);

    List<ParkedRequests.Parked> taken = table.takeOver(connection, 1, 10_000, 10);

    assertThat(taken).hasSize(1);
    InboundMessage back = taken.get(0).message();
    assertThat(back.topic()).isEqualTo(sent.topic());
    assertThat(back.payload()).isEqualTo(sent.payload());
    assertThat(back.responseTopic()).isEqualTo(sent.responseTopic());
    assertThat(back.correlationData().orElseThrow()).isEqualTo(sent.correlationData().get());
    assertThat(back.userProperties()).isEqualTo(sent.userProperties());
    assertThat(table.takeOver(connection, 1, 10_000, 10)).as("leased now").isEmpty();
    assertThat(table.takeOver(connection, 10_001, 20_000, 10)).as("lease ended").hasSize(1);
  }

  /**
   * A client's requests come back in the order they were parked; a task that finds one of them
   * taken by another task leaves that client's later ones to it too, so they are served in order.
   */
  @Test
  void aClientsRequestsAreTakenOverInOrderAndByOneTask() throws Exception {
    table.park(connection, List.of(request("c1", "1"), request("c2", "1")), 0);
    table.park(connection, List.of(request("c1", "2"), request("c1", "3")), 0);

    List<ParkedRequests.Parked> all = table.takeOver(connection, 1, 100, 10);
    assertThat(all)
        .extracting(p -> p.message().topic() + ":" + new String(p.message().payload()))
        .containsExactly(
            "spec/c1/request:1", "spec/c2/request:1", "spec/c1/request:2", "spec/c1/request:3");

    try (Statement statement = connection.createStatement()) {
      // Another task took c1's first request; the others lapsed.
      statement.execute(
          "update \"parked\" set lease_until = case when id = '"
              + all.get(0).id()
              + "' then 10000 else 0 end");
    }
    assertThat(table.takeOver(connection, 1_000, 2_000, 10))
        .extracting(p -> p.message().topic())
        .containsExactly("spec/c2/request");
  }

  @Test
  void aRowThatCannotBeReadIsDeletedNotServed() throws Exception {
    table.park(connection, List.of(request("c1", "1")), 0);
    try (Statement statement = connection.createStatement()) {
      statement.execute("update \"parked\" set payload = '%%% not base64'");
    }
    assertThat(table.takeOver(connection, 1, 100, 10)).isEmpty();
    assertThat(table.size(connection)).isZero();
  }

  private static InboundMessage request(String client, String payload) {
    return InboundMessage.withoutProperties(
        "spec/" + client + "/request",
        payload.getBytes(StandardCharsets.UTF_8),
        1,
        OptionalInt.empty(),
        0,
        () -> {});
  }
}
