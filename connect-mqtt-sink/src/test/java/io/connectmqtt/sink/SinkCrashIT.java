package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
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

  /** Records written to Kafka at once, or at {@code perSecond} while the test goes on. */
  private CompletableFuture<Void> produced;

  private void start(boolean persistentBroker, TestInfo test) {
    start(persistentBroker, test, Integer.MAX_VALUE);
  }

  private void start(boolean persistentBroker, TestInfo test, int perSecond) {
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
    produced = CompletableFuture.runAsync(() -> stack.topics().sendAtRate(records, perSecond));
    if (perSecond == Integer.MAX_VALUE) {
      produced.join();
    }
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
  void workerKilledWithSigkillMidStreamLosesNothingAndRepeatsAboutASecond(TestInfo test) {
    // At a fixed rate (10 s of records), so that the sink is still publishing at the kill however
    // fast it is: written at once, the stream was once over before Connect's third commit.
    start(false, test, RECORDS / 10);
    SinkWorkerKill kill = SinkWorkerKill.midStream(stack, name, subscriber, RECORDS, RECORDS / 10);
    System.out.printf(
        "SIGKILLed the Connect worker at %d committed, %.0f published, %d received (%.0f msg/s,"
            + " commits %.1f s apart, %.0f acknowledged %.1f s before the kill)%n",
        kill.committedAtKill,
        kill.publishedAtKill,
        kill.receivedAtKill,
        kill.perSecond,
        kill.commitInterval,
        kill.acknowledgedBefore,
        kill.referenceSeconds);
    stack.startConnect();
    produced.join();
    kill.assertDuplicatesWithinBound(
        assertEveryRecordArrived("worker SIGKILL"), subscriber, "HiveMQ CE");
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
    int duplicates =
        SinkWorkerKill.awaitEveryRecord(stack, name, subscriber, RECORDS, Duration.ofSeconds(240));
    System.out.printf(
        "%s: %d records, %d messages received, %d duplicates, broker dropped %d, subscriber lost"
            + " its connection %d times%n",
        scenario,
        RECORDS,
        subscriber.received().size(),
        duplicates,
        hivemq.droppedMessages(),
        subscriber.connectionsLost());
    assertThat(hivemq.droppedMessages()).isZero();
    return duplicates;
  }
}
