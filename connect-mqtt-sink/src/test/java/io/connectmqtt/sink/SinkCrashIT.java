package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing lost: 100,000 records, the Connect worker JVM killed with SIGKILL mid-stream and
 * restarted, and separately the MQTT broker restarted; a persistent-session subscriber receives
 * every record at least once. Kafka and the worker are the module's {@link SharedFixtures} (each
 * test starts the worker again after killing it, with a topic and connector of its own); HiveMQ CE
 * is started per test, one of them restarts it.
 */
@ExtendWith(SharedFixtures.class)
class SinkCrashIT {

  private static final int RECORDS = 100_000;

  private HiveMqBroker hivemq;
  private ProcessStack stack;
  private MqttRecorder subscriber;

  /** This test's connector. */
  private String name;

  @AfterEach
  void stop() {
    if (subscriber != null) {
      subscriber.close();
    }
    if (stack != null && name != null) {
      stack.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  private void start(boolean persistentBroker, TestInfo test) {
    hivemq = HiveMqBroker.startForPublishers(1_000, RECORDS * 3, persistentBroker);
    subscriber = MqttRecorder.persistent("crash-subscriber", hivemq.port(), "crash/#");
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-sink")));
    String id = test.getTestMethod().orElseThrow().getName();
    String topic = "crash.sink." + id;
    stack.topics().create(topic, 3);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      records.add(new ProducerRecord<>(topic, null, ByteBuffer.allocate(64).putLong(0, i).array()));
    }
    stack.topics().send(records);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSinkConnector.class.getName());
    config.put("topics", topic);
    config.put("mqtt.server.uris", hivemq.uri());
    config.put("mqtt.topic", "crash/${partition}");
    config.put("mqtt.reconnect.backoff.max.ms", "2000");
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    config.put("consumer.override.auto.offset.reset", "earliest");
    name = "crash-sink-" + id;
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
  }

  @Test
  void workerKilledWithSigkillMidStreamLosesNothingAndRepeatsAboutASecond(TestInfo test)
      throws InterruptedException {
    start(false, test);
    subscriber.awaitAtLeast(RECORDS / 3, Duration.ofSeconds(180));
    long before = System.nanoTime();
    int receivedBefore = subscriber.received().size();
    // The rate just before the kill bounds what a crash may repeat; a second is the interval being
    // measured, so there is no signal to wait for instead.
    Thread.sleep(1_000);
    int receivedAtKill = subscriber.received().size();
    double perSecond = (receivedAtKill - receivedBefore) * 1e9 / (System.nanoTime() - before);
    stack.killConnect();
    System.out.printf(
        "SIGKILLed the Connect worker after %d messages (%.0f msg/s)%n", receivedAtKill, perSecond);
    stack.startConnect();
    int duplicates = assertEveryRecordArrived("worker SIGKILL");
    // Acknowledged offsets are committed about once a second, so a crash repeats about a second of
    // traffic: allow
    // two (commits are asynchronous) plus the in-flight window.
    assertThat(duplicates)
        .as("records published again after the crash")
        .isLessThanOrEqualTo((int) (2 * perSecond) + 1_000);
  }

  @Test
  void brokerRestartedMidStreamLosesNothing(TestInfo test) {
    start(true, test);
    subscriber.awaitAtLeast(RECORDS / 3, Duration.ofSeconds(180));
    hivemq.restart();
    System.out.printf("Restarted HiveMQ after %d messages%n", subscriber.received().size());
    assertEveryRecordArrived("broker restart");
  }

  /**
   * Waits for every record, asserts none lost and returns how many were received more than once.
   */
  private int assertEveryRecordArrived(String scenario) {
    BitSet seen = new BitSet(RECORDS);
    Awaitility.await("all " + RECORDS + " records published")
        .atMost(Duration.ofSeconds(240))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              seen.clear();
              for (Mqtt5Publish publish : List.copyOf(subscriber.received())) {
                seen.set((int) ByteBuffer.wrap(publish.getPayloadAsBytes()).getLong(0));
              }
              return seen.cardinality() == RECORDS;
            });
    int duplicates = subscriber.received().size() - RECORDS;
    System.out.printf(
        "%s: %d records, %d messages received, %d duplicates, broker dropped %d%n",
        scenario, RECORDS, subscriber.received().size(), duplicates, hivemq.droppedMessages());
    assertThat(seen.cardinality()).isEqualTo(RECORDS);
    assertThat(hivemq.droppedMessages()).isZero();
    assertThat(duplicates).isGreaterThanOrEqualTo(0);
    return duplicates;
  }
}
