package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.BrokerAtStart;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttHeaders;
import io.connectmqtt.testkit.FakeSourceTaskContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The source task's lifecycle against a {@link FakeMqttConnection} and a fake Connect context: no
 * broker, no Kafka, milliseconds per test.
 */
class MqttSourceTaskTest {

  private final List<MqttSourceTask> started = new ArrayList<>();

  @AfterEach
  void stopTasks() {
    started.forEach(MqttSourceTask::stop);
  }

  @Test
  void pollReturnsRecordsWithHeadersAndTheMessageIsAcknowledgedOnlyOnCommit() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    MqttSourceTask task = start(broker, Map.of());
    FakeMqttConnection connection = broker.first();
    // With one connection and shared subscriptions on offer, the client ids a run with more
    // connections would have used are connected once; without a session there, it is ended.
    List<FakeMqttConnection> retired = broker.connections().subList(1, broker.connections().size());
    assertThat(retired)
        .extracting(FakeMqttConnection::clientId)
        .containsExactlyElementsOf(
            IntStream.range(1, SubscriptionConfig.MAX_CONNECTIONS)
                .mapToObj(k -> "unit-source-0-c" + k)
                .toList());
    Awaitility.await("retired sessions ended")
        .atMost(Duration.ofSeconds(5))
        .until(() -> retired.stream().allMatch(FakeMqttConnection::sessionEnded));
    assertThat(retired).allMatch(c -> c.subscriptions().isEmpty());
    assertThat(connection.subscriptions())
        .containsExactly(new FakeMqttConnection.Subscription(List.of("sensors/#"), 1));

    FakeMqttConnection.Delivery first =
        connection.deliver("sensors/room-1", "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8), 1);
    FakeMqttConnection.Delivery second =
        connection.deliver("sensors/room-2", "{\"t\":19}".getBytes(StandardCharsets.UTF_8), 1);
    List<SourceRecord> records = task.poll();

    assertThat(records).hasSize(2);
    SourceRecord record = records.get(0);
    assertThat(record.topic()).isEqualTo("mqtt-in");
    assertThat(record.key()).isEqualTo("sensors/room-1");
    assertThat(record.headers().lastWithName(MqttHeaders.TOPIC).value())
        .isEqualTo("sensors/room-1");
    assertThat(record.headers().lastWithName(MqttHeaders.QOS).value()).isEqualTo(1);
    assertThat(record.headers().lastWithName(MqttHeaders.MESSAGE_ID).value())
        .isEqualTo(first.message().packetId().getAsInt());
    assertThat(first.acknowledged()).as("acknowledged before Kafka had the record").isZero();

    task.commitRecord(record, null);
    assertThat(first.acknowledged()).as("acknowledgements after commitRecord").isEqualTo(1);
    assertThat(second.acknowledged()).as("the record not committed yet").isZero();
    task.commitRecord(records.get(1), null);
    assertThat(second.acknowledged()).isEqualTo(1);
  }

  @Test
  void stopClosesTheConnectionAndLeavesUncommittedMessagesToTheBroker() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    MqttSourceTask task = start(broker, Map.of());
    FakeMqttConnection.Delivery delivery =
        broker.first().deliver("sensors/a", "1".getBytes(StandardCharsets.UTF_8), 1);
    assertThat(task.poll()).hasSize(1);

    started.remove(task);
    task.stop();

    assertThat(broker.first().closed()).isTrue();
    assertThat(delivery.acknowledged()).as("redelivered by the broker instead").isZero();
  }

  @Test
  void aConnectionRefusedForGoodAtStartFailsTheTask() {
    FakeMqttConnection.Factory broker = BrokerAtStart.refusingTls();
    BrokerAtStart.assertRefusedForGood(() -> start(broker, Map.of()), broker, "unit-source-0");
  }

  @Test
  void aBrokerAwayAtStartLeavesTheTaskRunningAndReconnecting() throws Exception {
    FakeMqttConnection.Factory broker = BrokerAtStart.away();
    MqttSourceTask task = start(broker, Map.of());
    BrokerAtStart.assertStillRunning(task::poll, broker);
  }

  @Test
  void aRefusedSubscriptionFailsPollWithWhatToCheck() {
    FakeMqttConnection.Factory broker =
        new FakeMqttConnection.Factory(c -> c.refuseSubscription("sensors/#", "NOT_AUTHORIZED"));
    MqttSourceTask task = start(broker, Map.of());

    assertThatThrownBy(task::poll)
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("MQTT subscription failed")
        .hasMessageContaining("NOT_AUTHORIZED")
        .hasMessageContaining("sensors/#");
  }

  @Test
  void aConnectionThatCannotRecoverFailsPoll() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    MqttSourceTask task = start(broker, Map.of());
    broker.first().failFatally(new IllegalStateException("not authorized any more"));

    assertThatThrownBy(task::poll)
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("refused the connection for good")
        .hasMessageContaining("not authorized any more");
  }

  @Test
  void messagesDeliveredAfterAReconnectArePolledLikeAnyOther() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    MqttSourceTask task = start(broker, Map.of());
    FakeMqttConnection connection = broker.first();
    connection.disconnect();
    connection.reconnect();
    FakeMqttConnection.Delivery redelivered =
        connection.deliver("sensors/a", "2".getBytes(StandardCharsets.UTF_8), 1);

    List<SourceRecord> records = task.poll();
    assertThat(records).hasSize(1);
    task.commitRecord(records.get(0), null);
    assertThat(redelivered.acknowledged()).isEqualTo(1);
    assertThat(connection.subscriptions()).as("the session keeps the subscription").hasSize(1);
  }

  private MqttSourceTask start(FakeMqttConnection.Factory broker, Map<String, String> extra) {
    Map<String, String> props = new HashMap<>();
    props.put("name", "unit-source");
    props.put(MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://fake-broker:1883");
    props.put(SubscriptionConfig.TOPICS_CONFIG, "sensors/#");
    props.put(RecordMappingConfig.KAFKA_TOPIC_CONFIG, "mqtt-in");
    props.put(SubscriptionConfig.CONNECTIONS_CONFIG, "1");
    props.put(IntakeConfig.POLL_TIMEOUT_CONFIG, "50");
    props.putAll(extra);
    MqttSourceTask task = new MqttSourceTask(broker);
    task.initialize(new FakeSourceTaskContext(props));
    task.start(props);
    started.add(task);
    return task;
  }
}
