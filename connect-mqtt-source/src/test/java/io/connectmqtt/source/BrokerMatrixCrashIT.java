package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.TestBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The source with its documented defaults on every broker of the matrix (MQTT 5 where the broker has it, so on
 * Debian's mosquitto 2.0.11 too): a backlog of 30,000 QoS 1 messages waits in the task's persistent session, and
 * the worker is killed with SIGKILL while it drains it. Nothing may be lost, the backlog must drain after the
 * restart, duplicates stay within the task's window, and the connection is never lost in a loop (mosquitto 2.0.11
 * sends more unacknowledged messages than the Receive Maximum allows; docs/troubleshooting.md).
 */
class BrokerMatrixCrashIT {

  /** Enough to outlast every broker's window many times; the 100,000 of docs/brokers.md take minutes on Moquette. */
  private static final int MESSAGES = 30_000;
  /** The source's default queue.capacity: the most messages a task holds unacknowledged. */
  private static final int QUEUE_CAPACITY = 1_000;

  private static ProcessStack stack;

  @BeforeAll
  static void startStack() {
    stack = ProcessStack.start(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")), Map.of());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void workerKilledWhileDrainingABacklogLosesNothingAndDrains(Broker kind) throws Exception {
    kind.assumeSelected();
    // Sessions in memory: they survive the client's reconnects, which is all this test needs (Aedes with LevelDB
    // holds part of a burst back from an online subscriber; docs/testing.md).
    try (TestBroker broker = kind.start(BrokerOptions.DEFAULTS.withPersistence(false))) {
      String id = kind.name().toLowerCase();
      String topic = "crash." + id;
      String name = "crash-" + id;
      stack.topics().create(topic, 3);
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", MqttSourceConnector.class.getName());
      config.put("tasks.max", "1");
      config.put("mqtt.server.uris", broker.uri());
      config.put("mqtt.topics", "backlog/" + id + "/#");
      config.put("kafka.topic", topic);
      long logStart = Files.size(stack.home().resolve("connect.log"));
      stack.rest().createOrReplace(name, config);
      stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      Awaitility.await("the task subscribed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> workerLog(logStart).contains("subscribed to [backlog/" + id + "/#]"));

      // The worker is down while the backlog is published, so all of it waits in the broker's session.
      stack.killConnect();
      try (MqttLoadPublisher publisher = new MqttLoadPublisher("backlog-publisher-" + id, broker.port(),
          broker.mqtt5())) {
        publisher.publish(0, MESSAGES, 64, 0, seq -> "backlog/" + id + "/device-" + (seq % 10));
      }
      stack.startConnect();
      awaitKafkaHolds(topic, MESSAGES / 3);
      stack.killConnect();
      stack.startConnect();
      long restarted = System.nanoTime();

      int[] counts = countAll(topic);
      double drainSeconds = (System.nanoTime() - restarted) / 1e9;
      int duplicates = counts[1] - counts[0];
      String log = workerLog(logStart);
      long lostConnections = log.lines().filter(line -> line.contains("lost its connection")).count();
      System.out.printf("CRASH: %s: worker SIGKILL while draining a backlog of %d: %d distinct in Kafka, %d lost, "
          + "%d duplicates, drained %.0f s after the restart, %d connections lost%n", broker.name(), MESSAGES,
          counts[0], MESSAGES - counts[0], duplicates, drainSeconds, lostConnections);
      assertThat(counts[0]).as("distinct messages in Kafka (" + broker.name() + ")").isEqualTo(MESSAGES);
      assertThat(lostConnections).as("connections lost (the mosquitto livelock lost hundreds)").isZero();
      // What was unacknowledged at the kill comes again: the task's window, plus acknowledgements still on their
      // way (the kill resets the connection, and PUBACKs not yet sent or read are lost with it).
      assertThat(duplicates).as("duplicates (" + broker.name() + ")").isLessThanOrEqualTo(2 * QUEUE_CAPACITY);
      stack.rest().delete(name);
    }
  }

  private static String workerLog(long from) throws Exception {
    String log = Files.readString(stack.home().resolve("connect.log"));
    return log.substring((int) Math.min(from, log.length()));
  }

  private static void awaitKafkaHolds(String topic, int records) {
    Awaitility.await("Kafka holds " + records + " records").atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> stack.topics().readAll(topic, records, Duration.ofSeconds(3)).size() >= records);
  }

  /** Distinct messages and total records once every message is in Kafka, or at the deadline. */
  private static int[] countAll(String topic) {
    BitSet seen = new BitSet(MESSAGES);
    int[] counts = {0, 0};
    Awaitility.await("all " + MESSAGES + " messages in Kafka").atMost(Duration.ofSeconds(240))
        .pollInterval(Duration.ofSeconds(2))
        .ignoreExceptions()
        .until(() -> {
          List<ConsumerRecord<byte[], byte[]>> records = stack.topics().readAll(topic, MESSAGES,
              Duration.ofSeconds(5));
          seen.clear();
          records.forEach(r -> seen.set((int) MqttLoadPublisher.sequence(r.value())));
          counts[0] = seen.cardinality();
          counts[1] = records.size();
          return counts[0] == MESSAGES;
        });
    return counts;
  }
}
