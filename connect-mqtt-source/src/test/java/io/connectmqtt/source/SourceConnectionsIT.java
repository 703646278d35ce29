package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.TestBrokerSettings;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.SourceLog;
import io.connectmqtt.testkit.TestBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several MQTT connections per task ({@code mqtt.connections}) on the brokers of the matrix that
 * have shared subscriptions, the plugin in a worker JVM. The same connector runs with one
 * connection (a plain subscription), then with {@code auto} (several members of one shared group),
 * then with one again. Connection 0 keeps its client id and resumes its session each time; the
 * other form of the subscription left in that session by the previous run is removed; and the
 * members no longer used leave the group. Every message must reach Kafka exactly once in every
 * phase: a stale plain subscription would repeat messages, and mosquitto, which keeps queueing a
 * share of the group's messages for an offline member, would strand them with the unused members.
 *
 * <p>The brokers (without persistence, as {@link BrokerMatrixRoundTripIT}'s) and the Kafka/Connect
 * pair are the module's {@link SharedFixtures}; each row has its own connector, MQTT topics and
 * Kafka topic, and reads the worker log from where its phases began.
 */
@ExtendWith(SharedFixtures.class)
class SourceConnectionsIT {

  private static final int PER_PHASE = 3_000;
  private static final int STEADY_RATE = 500;

  private ProcessStack stack;

  /**
   * Messages of a steady background publisher sent so far, which Kafka holds besides the phases' (0
   * if none).
   */
  private java.util.function.LongSupplier steadySent = () -> 0;

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Broker.class,
      names = {"HIVEMQ", "MOSQUITTO"})
  void changingTheConnectionCountResumesTheSessionAndWritesEveryMessageOnce(Broker kind)
      throws Exception {
    kind.assumeSelected();
    TestBroker broker = SharedFixtures.broker(kind, BrokerOptions.DEFAULTS.withPersistence(false));
    stack = sharedStack();
    String id = kind.name().toLowerCase(Locale.ROOT);
    String name = "connections-" + id;
    try (ConnectRest.Deletion deleted = stack.rest().deletingOnClose(name)) {
      String topic = "connections." + id;
      stack.topics().create(topic, 3);

      String first = run(broker, name, topic, "1", 1, 0);
      assertThat(first)
          .as("the first run starts a new session")
          .containsPattern("MQTT client '" + name + "-0' connected .*new session");

      // mosquitto before 2.1 does not keep shared subscriptions across its restarts, so auto stays
      // at one connection there (the last phase checks it) and the shared phase asks for the
      // members explicitly.
      boolean dropsShared =
          BrokerVersion.probe(TestBrokerSettings.of(broker, "connections-it"))
              .filter(BrokerVersion::dropsSharedSubscriptionsOnRestart)
              .isPresent();
      String shared =
          run(
              broker,
              name,
              topic,
              dropsShared ? Integer.toString(SubscriptionConfig.AUTO_SHARED_CONNECTIONS) : "auto",
              SubscriptionConfig.AUTO_SHARED_CONNECTIONS,
              1);
      assertThat(shared)
          .as("connection 0 resumes the session of the single-connection run")
          .containsPattern("MQTT client '" + name + "-0' connected .*resumed its session");
      for (int k = 1; k < SubscriptionConfig.AUTO_SHARED_CONNECTIONS; k++) {
        assertThat(shared)
            .as("connection " + k + " has a client id of its own")
            .contains("MQTT client '" + name + "-0-c" + k + "' connected");
      }

      String again = run(broker, name, topic, dropsShared ? "auto" : "1", 1, 2);
      if (dropsShared) {
        assertThat(again)
            .as("auto on a broker that drops shared subscriptions in a restart")
            .contains("does not keep shared subscriptions across its restarts");
      }
      int total = 3 * PER_PHASE;
      awaitOrCount(
          Duration.ofSeconds(60),
          () ->
              Arrays.stream(
                      counts(stack.topics().readAll(topic, total, KafkaTopics.POLLED_READ), total))
                  .allMatch(c -> c > 0));
      List<ConsumerRecord<byte[], byte[]>> records =
          stack.topics().readAll(topic, total, KafkaTopics.FINAL_READ);
      int[] counts = counts(records, total);
      long missing = Arrays.stream(counts).filter(c -> c == 0).count();
      long repeated = Arrays.stream(counts).filter(c -> c > 1).count();
      System.out.printf(
          "CONNECTIONS: %s, connections 1 -> shared -> 1: %d records for %d messages, %d missing, %d "
              + "repeated%n",
          broker.name(), records.size(), total, missing, repeated);
      assertThat(missing).as("messages missing in Kafka").isZero();
      assertThat(repeated).as("messages in Kafka more than once").isZero();
      assertThat(again)
          .as("back to one connection, the session is resumed again")
          .containsPattern("MQTT client '" + name + "-0' connected .*resumed its session");
      for (int k = 1; k < SubscriptionConfig.AUTO_SHARED_CONNECTIONS; k++) {
        assertThat(again)
            .as("the unused member c" + k + " leaves the group")
            .contains("MQTT client id '" + name + "-0-c" + k + "' is no longer used");
      }
    }
  }

  private static ProcessStack sharedStack() {
    return SharedFixtures.processStack(
        List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
  }

  /**
   * The swap of connection 0 between the plain and the shared form of its filter, repeated ({@code
   * -Dconnections.swaps=N} runs N swaps; skipped otherwise: minutes): 1 connection, then auto, and
   * so on, on HiveMQ CE. After each swap, messages published once the task logged that all its
   * connections subscribed must each reach Kafka once. Beside them a publisher sends at a steady
   * rate through every swap: a message published while both forms of the filter are subscribed
   * reaches both (MQTT has no atomic swap), so those are only counted and printed, with what was
   * lost (must be none).
   */
  @Test
  @EnabledIfSystemProperty(named = "connections.swaps", matches = "\\d+")
  void repeatedSwapsRepeatNothingPublishedAfterTheTaskSaysItSubscribed() throws Exception {
    int swaps = Integer.getInteger("connections.swaps");
    int perPhase = 1_000;
    long background = 1_000_000;
    TestBroker broker =
        SharedFixtures.broker(Broker.HIVEMQ, BrokerOptions.DEFAULTS.withPersistence(false));
    stack = sharedStack();
    String name = "swaps";
    long logStart = Files.size(stack.home().resolve("connect.log"));
    try (ConnectRest.Deletion deleted = stack.rest().deletingOnClose(name)) {
      String topic = "swaps";
      stack.topics().create(topic, 3);
      CompletableFuture<Void> steady;
      java.util.concurrent.atomic.AtomicBoolean stopSteady =
          new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicLong sent =
          new java.util.concurrent.atomic.AtomicLong(background);
      steadySent = () -> sent.get() - background;
      run(broker, name, topic, "1", 1, 0, perPhase);
      try (MqttLoadPublisher publisher =
          new MqttLoadPublisher(name + "-steady", broker.port(), true)) {
        steady =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    while (!stopSteady.get()) {
                      publisher.publish(
                          sent.get(), sent.get() + 100, 64, STEADY_RATE, seq -> name + "/steady");
                      sent.addAndGet(100);
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        for (int k = 1; k <= swaps; k++) {
          boolean shared = k % 2 == 1;
          run(
              broker,
              name,
              topic,
              shared ? "auto" : "1",
              shared ? SubscriptionConfig.AUTO_SHARED_CONNECTIONS : 1,
              k,
              perPhase);
        }
        stopSteady.set(true);
        steady.get();
      }
      int total = (swaps + 1) * perPhase;
      long steadyCount = sent.get() - background;
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> stack.topics().endOffsetSum(topic) >= total + steadyCount);
      int[] counts = new int[total];
      int[] steadyCounts = new int[(int) steadyCount];
      for (ConsumerRecord<byte[], byte[]> r :
          stack.topics().readAll(topic, total + steadyCount, Duration.ofSeconds(10))) {
        long seq = MqttLoadPublisher.sequence(r.value());
        if (seq >= background) {
          steadyCounts[(int) (seq - background)]++;
        } else {
          counts[(int) seq]++;
        }
      }
      long repeated = Arrays.stream(counts).filter(c -> c > 1).count();
      long missing = Arrays.stream(counts).filter(c -> c == 0).count();
      long steadyMissing = Arrays.stream(steadyCounts).filter(c -> c == 0).count();
      // A steady message repeated is expected only if it was sent while the task was being
      // replaced: from a second before a task stopped (in flight to Kafka, its acknowledgement lost
      // with the connection) to the line saying the new task's connections all subscribed (both
      // forms of the filter may be subscribed meanwhile).
      List<long[]> swapping = swapWindows(workerLog(logStart));
      long inSwap = 0;
      long outside = 0;
      for (ConsumerRecord<byte[], byte[]> r :
          stack.topics().readAll(topic, total + steadyCount, Duration.ofSeconds(10))) {
        long seq = MqttLoadPublisher.sequence(r.value());
        if (seq >= background && steadyCounts[(int) (seq - background)] > 1) {
          steadyCounts[(int) (seq - background)] = -1;
          long sentAt = MqttLoadPublisher.sentMillis(r.value());
          if (swapping.stream().anyMatch(w -> sentAt >= w[0] - 1_000 && sentAt <= w[1])) {
            inSwap++;
          } else {
            outside++;
            System.out.printf(
                "SWAPS: steady message %d sent at %d, outside every swap, repeated%n", seq, sentAt);
          }
        }
      }
      System.out.printf(
          "SWAPS: %d swaps on %s: after the subscribed line %d messages, %d missing, %d repeated; "
              + "steady publisher through the swaps (%d msg/s) %d messages, %d missing, %d repeated (%d of them sent "
              + "during a swap, %d outside)%n",
          swaps,
          broker.name(),
          total,
          missing,
          repeated,
          STEADY_RATE,
          steadyCount,
          steadyMissing,
          inSwap + outside,
          inSwap,
          outside);
      for (int i = 0; i < total; i++) {
        if (counts[i] > 1) {
          System.out.printf(
              "SWAPS: message %d (swap %d) written %d times%n", i, i / perPhase, counts[i]);
        }
      }
      assertThat(missing).as("messages missing").isZero();
      assertThat(steadyMissing).as("steady messages missing").isZero();
      assertThat(repeated).as("messages published after the subscribed line, repeated").isZero();
      assertThat(outside).as("steady messages sent outside a swap, repeated").isZero();
    }
  }

  /**
   * From each "Stopping MQTT source task" line to the next "connection(s) subscribed" line: epoch
   * ms pairs.
   */
  private static List<long[]> swapWindows(String log) {
    java.time.format.DateTimeFormatter format =
        java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    List<long[]> windows = new java.util.ArrayList<>();
    long stopped = -1;
    for (String line : log.lines().toList()) {
      if (!line.startsWith("[") || line.length() < 25) {
        continue;
      }
      boolean stop = line.contains("Stopping MQTT source task");
      boolean ready = line.contains("connection(s) subscribed to [");
      if (!stop && !ready) {
        continue;
      }
      long at =
          java.time.LocalDateTime.parse(line.substring(1, 24), format)
              .atZone(java.time.ZoneId.systemDefault())
              .toInstant()
              .toEpochMilli();
      if (stop && stopped < 0) {
        stopped = at;
      } else if (ready && stopped >= 0) {
        windows.add(new long[] {stopped, at});
        stopped = -1;
      }
    }
    return windows;
  }

  /** How many times each of the {@code total} sequence numbers is among {@code records}. */
  private static int[] counts(List<ConsumerRecord<byte[], byte[]>> records, int total) {
    int[] counts = new int[total];
    records.forEach(r -> counts[(int) MqttLoadPublisher.sequence(r.value())]++);
    return counts;
  }

  /**
   * (Re)configures the connector with {@code mqtt.connections=connections}, waits until all its
   * connections subscribed, publishes phase {@code phase}'s messages and waits until Kafka has as
   * many records as were published so far; returns the worker log of the phase.
   */
  private String run(
      TestBroker broker, String name, String topic, String connections, int expected, int phase)
      throws Exception {
    return run(broker, name, topic, connections, expected, phase, PER_PHASE);
  }

  private String run(
      TestBroker broker,
      String name,
      String topic,
      String connections,
      int expected,
      int phase,
      int perPhase)
      throws Exception {
    long logStart = Files.size(stack.home().resolve("connect.log"));
    Map<String, String> config = SourceConfigs.source(broker.uri(), name + "/#");
    config.put("kafka.topic", topic);
    config.put("mqtt.connections", connections);
    stack.rest().createOrReplace(name, config);
    Awaitility.await("all " + expected + " connection(s) subscribed")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                workerLog(logStart).contains("All " + expected + " connection(s) subscribed")
                    && SourceLog.allSubscribed(workerLog(logStart), name + "/#"));
    try (MqttLoadPublisher publisher =
        new MqttLoadPublisher(name + "-publisher-" + phase, broker.port(), broker.mqtt5())) {
      publisher.publish(
          (long) phase * perPhase,
          (long) (phase + 1) * perPhase,
          64,
          0,
          seq -> name + "/device-" + (seq % 10));
    }
    long published = (long) (phase + 1) * perPhase;
    awaitOrCount(
        Duration.ofSeconds(120),
        () -> stack.topics().endOffsetSum(topic) >= published + steadySent.getAsLong());
    return workerLog(logStart);
  }

  /**
   * Waits for {@code condition} at most {@code timeout}; if it never holds, the counts in the test
   * say why.
   */
  private static void awaitOrCount(
      Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println(
          "CONNECTIONS: not all messages arrived within " + timeout + "; counting what did");
    }
  }

  private String workerLog(long from) throws Exception {
    String log = Files.readString(stack.home().resolve("connect.log"));
    return log.substring((int) Math.min(from, log.length()));
  }
}
