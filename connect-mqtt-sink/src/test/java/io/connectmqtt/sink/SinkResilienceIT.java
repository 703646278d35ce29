package io.connectmqtt.sink;

import static io.connectmqtt.testkit.KafkaTopics.record;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.ConnectPerClass;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.FailedTask;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.Ports;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.ObjectName;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Broker away: retriable failures, then delivery; broker gone for good: a clear failure. Validation
 * and metrics.
 */
class SinkResilienceIT {

  @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();

  private static double metric(String connector, String name) throws Exception {
    return ((Number)
            ManagementFactory.getPlatformMBeanServer()
                .getAttribute(
                    new ObjectName(
                        "connect-mqtt:type=mqtt-sink-task-metrics,connector="
                            + connector
                            + ",task=0"),
                    name))
        .doubleValue();
  }

  private static Map<String, String> impatient(String name, String topic, String uri, int retries) {
    Map<String, String> config = SinkConfigs.json(topic, uri, "away/${key}");
    config.put("name", name);
    config.put("mqtt.max.in.flight", "50");
    config.put("mqtt.publish.timeout.ms", "1500");
    config.put("mqtt.retry.backoff.ms", "500");
    config.put("mqtt.retries.max", Integer.toString(retries));
    config.put("mqtt.reconnect.backoff.max.ms", "1000");
    config.put("value.converter", "org.apache.kafka.connect.storage.StringConverter");
    return config;
  }

  @Test
  void brokerAwayForAWhileMeansRetriesThenEveryRecordArrives() throws Exception {
    try (HiveMqBroker hivemq = HiveMqBroker.start(100_000, true);
        MqttRecorder subscriber =
            MqttRecorder.persistent("away-subscriber", hivemq.port(), "away/#")) {
      fixtures.topics().create("away", 1);
      fixtures
          .rest()
          .createOrReplace("resilient", impatient("resilient", "away", hivemq.uri(), 50));
      fixtures.rest().awaitRunning("resilient", 1, Duration.ofSeconds(60));
      hivemq.stop();
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        records.add(record("away", "k" + i, "v" + i));
      }
      fixtures.topics().send(records);
      Awaitility.await("retriable failures while the broker is away")
          .atMost(Duration.ofSeconds(60))
          .until(() -> metric("resilient", "retries-total") >= 2);
      assertThat(fixtures.rest().taskState("resilient")).isEqualTo("RUNNING");
      hivemq.resume();

      subscriber.awaitAtLeast(2_000, Duration.ofSeconds(120));
      Set<String> payloads = new HashSet<>();
      for (Mqtt5Publish publish : subscriber.received()) {
        payloads.add(new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8));
      }
      assertThat(payloads).hasSize(2_000).contains("v0", "v1999");
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> metric("resilient", "in-flight") == 0);
      assertThat(metric("resilient", "messages-acknowledged-total")).isGreaterThanOrEqualTo(2_000);
      assertThat(metric("resilient", "records-in-total")).isGreaterThanOrEqualTo(2_000);
      assertThat(metric("resilient", "publish-latency-p99")).isPositive();
      assertThat(metric("resilient", "errors-total")).isZero();
      fixtures.rest().delete("resilient");
    }
  }

  @Test
  void brokerGoneForGoodFailsTheTaskWithAClearMessageAfterBoundedRetries() {
    HiveMqBroker hivemq = HiveMqBroker.start();
    fixtures.topics().create("gone", 1);
    fixtures.rest().createOrReplace("doomed", impatient("doomed", "gone", hivemq.uri(), 2));
    fixtures.rest().awaitRunning("doomed", 1, Duration.ofSeconds(60));
    hivemq.close();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      records.add(record("gone", "k" + i, "v" + i));
    }
    fixtures.topics().send(records);
    assertThat(FailedTask.awaitTrace(fixtures.rest(), "doomed", Duration.ofSeconds(90)))
        .contains("not connected")
        .contains("giving up after 2 retries")
        .contains("mqtt.retries.max");
    fixtures.rest().delete("doomed");
  }

  @Test
  void validationNamesTheKeyAndTheFix() {
    try (HiveMqBroker hivemq = HiveMqBroker.start()) {
      Map<String, String> config = SinkConfigs.json("t", hivemq.uri(), "a/${key}");
      config.put("name", "v");
      assertThat(errors(config)).isEmpty();
      config.put("mqtt.topic", "a/${offset}");
      assertThat(errors(config).get("mqtt.topic"))
          .anySatisfy(m -> assertThat(m).contains("${offset}").contains("${value.PATH}"));
      config.put("mqtt.topic", "a/${key}");
      config.put("mqtt.properties.from.headers", "qos,colour");
      assertThat(errors(config).get("mqtt.properties.from.headers")).isNotEmpty();
      config.remove("mqtt.properties.from.headers");
      config.put("mqtt.null.value.behavior", "explode");
      assertThat(errors(config).get("mqtt.null.value.behavior")).isNotEmpty();
      config.remove("mqtt.null.value.behavior");
      config.put("mqtt.server.uris", "tcp://127.0.0.1:" + Ports.free());
      assertThat(errors(config).get("mqtt.server.uris"))
          .anySatisfy(m -> assertThat(m).contains("Could not connect"));
    }
  }

  private static Map<String, List<String>> errors(Map<String, String> config) {
    return ConnectRest.errorsByKey(
        fixtures.rest().validate(MqttSinkConnector.class.getName(), config));
  }
}
