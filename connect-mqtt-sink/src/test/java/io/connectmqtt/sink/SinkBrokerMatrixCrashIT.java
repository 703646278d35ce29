package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sink on every broker of the matrix, with its defaults (MQTT 5 where the broker has it, else
 * 3.1.1), through a SIGKILL of the Connect worker JVM mid-stream: a persistent-session subscriber
 * receives every record, and the records published again are at most what the sink published in the
 * last two seconds before the kill plus what was in flight then (the task asks Connect to commit
 * acknowledged offsets about once a second, {@code acknowledged.offsets.commit.interval.ms}; {@link
 * SinkWorkerKill} counts with the task's own counters). One Kafka and worker (separate JVMs, the
 * plugin from {@code plugin.path}) and the brokers are the module's {@link SharedFixtures}; {@code
 * -Dmatrix.brokers=MOQUETTE} runs one row. {@link SinkCrashIT} runs 100,000 records on HiveMQ CE
 * alone.
 */
@ExtendWith(SharedFixtures.class)
class SinkBrokerMatrixCrashIT {

  private static final int RECORDS = 30_000;

  /** Records written to Kafka per second: the stream lasts 7.5 s. */
  private static final int RATE = 4_000;

  private static ProcessStack stack;

  @BeforeAll
  static void startStack() {
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-sink")));
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
      // At a fixed rate, so that the sink is still publishing at the kill on every broker (on
      // Aedes it moved 14,700 msg/s: a stream written at once was over before Connect's third
      // commit).
      CompletableFuture<Void> produced =
          CompletableFuture.runAsync(() -> stack.topics().sendAtRate(records, RATE));
      Map<String, String> config =
          SinkBrokerMatrixIT.sinkConfig(broker, kafkaTopic, "crash/" + id + "/${partition}");
      String name = "sink-crash-" + id;
      stack.rest().createOrReplace(name, config);
      try {
        stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
        // Killed mid-stream, once the subscriber has a quarter of the records and Connect
        // committed three times.
        SinkWorkerKill kill =
            SinkWorkerKill.midStream(stack, name, subscriber, RECORDS, RECORDS / 4);
        stack.startConnect();
        int duplicates =
            SinkWorkerKill.awaitEveryRecord(
                stack, name, subscriber, RECORDS, Duration.ofSeconds(120));
        produced.get();
        int bound = kill.duplicateBound();
        System.out.printf(
            "MATRIX-SINK-CRASH: %s over MQTT %s: worker SIGKILLed mid-stream of %d records "
                + "(%.0f msg/s, commits %.1f s apart, bound counted from %.1f s before the kill), "
                + "%d committed, %d received; all received %.1f s after the kill; 0 lost, %d duplicates "
                + "(bound %d), broker drops %s%n",
            broker.name(),
            broker.mqtt5() ? "5" : "3.1.1",
            RECORDS,
            kill.perSecond,
            kill.commitInterval,
            kill.referenceSeconds,
            kill.committedAtKill,
            kill.receivedAtKill,
            kill.secondsSinceKill(),
            duplicates,
            bound,
            broker.droppedMessageCount());
        kill.assertDuplicatesWithinBound(duplicates, subscriber, broker.name());
        broker
            .droppedMessageCount()
            .ifPresent(dropped -> assertThat(dropped).as("broker drops").isZero());
      } finally {
        stack.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    }
  }
}
