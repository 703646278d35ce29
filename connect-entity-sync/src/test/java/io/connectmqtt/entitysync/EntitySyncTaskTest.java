package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.BrokerAtStart;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.FakeSourceTaskContext;
import io.connectmqtt.testkit.H2Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.apache.kafka.connect.source.SourceRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The entity sync task's lifecycle against a {@link FakeMqttConnection}, a fake Connect context and
 * an in-memory H2 database: no broker, no Kafka, no database server.
 */
class EntitySyncTaskTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REQUESTS = "spec/c1/request";
  private static final String RESPONSES = "spec/c1/response";

  private H2Database h2;
  private final List<EntitySyncTask> started = new ArrayList<>();

  @BeforeEach
  void createTable() throws Exception {
    h2 = H2Database.start("entity-sync-task-" + System.nanoTime());
    try (Connection connection = h2.connection();
        Statement statement = connection.createStatement()) {
      statement.execute("create table public.notes (id integer primary key, body varchar(100))");
    }
  }

  @AfterEach
  void stop() {
    started.forEach(EntitySyncTask::stop);
    h2.close();
  }

  @Test
  void startSubscribesToTheRequestsOfEveryClient() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    start(broker, Map.of());

    assertThat(broker.connections()).hasSize(1);
    assertThat(broker.first().clientId()).isEqualTo("unit-entity-sync-0");
    // Requests are always taken at QoS 1 (no setting): acknowledged only once answered.
    assertThat(broker.first().subscriptions())
        .containsExactly(new FakeMqttConnection.Subscription(List.of("spec/+/request"), 1));
  }

  @Test
  void requestsAreAnsweredOnTheClientsResponseTopicAndAcknowledgedOnlyOnceTheReplyIs()
      throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = start(broker, Map.of(ProtocolConfig.REPLY_QOS_CONFIG, "2"));
    FakeMqttConnection connection = broker.first();

    FakeMqttConnection.Delivery ping = request(connection, "{\"id\":\"p1\",\"type\":\"ping\"}");
    assertThat(pollUntilPublished(task, connection, 1))
        .as("a ping writes nothing to Kafka")
        .isEmpty();
    assertThat(connection.published()).hasSize(1);
    FakeMqttConnection.Published pong = connection.published().get(0);
    assertThat(pong.message().topic()).isEqualTo(RESPONSES);
    assertThat(pong.message().qos()).as("entity.sync.reply.qos").isEqualTo(2);
    assertThat(reply(0, connection).path("id").asText()).isEqualTo("p1");
    assertThat(ping.acknowledged()).as("before the broker acknowledged the reply").isZero();
    connection.acknowledge(0);
    assertThat(ping.acknowledged()).as("once the reply is acknowledged").isEqualTo(1);

    FakeMqttConnection.Delivery create =
        request(
            connection,
            "{\"id\":\"c1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":7,\"body\":\"hello\"}}");
    List<SourceRecord> events = pollUntilPublished(task, connection, 2);
    events.addAll(pollUntil(task, records -> !records.isEmpty()));
    assertThat(reply(1, connection).path("id").asText()).isEqualTo("c1");
    assertThat(reply(1, connection).path("success").asBoolean())
        .as(reply(1, connection).toString())
        .isTrue();
    assertThat(rows()).containsExactly("7:hello");
    assertThat(events).as("the change event, from the outbox").hasSize(1);
    assertThat(events.get(0).topic()).isEqualTo("entity-changes");
    assertThat(create.acknowledged()).isZero();
    connection.acknowledge(1);
    assertThat(create.acknowledged()).isEqualTo(1);

    FakeMqttConnection.Delivery read =
        request(
            connection,
            "{\"id\":\"r1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}");
    pollUntilPublished(task, connection, 3);
    JsonNode rows = reply(2, connection);
    assertThat(rows.path("id").asText()).isEqualTo("r1");
    assertThat(rows.toString()).contains("\"body\":\"hello\"");
    connection.acknowledge(2);
    assertThat(read.acknowledged()).isEqualTo(1);
    assertThat(List.of(ping, create, read))
        .as("each request acknowledged exactly once")
        .allMatch(d -> d.acknowledged() == 1);
  }

  @Test
  void aReplyOverTheBrokersMaximumPacketSizeBecomesATooLargeErrorAndTheRequestIsAcknowledged()
      throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = start(broker, Map.of());
    FakeMqttConnection connection = broker.first().maximumPacketSize(2_048);
    for (int id = 0; id < 30; id++) {
      request(
          connection,
          "{\"id\":\"c"
              + id
              + "\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
              + "\"data\":{\"id\":"
              + id
              + ",\"body\":\""
              + "x".repeat(90)
              + "\"}}");
    }
    pollUntilPublished(task, connection, 30);
    connection.published().forEach(p -> p.acknowledgement().complete(null));

    FakeMqttConnection.Delivery read =
        request(
            connection,
            "{\"id\":\"r1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}");
    pollUntilPublished(task, connection, 31);
    int last = connection.published().size() - 1;
    JsonNode reply = reply(last, connection);
    assertThat(connection.published().get(last).message().payload().length)
        .as("what the client would have failed to send, or the broker refused")
        .isLessThan(2_048);
    assertThat(reply.path("id").asText()).isEqualTo("r1");
    assertThat(reply.path("success").asBoolean()).isFalse();
    assertThat(reply.path("error").path("code").asText()).isEqualTo("too_large");
    assertThat(reply.path("error").path("message").asText())
        .contains("maximum packet size of 2048 bytes")
        .contains("limit");
    connection.acknowledge(last);
    assertThat(read.acknowledged()).isEqualTo(1);
  }

  @Test
  void aReplyTheBrokerRefusesStillAcknowledgesItsRequest() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = start(broker, Map.of());
    FakeMqttConnection connection = broker.first();
    FakeMqttConnection.Delivery ping = request(connection, "{\"id\":\"p1\",\"type\":\"ping\"}");
    pollUntilPublished(task, connection, 1);
    connection.refuse(0, "PUBACK NOT_AUTHORIZED");
    assertThat(ping.acknowledged())
        .as(
            "redelivered, it would be refused again, and hold a place in the broker's window for good")
        .isEqualTo(1);
  }

  @Test
  void aPassThroughMessageIsAcknowledgedOnlyOnceKafkaHasItAndItsReplyIsAcknowledged()
      throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task =
        start(broker, Map.of(ProtocolConfig.PASS_THROUGH_TOPIC_CONFIG, "app-messages"));
    FakeMqttConnection connection = broker.first();

    FakeMqttConnection.Delivery message =
        request(connection, "{\"id\":\"m1\",\"type\":\"telemetry\",\"v\":1}");
    List<SourceRecord> records = pollUntil(task, polled -> !polled.isEmpty());

    assertThat(records).hasSize(1);
    SourceRecord forwarded = records.get(0);
    assertThat(forwarded).isInstanceOf(AckingRecord.class);
    assertThat(forwarded.topic()).isEqualTo("app-messages");
    assertThat(forwarded.key()).isEqualTo("c1");
    assertThat(forwarded.headers().lastWithName("mqtt.topic").value()).isEqualTo(REQUESTS);
    assertThat(connection.published()).extracting(p -> p.message().topic()).contains(RESPONSES);
    connection.acknowledge(0);
    assertThat(message.acknowledged()).as("reply acknowledged, Kafka not yet").isZero();
    task.commitRecord(forwarded, null);
    assertThat(message.acknowledged()).as("both done").isEqualTo(1);
  }

  /**
   * A request still unanswered after the park delay (here: waiting for a row lock) is stored and
   * acknowledged, so it no longer holds the broker's window; another client's request is answered
   * meanwhile, and the stored row goes once the parked request is answered.
   */
  @Test
  void aRequestUnansweredAfterTheParkDelayIsParkedAndHoldsUpNoOtherClient() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = startParkingAfter50Ms(broker, Map.of());
    FakeMqttConnection connection = broker.first();
    FakeMqttConnection.Delivery update;
    try (Connection locker = lockedNote()) {
      update = updateNoteOne(connection);
      pollUntil(task, records -> update.acknowledged() == 1);
      assertThat(connection.published()).as("acknowledged before it is answered").isEmpty();
      assertThat(parkedRows()).isEqualTo(1);

      pingFromAnotherClient(connection);
      pollUntilPublished(task, connection, 1);
      assertThat(reply(0, connection).path("id").asText())
          .as("another client, answered while the update waits")
          .isEqualTo("p2");
      connection.acknowledge(0);
      locker.rollback();
    }
    pollUntilPublished(task, connection, 2);
    assertThat(reply(1, connection).path("success").asBoolean())
        .as(reply(1, connection).toString())
        .isTrue();
    assertThat(rows()).containsExactly("1:after");
    assertThat(parkedRows())
        .as("the update's row stays until its reply is acknowledged")
        .isPositive();
    connection.acknowledge(1);
    pollUntil(task, records -> parkedRows() == 0);
    assertThat(update.acknowledged()).as("exactly once").isEqualTo(1);
  }

  /**
   * With every worker waiting for the database (here the only one, on a lock), another client's
   * request that waits for a worker is parked too once no worker finished a request for the park
   * delay; it is answered once a worker is free.
   */
  @Test
  void aRequestWaitingForABusyWorkerIsParkedToo() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = startParkingAfter50Ms(broker, Map.of(DatabaseConfig.WORKERS_CONFIG, "1"));
    FakeMqttConnection connection = broker.first();
    FakeMqttConnection.Delivery ping;
    try (Connection locker = lockedNote()) {
      updateNoteOne(connection);
      ping = pingFromAnotherClient(connection);
      pollUntil(task, records -> ping.acknowledged() == 1);
      assertThat(connection.published()).as("acknowledged before it is answered").isEmpty();
      locker.rollback();
    }
    pollUntilPublished(task, connection, 2);
    assertThat(connection.published())
        .extracting(p -> JSON.readTree(p.message().payload()).path("id").asText())
        .containsExactlyInAnyOrder("u1", "p2");
    assertThat(ping.acknowledged()).isEqualTo(1);
  }

  /**
   * Once the task parked queue.capacity requests (here: a client's update waiting for a lock, and
   * the one waiting behind it), that client's next request is refused at once with unavailable, and
   * acknowledged once the refusal is; another client is still served.
   */
  @Test
  void aClientWithRequestsWaitingIsRefusedOnceTheTaskParkedAllItMay() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task =
        startParkingAfter50Ms(broker, Map.of(LimitsConfig.QUEUE_CAPACITY_CONFIG, "2"));
    FakeMqttConnection connection = broker.first();
    String update =
        "{\"id\":\"u%d\",\"type\":\"request\",\"operation\":\"update\","
            + "\"entity\":\"notes\",\"record_id\":1,\"data\":{\"body\":\"v%d\"}}";
    FakeMqttConnection.Delivery third;
    try (Connection locker = lockedNote()) {
      FakeMqttConnection.Delivery first = request(connection, update.formatted(1, 1));
      FakeMqttConnection.Delivery second = request(connection, update.formatted(2, 2));
      pollUntil(task, records -> first.acknowledged() + second.acknowledged() == 2);
      assertThat(parkedRows()).isEqualTo(2);
      third = request(connection, update.formatted(3, 3));
      pollUntilPublished(task, connection, 1);
      JsonNode refused = reply(0, connection);
      assertThat(refused.path("id").asText()).isEqualTo("u3");
      assertThat(refused.path("error").path("code").asText()).isEqualTo("unavailable");
      assertThat(refused.path("error").path("message").asText())
          .contains("busy with slow requests");
      connection.acknowledge(0);
      assertThat(third.acknowledged()).isEqualTo(1);
      pingFromAnotherClient(connection);
      pollUntilPublished(task, connection, 2);
      assertThat(reply(1, connection).path("type").asText())
          .as("a client with nothing waiting")
          .isEqualTo("pong");
      locker.rollback();
    }
    pollUntilPublished(task, connection, 4);
    assertThat(rows()).containsExactly("1:v2");
  }

  /**
   * A parked request whose task stopped before answering it (its lease ran out) is served by the
   * next task, and its row deleted once answered.
   */
  @Test
  void aParkedRequestLeftByAStoppedTaskIsServedByTheNextTask() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = start(broker, Map.of());
    byte[] create =
        ("{\"id\":\"c9\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":9,\"body\":\"parked\"}}")
            .getBytes(StandardCharsets.UTF_8);
    try (Connection connection = h2.connection()) {
      parkedTable()
          .park(
              connection,
              List.of(
                  InboundMessage.withoutProperties(
                      REQUESTS, create, 1, OptionalInt.empty(), 0, () -> {})),
              System.currentTimeMillis() - 1);
    }
    pollUntilPublished(task, broker.first(), 1);
    assertThat(reply(0, broker.first()).path("id").asText()).isEqualTo("c9");
    assertThat(broker.first().published().get(0).message().topic()).isEqualTo(RESPONSES);
    assertThat(rows()).containsExactly("9:parked");
    broker.first().acknowledge(0);
    pollUntil(task, records -> parkedRows() == 0);
  }

  @Test
  void aConnectionRefusedForGoodAtStartFailsTheTask() {
    FakeMqttConnection.Factory broker = BrokerAtStart.refusingTls();
    BrokerAtStart.assertRefusedForGood(() -> start(broker, Map.of()), broker, "unit-entity-sync-0");
  }

  @Test
  void aBrokerAwayAtStartLeavesTheTaskRunning() throws Exception {
    FakeMqttConnection.Factory broker = BrokerAtStart.away();
    EntitySyncTask task = start(broker, Map.of());
    BrokerAtStart.assertStillRunning(task::poll, broker);
  }

  @Test
  void stopClosesTheConnectionAndLeavesUnansweredRequestsToTheBroker() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    EntitySyncTask task = start(broker, Map.of());
    FakeMqttConnection.Delivery ping = request(broker.first(), "{\"id\":\"p1\",\"type\":\"ping\"}");
    pollUntilPublished(task, broker.first(), 1);

    started.remove(task);
    task.stop();

    assertThat(broker.first().closed()).isTrue();
    assertThat(ping.acknowledged()).as("reply never acknowledged: redelivered instead").isZero();
  }

  /**
   * A task that parks a request after 50 ms, its statements waiting up to 5 s for a lock (longer
   * than any of these tests holds one), with {@code extra} settings.
   */
  private EntitySyncTask startParkingAfter50Ms(
      FakeMqttConnection.Factory broker, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>(extra);
    props.put(StateTablesConfig.PARK_AFTER_MS_CONFIG, "50");
    props.put(DatabaseConfig.STATEMENT_TIMEOUT_CONFIG, "5000");
    return start(broker, props);
  }

  private EntitySyncTask start(FakeMqttConnection.Factory broker, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>();
    props.put("name", "unit-entity-sync");
    props.put("entity.sync.auth", "none");
    props.put(MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://fake-broker:1883");
    props.put(DatabaseConfig.DATABASE_URL_CONFIG, h2.jdbcUrl());
    props.put(DatabaseConfig.DATABASE_USER_CONFIG, "sa");
    props.put(DatabaseConfig.ENTITIES_CONFIG, "public.notes");
    props.putAll(extra);
    EntitySyncTask task = new EntitySyncTask(broker);
    task.initialize(new FakeSourceTaskContext(props));
    started.add(task);
    task.start(props);
    return task;
  }

  /**
   * Polls {@code task} until {@code connection} published {@code count} messages (requests are
   * served on the task's workers); returns the records polled meanwhile.
   */
  private static List<SourceRecord> pollUntilPublished(
      EntitySyncTask task, FakeMqttConnection connection, int count) {
    return pollUntil(task, records -> connection.published().size() >= count);
  }

  /** Polls {@code task} until the records polled so far satisfy {@code done}; returns them. */
  private static List<SourceRecord> pollUntil(
      EntitySyncTask task, Predicate<List<SourceRecord>> done) {
    List<SourceRecord> records = new ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(1))
        .until(
            () -> {
              List<SourceRecord> polled = task.poll();
              if (polled != null) {
                records.addAll(polled);
              }
              return done.test(records);
            });
    return records;
  }

  private static FakeMqttConnection.Delivery request(FakeMqttConnection connection, String json) {
    return connection.deliver(REQUESTS, json.getBytes(StandardCharsets.UTF_8), 1);
  }

  /** Client c1's update u1 of note 1 (body "after"). */
  private static FakeMqttConnection.Delivery updateNoteOne(FakeMqttConnection connection) {
    return request(
        connection,
        "{\"id\":\"u1\",\"type\":\"request\",\"operation\":\"update\","
            + "\"entity\":\"notes\",\"record_id\":1,\"data\":{\"body\":\"after\"}}");
  }

  /** Client c2's ping p2. */
  private static FakeMqttConnection.Delivery pingFromAnotherClient(FakeMqttConnection connection) {
    return connection.deliver(
        "spec/c2/request", "{\"id\":\"p2\",\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8), 1);
  }

  private static JsonNode reply(int index, FakeMqttConnection connection) throws Exception {
    return JSON.readTree(connection.published().get(index).message().payload());
  }

  /**
   * A connection whose open transaction holds the lock of note 1 ("before"), created first; roll it
   * back to let go.
   */
  private Connection lockedNote() throws SQLException {
    Connection locker = h2.connection();
    try (Statement statement = locker.createStatement()) {
      statement.execute("insert into public.notes values (1, 'before')");
      locker.setAutoCommit(false);
      statement.executeQuery("select * from public.notes where id = 1 for update").close();
      return locker;
    } catch (SQLException e) {
      locker.close();
      throw e;
    }
  }

  private static ParkedRequests parkedTable() {
    return new ParkedRequests(
        Dialect.H2, "public", "entity_sync_requests_parked", new ObjectMapper());
  }

  private long parkedRows() {
    try (Connection connection = h2.connection()) {
      return parkedTable().size(connection);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> rows() throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = h2.connection();
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("select id, body from public.notes")) {
      while (result.next()) {
        rows.add(result.getInt(1) + ":" + result.getString(2));
      }
    }
    return rows;
  }
}
