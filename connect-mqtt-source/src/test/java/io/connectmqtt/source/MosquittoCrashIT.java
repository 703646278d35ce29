package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.file.Files;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connector with its documented defaults (MQTT 5, no window tuning) on Debian's mosquitto 2.0.11, the broker
 * most users start with: a backlog of 100,000 QoS 1 messages in the persistent session, the worker killed with
 * SIGKILL while draining it. On resumption mosquitto sends more unacknowledged messages than the Receive Maximum
 * (docs/troubleshooting.md); the task must adapt instead of reconnecting in a loop, and the backlog must drain.
 */
class MosquittoCrashIT {

  private static final int MESSAGES = 100_000;
  private static final String TOPIC = "mosquitto.crash";
  /** The source's default queue.capacity: the most messages a task holds unacknowledged. */
  private static final int QUEUE_CAPACITY = 1_000;

  private MosquittoBroker mosquitto;
  private ProcessStack stack;

  @BeforeEach
  void start() {
    MosquittoBroker.assumeAvailable();
    mosquitto = MosquittoBroker.start();
    stack = ProcessStack.start(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")), Map.of());
    stack.topics().create(TOPIC, 3);
  }

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  @Test
  void workerKilledWhileDrainingABacklogLosesNothingAndDrains() throws Exception {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSourceConnector.class.getName());
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", mosquitto.uri());
    config.put("mqtt.topics", "backlog/#");
    config.put("kafka.topic", TOPIC);
    stack.rest().createOrReplace("mosquitto-source", config);
    stack.rest().awaitRunning("mosquitto-source", 1, Duration.ofSeconds(60));
    awaitSubscribed();

    // The worker is stopped while the backlog is published, so all of it waits in the broker's session.
    stack.killConnect();
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("backlog-publisher", mosquitto.port())) {
      publisher.publish(0, MESSAGES, 64, 0, seq -> "backlog/device-" + (seq % 10));
    }
    stack.startConnect();
    awaitKafkaHolds(MESSAGES / 5);
    stack.killConnect();
    System.out.printf("SIGKILLed the worker while it drained the backlog (>= %d records in Kafka)%n", MESSAGES / 5);
    stack.startConnect();
    long restarted = System.nanoTime();

    int[] counts = countAll();
    long drainSeconds = (System.nanoTime() - restarted) / 1_000_000_000L;
    int duplicates = counts[1] - counts[0];
    System.out.printf("mosquitto worker SIGKILL: %d messages, %d distinct in Kafka, %d duplicates, drained %d s after "
        + "restart%n", MESSAGES, counts[0], duplicates, drainSeconds);
    String log = Files.readString(stack.home().resolve("connect.log"));
    long adaptations = log.lines().filter(line -> line.contains("reconnecting without a Receive Maximum")).count();
    long lostConnections = log.lines().filter(line -> line.contains("lost its connection")).count();
    System.out.printf("receive maximum raised %d times, %d lost connections%n", adaptations, lostConnections);
    assertThat(counts[0]).as("distinct messages in Kafka").isEqualTo(MESSAGES);
    // mosquitto's window runs away while the backlog drains, but the task reads no more than its own window, so the
    // client never sees more than its Receive Maximum: no connection is lost at all (the livelock lost hundreds).
    assertThat(adaptations).as("Receive Maximum overruns").isZero();
    assertThat(lostConnections).as("connections lost").isZero();
    // What was unacknowledged at the kill comes again: the task's window, plus acknowledgements still on their way
    // (the kill resets the connection, and PUBACKs not yet sent or read are lost with it). Measured: 247-1,144.
    assertThat(duplicates).as("duplicates").isLessThanOrEqualTo(2 * QUEUE_CAPACITY);
  }

  private void awaitSubscribed() {
    Awaitility.await("the task subscribed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> Files.readString(stack.home().resolve("connect.log")).contains("subscribed to [backlog/#]"));
  }

  private void awaitKafkaHolds(int records) {
    Awaitility.await("Kafka holds " + records + " records").atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> stack.topics().readAll(TOPIC, records, Duration.ofSeconds(3)).size() >= records);
  }

  /** Distinct messages and total records once every message is in Kafka, or at the deadline. */
  private int[] countAll() {
    BitSet seen = new BitSet(MESSAGES);
    int[] counts = {0, 0};
    Awaitility.await("all " + MESSAGES + " messages in Kafka").atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(2))
        .ignoreExceptions()
        .until(() -> {
          List<ConsumerRecord<byte[], byte[]>> records = stack.topics().readAll(TOPIC, MESSAGES, Duration.ofSeconds(5));
          seen.clear();
          records.forEach(r -> seen.set((int) MqttLoadPublisher.sequence(r.value())));
          counts[0] = seen.cardinality();
          counts[1] = records.size();
          return counts[0] == MESSAGES;
        });
    return counts;
  }
}
