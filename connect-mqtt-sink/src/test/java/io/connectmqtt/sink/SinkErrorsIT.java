package io.connectmqtt.sink;

import static io.connectmqtt.testkit.KafkaTopics.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectStack;
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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad records: to the dead letter topic with the reason when tolerated, else the task fails naming
 * the record.
 */
class SinkErrorsIT {

  private static HiveMqBroker hivemq;
  private static ConnectStack stack;

  @BeforeAll
  static void start() {
    hivemq = HiveMqBroker.start();
    stack = ConnectStack.start();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  private static void writeMixedRecords(String topic) {
    stack.topics().create(topic, 1);
    stack
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
        SinkRoutingIT.sinkConfig(
            "tolerant", "errors-tolerated", hivemq.uri(), "cmd/${value.device}");
    config.put("errors.tolerance", "all");
    config.put("errors.deadletterqueue.topic.name", "sink-dlq");
    config.put("errors.deadletterqueue.topic.replication.factor", "1");
    config.put("errors.deadletterqueue.context.headers.enable", "true");
    try (MqttRecorder subscriber = MqttRecorder.subscribe("errors-sub", hivemq.port(), "cmd/#")) {
      stack.rest().createOrReplace("tolerant", config);
      stack.rest().awaitRunning("tolerant", 1, Duration.ofSeconds(60));
      subscriber.awaitAtLeast(2, Duration.ofSeconds(30));
      List<ConsumerRecord<byte[], byte[]>> dead =
          stack.topics().readAll("sink-dlq", 3, Duration.ofSeconds(30));
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
      assertThat(stack.rest().status("tolerant").path("tasks").get(0).path("state").asText())
          .isEqualTo("RUNNING");
    }
    stack.rest().delete("tolerant");
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
    stack.topics().create("errors-refused", 1);
    stack
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
          SinkRoutingIT.sinkConfig(
              "refused", "errors-refused", mosquitto.uri(), "cmd/${value.device}");
      config.put("mqtt.username", "sink");
      config.put("mqtt.password", "sink-pw");
      config.put("errors.tolerance", "all");
      config.put("errors.deadletterqueue.topic.name", "refused-dlq");
      config.put("errors.deadletterqueue.topic.replication.factor", "1");
      config.put("errors.deadletterqueue.context.headers.enable", "true");
      stack.rest().createOrReplace("refused", config);
      stack.rest().awaitRunning("refused", 1, Duration.ofSeconds(60));
      List<ConsumerRecord<byte[], byte[]>> dead =
          stack.topics().readAll("refused-dlq", 1, Duration.ofSeconds(30));
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
          .containsExactly("cmd/allowed/d1", "cmd/allowed/d3");
      assertThat(stack.rest().status("refused").path("tasks").get(0).path("state").asText())
          .isEqualTo("RUNNING");
      stack.rest().delete("refused");
    }
  }

  @Test
  void untoleratedBadRecordFailsTheTaskNamingTheRecordAndTheReason() {
    writeMixedRecords("errors-strict");
    stack
        .rest()
        .createOrReplace(
            "strict",
            SinkRoutingIT.sinkConfig(
                "strict", "errors-strict", hivemq.uri(), "cmd/${value.device}"));
    Awaitility.await("task FAILED")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () ->
                "FAILED"
                    .equals(
                        stack.rest().status("strict").path("tasks").get(0).path("state").asText()));
    String trace = stack.rest().status("strict").path("tasks").get(0).path("trace").asText();
    assertThat(trace)
        .contains("record errors-strict-0@1")
        .contains("no field 'device'")
        .contains("errors.tolerance=all");
    stack.rest().delete("strict");
  }
}
