package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.TestBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sink on every broker of the matrix, with its defaults (MQTT 5 where the broker has it, else
 * 3.1.1), through a SIGKILL of the Connect worker JVM mid-stream: a persistent-session subscriber
 * receives every record, and the records published again are about a second of traffic plus the
 * in-flight window at most (the task asks Connect to commit acknowledged offsets about once a
 * second, {@code acknowledged.offsets.commit.interval.ms}). One Kafka and worker (separate JVMs,
 * the plugin from {@code plugin.path}) and the brokers are the module's {@link SharedFixtures};
 * {@code -Dmatrix.brokers=MOQUETTE} runs one row. {@link SinkCrashIT} runs 100,000 records on
 * HiveMQ CE alone.
 */
@ExtendWith(SharedFixtures.class)
class SinkBrokerMatrixCrashIT {

  private static final int RECORDS = 30_000;

  /** The sink's default {@code mqtt.max.in.flight}. */
  private static final int WINDOW = 1_000;

  private static ProcessStack stack;

  @BeforeAll
  static void startStack() {
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-sink")));
  }

  /**
   * Records the sink connector {@code name} has committed (its consumer group's offsets, summed).
   */
  private static long committedOffsets(String name) {
    return stack.topics().committedOffsetSum("connect-" + name);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void workerSigkillMidStreamLosesNothingAndRepeatsAboutASecond(Broker kind) throws Exception {
    kind.assumeSelected();
    String id = kind.name().toLowerCase();
    // Sessions in memory: the broker keeps running.
    TestBroker broker = SharedFixtures.broker(kind, BrokerOptions.DEFAULTS.withPersistence(false));
    try (MqttRecorder subscriber =
        MqttRecorder.subscribe(
            "sink-crash-" + id, broker.port(), "crash/" + id + "/#", true, broker.mqtt5())) {
      String kafkaTopic = SinkBrokerMatrixIT.kafkaTopic(kind, "sink.crash." + id);
      stack.topics().create(kafkaTopic, 3);
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(RECORDS);
      for (int i = 0; i < RECORDS; i++) {
        records.add(
            new ProducerRecord<>(
                kafkaTopic,
                ("k" + i % 16).getBytes(StandardCharsets.UTF_8),
                ByteBuffer.allocate(64).putLong(0, i).array()));
      }
      stack.topics().send(records);
      Map<String, String> config =
          SinkBrokerMatrixIT.sinkConfig(broker, kafkaTopic, "crash/" + id + "/${partition}");
      // Kafka's default consumer session of 45 s would keep the killed task's partitions from the
      // new one that long:
      // 6 s (the broker's minimum) keeps each row to seconds. Users' sinks keep the default.
      config.put("consumer.override.session.timeout.ms", "6000");
      config.put("consumer.override.heartbeat.interval.ms", "1000");
      String name = "sink-crash-" + id;
      stack.rest().createOrReplace(name, config);
      try {
        stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
        // Killed mid-stream, once the subscriber has a quarter of the records and Connect committed
        // twice: the rate
        // between two commits is the sink's own (a broker may queue for a slower subscriber), the
        // subscriber's rate
        // the closer one where it keeps up. The larger bounds what a crash may repeat.
        subscriber.awaitAtLeast(1, Duration.ofSeconds(60));
        long firstAt = System.nanoTime();
        long[] commits = new long[2];
        long[] commitTimes = new long[2];
        Awaitility.await(name + " commits twice, subscriber has a quarter")
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  long committed = committedOffsets(name);
                  if (committed > commits[1]) {
                    if (commits[0] == 0) {
                      commits[0] = committed;
                      commitTimes[0] = System.nanoTime();
                    }
                    commits[1] = committed;
                    commitTimes[1] = System.nanoTime();
                  }
                  return commitTimes[1] > commitTimes[0]
                      && subscriber.received().size() >= RECORDS / 4;
                });
        stack.killConnect();
        long killedAt = System.nanoTime();
        int receivedAtKill = subscriber.received().size();
        double perSecond =
            Math.max(
                (commits[1] - commits[0]) * 1e9 / (commitTimes[1] - commitTimes[0]),
                receivedAtKill * 1e9 / (killedAt - firstAt));
        long committedAtKill = committedOffsets(name);
        assertThat(committedAtKill)
            .as("records committed when the worker was killed")
            .isLessThan(RECORDS);
        stack.startConnect();
        BitSet seen = new BitSet(RECORDS);
        try {
          Awaitility.await("all " + RECORDS + " records on " + broker.name())
              .atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(250))
              .until(
                  () -> {
                    seen.clear();
                    for (Mqtt5Publish publish : List.copyOf(subscriber.received())) {
                      seen.set((int) ByteBuffer.wrap(publish.getPayloadAsBytes()).getLong(0));
                    }
                    return seen.cardinality() == RECORDS;
                  });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError(
              broker.name()
                  + ": "
                  + seen.cardinality()
                  + " of "
                  + RECORDS
                  + " records received ("
                  + subscriber.received().size()
                  + " messages), "
                  + committedOffsets(name)
                  + " committed; worker log:\n"
                  + stack.log("connect"),
              e);
        }
        double recovery = (System.nanoTime() - killedAt) / 1e9;
        int duplicates = subscriber.received().size() - RECORDS;
        long bound = (long) (2 * perSecond) + WINDOW;
        System.out.printf(
            "MATRIX-SINK-CRASH: %s over MQTT %s: worker SIGKILLed mid-stream of %d records "
                + "(%.0f msg/s), %d committed, %d received; all received %.1f s after the kill; 0 lost, %d duplicates "
                + "(bound %d), broker drops %s%n",
            broker.name(),
            broker.mqtt5() ? "5" : "3.1.1",
            RECORDS,
            perSecond,
            committedAtKill,
            receivedAtKill,
            recovery,
            duplicates,
            bound,
            broker.droppedMessageCount());
        assertThat(seen.cardinality())
            .as("records received (" + broker.name() + ")")
            .isEqualTo(RECORDS);
        // Connect commits asynchronously: allow two seconds of traffic, plus the in-flight window.
        assertThat(duplicates)
            .as("records published again after the crash (" + broker.name() + ")")
            .isBetween(0, (int) bound);
        broker
            .droppedMessageCount()
            .ifPresent(dropped -> assertThat(dropped).as("broker drops").isZero());
      } finally {
        stack.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    }
  }
}
