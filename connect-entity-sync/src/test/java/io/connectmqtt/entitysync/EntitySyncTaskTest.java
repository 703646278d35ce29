package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.BrokerAtStart;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.FakeSourceTaskContext;
import io.connectmqtt.testkit.H2Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.source.SourceRecord;
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
    assertThat(task.poll()).as("a ping writes nothing to Kafka").isNullOrEmpty();
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
    assertThat(task.poll()).as("the outbox is relayed at the next poll").isNullOrEmpty();
    List<SourceRecord> events = task.poll();
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
    task.poll();
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
    task.poll();
    connection.published().forEach(p -> p.acknowledgement().complete(null));

    FakeMqttConnection.Delivery read =
        request(
            connection,
            "{\"id\":\"r1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"notes\"}");
    task.poll();
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
    task.poll();
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
    List<SourceRecord> records = task.poll();

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
    task.poll();

    started.remove(task);
    task.stop();

    assertThat(broker.first().closed()).isTrue();
    assertThat(ping.acknowledged()).as("reply never acknowledged: redelivered instead").isZero();
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

  private static FakeMqttConnection.Delivery request(FakeMqttConnection connection, String json) {
    return connection.deliver(REQUESTS, json.getBytes(StandardCharsets.UTF_8), 1);
  }

  private static JsonNode reply(int index, FakeMqttConnection connection) throws Exception {
    return JSON.readTree(connection.published().get(index).message().payload());
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
