package io.connectmqtt.sink;

import static io.connectmqtt.testkit.KafkaTopics.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.FailedTask;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad records: to the dead letter topic with the reason when tolerated, else the task fails naming
 * the record.
 */
class SinkErrorsIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures = BrokerWithConnect.hivemq();

  private static void writeMixedRecords(String topic) {
    fixtures.topics().create(topic, 1);
    fixtures
        .topics()
        .send(
            List.of(
                record(topic, "a", "{\"device\":\"d1\"}"),
                record(topic, "b", "{\"nodevice\":1}"),
                record(topic, "c", "{\"device\":\"has+wildcard\"}"),
                record(topic, "d", "{\"device\":\"d2\"}"),
                record(topic, "e", "{\"device\":\"d3\"}", "mqtt.qos", "7")));
  }

  @Test
  void toleratedBadRecordsGoToTheDeadLetterTopicWithTheReason() {
    writeMixedRecords("errors-tolerated");
    Map<String, String> config =
        SinkConfigs.json("errors-tolerated", fixtures.broker().uri(), "cmd/${value.device}");
    config.put("errors.tolerance", "all");
    config.put("errors.deadletterqueue.topic.name", "sink-dlq");
    config.put("errors.deadletterqueue.topic.replication.factor", "1");
    config.put("errors.deadletterqueue.context.headers.enable", "true");
    try (MqttRecorder subscriber =
        MqttRecorder.subscribe("errors-sub", fixtures.broker().port(), "cmd/#")) {
      fixtures.startConnector("tolerant", config);
      subscriber.awaitAtLeast(2, Duration.ofSeconds(30));
      List<ConsumerRecord<byte[], byte[]>> dead =
          fixtures.topics().readAll("sink-dlq", 3, Duration.ofSeconds(30));
      assertThat(dead).hasSize(3);
      assertThat(dead)
          .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
          .containsExactly("b", "c", "e");
      List<String> reasons =
          dead.stream()
              .map(
                  r ->
                      new String(
                          r.headers().lastHeader("__connect.errors.exception.message").value(),
                          StandardCharsets.UTF_8))
              .toList();
      assertThat(reasons.get(0)).contains("no field 'device'");
      assertThat(reasons.get(1)).contains("cmd/has+wildcard").contains("wildcards");
      assertThat(reasons.get(2)).contains("mqtt.qos").contains("0, 1 or 2");
      assertThat(subscriber.received())
          .extracting(p -> p.getTopic().toString())
          .containsExactlyInAnyOrder("cmd/d1", "cmd/d2");
      assertThat(fixtures.rest().taskState("tolerant")).isEqualTo("RUNNING");
    }
    fixtures.rest().delete("tolerant");
  }

  /**
   * A PUBACK with an error reason code (mosquitto's ACL) is a refusal: dead-lettered with the
   * reason code.
   */
  @Test
  void aPublishTheBrokerRefusesGoesToTheDeadLetterTopicWithTheReasonCode() throws Exception {
    MosquittoBroker.assumeAvailable();
    Path acl = Files.createTempDirectory(ProjectLayout.scratch("acl-"), "acl").resolve("acl");
    Files.writeString(
        acl,
        """
        topic read cmd/#
        user sink
        topic write cmd/allowed/#
        """);
    fixtures.topics().create("errors-refused", 1);
    fixtures
        .topics()
        .send(
            List.of(
                record("errors-refused", "a", "{\"device\":\"allowed/d1\"}"),
                record("errors-refused", "b", "{\"device\":\"denied/d2\"}"),
                record("errors-refused", "c", "{\"device\":\"allowed/d3\"}")));
    try (MosquittoBroker mosquitto = MosquittoBroker.startWithAcl(acl, "sink", "sink-pw");
        MqttRecorder subscriber =
            MqttRecorder.subscribe("refused-sub", mosquitto.port(), "cmd/#")) {
      Map<String, String> config =
          SinkConfigs.json("errors-refused", mosquitto.uri(), "cmd/${value.device}");
      config.put("mqtt.username", "sink");
      config.put("mqtt.password", "sink-pw");
      config.put("errors.tolerance", "all");
      config.put("errors.deadletterqueue.topic.name", "refused-dlq");
      config.put("errors.deadletterqueue.topic.replication.factor", "1");
      config.put("errors.deadletterqueue.context.headers.enable", "true");
      fixtures.startConnector("refused", config);
      List<ConsumerRecord<byte[], byte[]>> dead =
          fixtures.topics().readAll("refused-dlq", 1, Duration.ofSeconds(30));
      assertThat(dead)
          .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
          .containsExactly("b");
      assertThat(
              new String(
                  dead.get(0).headers().lastHeader("__connect.errors.exception.message").value(),
                  StandardCharsets.UTF_8))
          .contains("cmd/denied/d2")
          .contains("PUBACK NOT_AUTHORIZED");
      subscriber.awaitAtLeast(2, Duration.ofSeconds(30));
      assertThat(subscriber.received())
          .extracting(p -> p.getTopic().toString())
          // Two topics: MQTT orders neither before the other.
          .containsExactlyInAnyOrder("cmd/allowed/d1", "cmd/allowed/d3");
      assertThat(fixtures.rest().taskState("refused")).isEqualTo("RUNNING");
      fixtures.rest().delete("refused");
    }
  }

  @Test
  void untoleratedBadRecordFailsTheTaskNamingTheRecordAndTheReason() {
    writeMixedRecords("errors-strict");
    fixtures
        .rest()
        .createOrReplace(
            "strict",
            SinkConfigs.json("errors-strict", fixtures.broker().uri(), "cmd/${value.device}"));
    String trace = FailedTask.awaitTrace(fixtures.rest(), "strict", Duration.ofSeconds(60));
    assertThat(trace)
        .contains("record errors-strict-0@1")
        .contains("no field 'device'")
        .contains("errors.tolerance=all");
    fixtures.rest().delete("strict");
  }
}
