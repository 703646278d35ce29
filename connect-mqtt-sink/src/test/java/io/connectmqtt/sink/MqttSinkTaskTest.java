package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.FakeSinkTaskContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

/** The sink task against a {@link FakeMqttConnection}: no broker, no Kafka. */
class MqttSinkTaskTest {

  private static final TopicPartition PARTITION = new TopicPartition("alarms", 0);

  @Test
  void offsetsAreCommittedOnlyForMessagesTheBrokerAcknowledged() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    Map<String, String> props =
        Map.of(
            "name",
            "unit-sink",
            MqttConnectionConfig.SERVER_URIS_CONFIG,
            "tcp://fake-broker:1883",
            MqttSinkConfig.TOPIC_CONFIG,
            "alerts/out");
    MqttSinkTask task = new MqttSinkTask(broker);
    task.initialize(new FakeSinkTaskContext(props, Set.of(PARTITION)));
    task.start(props);
    try {
      task.put(
          List.of(
              new SinkRecord("alarms", 0, null, null, Schema.STRING_SCHEMA, "hot", 41),
              new SinkRecord("alarms", 0, null, null, Schema.STRING_SCHEMA, "hotter", 42)));
      FakeMqttConnection connection = broker.first();
      assertThat(connection.published()).hasSize(2);
      assertThat(connection.published().get(0).message().topic()).isEqualTo("alerts/out");
      assertThat(
              new String(connection.published().get(1).message().payload(), StandardCharsets.UTF_8))
          .contains("hotter");
      Map<TopicPartition, OffsetAndMetadata> current = Map.of(PARTITION, new OffsetAndMetadata(43));

      assertThat(task.preCommit(current))
          .as("nothing acknowledged yet")
          .doesNotContainKey(PARTITION);
      connection.acknowledge(1);
      assertThat(task.preCommit(current))
          .as("41 not acknowledged: 42 must wait")
          .doesNotContainKey(PARTITION);
      connection.acknowledge(0);
      assertThat(task.preCommit(current).get(PARTITION).offset()).isEqualTo(43);
    } finally {
      task.stop();
    }
    assertThat(broker.first().closed()).isTrue();
  }
}
