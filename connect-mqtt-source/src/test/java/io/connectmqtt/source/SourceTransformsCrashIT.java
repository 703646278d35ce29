package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.SourceLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka's built-in transforms keep the source's acknowledgement guarantee through a worker SIGKILL.
 * The MQTT topic decides a message's fate: {@code smt/keep/...} maps to Kafka topic {@code
 * smt.keep}, which {@code RegexRouter} reroutes to {@code smt.rerouted}; {@code smt/drop/...} maps
 * to {@code smt.drop}, which {@code Filter} with the {@code TopicNameMatches} predicate drops. A
 * backlog of QoS 1 messages (even numbers kept, odd dropped) waits in the task's persistent
 * session; the worker is SIGKILLed while it drains it and started again. Every kept message must be
 * in {@code smt.rerouted} (none lost: a message acknowledged before Kafka had it would be), none in
 * the two mapped topics. Then the connector runs again without transforms on the same session: a
 * dropped message left unacknowledged would now be redelivered into {@code smt.drop}, so that topic
 * must stay empty. Kafka and the worker are the module's {@link SharedFixtures}.
 */
@ExtendWith(SharedFixtures.class)
class SourceTransformsCrashIT {

  private static final int MESSAGES = 16_000;
  private static final int KEPT = MESSAGES / 2;

  /** The source's default queue.capacity: the most messages a task holds unacknowledged. */
  private static final int QUEUE_CAPACITY = 1_000;

  private static final String NAME = "smt-source";
  private static final String REROUTED = "smt.rerouted";

  private HiveMqBroker hivemq;
  private ProcessStack stack;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.rest().deleteAndAwaitGone(NAME, Duration.ofSeconds(30));
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  private static String mqttTopic(long seq) {
    return "smt/" + (seq % 2 == 0 ? "keep" : "drop") + "/device-" + (seq % 10);
  }

  private Map<String, String> connectorConfig(boolean transforms) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSourceConnector.class.getName());
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", hivemq.uri());
    config.put("mqtt.topics", "smt/#");
    config.put("mqtt.qos", "1");
    config.put("kafka.topic", "smt.${2}");
    if (transforms) {
      config.put("transforms", "dropHalf,reroute");
      config.put("transforms.dropHalf.type", "org.apache.kafka.connect.transforms.Filter");
      config.put("transforms.dropHalf.predicate", "isDrop");
      config.put("transforms.reroute.type", "org.apache.kafka.connect.transforms.RegexRouter");
      config.put("transforms.reroute.regex", "smt\\.keep");
      config.put("transforms.reroute.replacement", REROUTED);
      config.put("predicates", "isDrop");
      config.put(
          "predicates.isDrop.type",
          "org.apache.kafka.connect.transforms.predicates.TopicNameMatches");
      config.put("predicates.isDrop.pattern", "smt\\.drop");
    }
    return config;
  }

  @Test
  void filterAndRegexRouterThroughWorkerSigkillLoseNothingAndAcknowledgeDroppedMessages()
      throws Exception {
    long started = System.nanoTime();
    hivemq = HiveMqBroker.start(MESSAGES * 2, false);
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
    for (String topic : List.of("smt.keep", "smt.drop")) {
      stack.topics().create(topic, 3);
    }
    stack.topics().createWithLogAppendTime(REROUTED, 3);
    long logStart = Files.size(stack.home().resolve("connect.log"));
    stack.rest().createOrReplace(NAME, connectorConfig(true));
    stack.rest().awaitRunning(NAME, 1, Duration.ofSeconds(60));
    Awaitility.await("the task subscribed")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> SourceLog.allSubscribed(workerLog(logStart), "smt/#"));

    // The worker is down while the backlog is published, so all of it waits in the task's session:
    // at the kill
    // below, thousands of messages are still unacknowledged there.
    stack.killConnect();
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("smt-publisher", hivemq.port())) {
      publisher.publish(0, MESSAGES, 64, 0, SourceTransformsCrashIT::mqttTopic);
    }
    stack.startConnect();
    System.out.printf(
        "SMT-CRASH: backlog published, worker restarted %.1f s after the start%n",
        (System.nanoTime() - started) / 1e9);
    // Dropped messages left unacknowledged fill queue.capacity and stall the task here (measured
    // with commitRecord
    // mutated to ignore them: not one third in 120 s); the sentinel check below catches fewer left
    // behind.
    Awaitility.await(
            "Kafka holds a third of the kept messages (else: dropped messages not acknowledged?)")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> stack.topics().endOffsetSum(REROUTED) >= KEPT / 3);
    stack.killConnect();
    long inKafkaAtKill = stack.topics().endOffsetSum(REROUTED);
    long relaunchMillis = System.currentTimeMillis();
    long relaunchLog = Files.size(stack.home().resolve("connect.log"));
    stack.startConnect();

    BitSet seen = new BitSet(MESSAGES);
    BitSet beforeRelaunch = new BitSet(MESSAGES);
    BitSet redelivered = new BitSet(MESSAGES);
    int[] records = {0};
    Awaitility.await("all " + KEPT + " kept messages in " + REROUTED)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              List<ConsumerRecord<byte[], byte[]>> rerouted =
                  stack.topics().readAll(REROUTED, KEPT, Duration.ofSeconds(5));
              seen.clear();
              beforeRelaunch.clear();
              redelivered.clear();
              for (ConsumerRecord<byte[], byte[]> record : rerouted) {
                int seq = (int) MqttLoadPublisher.sequence(record.value());
                seen.set(seq);
                // The topic has log append time: records appended before the relaunch were in Kafka
                // at the kill.
                if (record.timestamp() < relaunchMillis) {
                  beforeRelaunch.set(seq);
                }
                Header dup = record.headers().lastHeader("mqtt.dup");
                if (dup != null && "true".equals(new String(dup.value(), StandardCharsets.UTF_8))) {
                  redelivered.set(seq);
                }
              }
              records[0] = rerouted.size();
              return seen.cardinality() == KEPT;
            });
    String afterKill = workerLog(relaunchLog);
    boolean resumed =
        afterKill
            .lines()
            .anyMatch(
                line ->
                    line.contains("MQTT client '" + NAME + "-0")
                        && line.contains("resumed its session"));
    int droppedInRerouted = (int) seen.stream().filter(seq -> seq % 2 == 1).count();
    int keptSeen = seen.cardinality() - droppedInRerouted;
    int duplicates = records[0] - seen.cardinality();
    // Redelivered by the broker (DUP set) and not in Kafka before the kill: received by the killed
    // task but not
    // acknowledged. Reported, not asserted: HiveMQ CE marked none of its resends after the SIGKILL
    // with DUP in the
    // runs so far (it does after a clean disconnect, MqttSessionIT). The proof of "never before
    // Kafka" is 0 lost
    // from a resumed session while thousands of messages were still unacknowledged.
    BitSet redeliveredNotInKafka = (BitSet) redelivered.clone();
    redeliveredNotInKafka.andNot(beforeRelaunch);
    System.out.printf(
        "SMT-CRASH: %d messages (%d kept, %d dropped by Filter), worker SIGKILLed with %d records in %s:"
            + " %d kept in %s, %d lost, %d duplicates, %d dropped messages there, session resumed %s, %d kept messages"
            + " redelivered with DUP, %d of them not in Kafka at the kill; %.1f s since the stack started%n",
        MESSAGES,
        KEPT,
        MESSAGES - KEPT,
        inKafkaAtKill,
        REROUTED,
        keptSeen,
        REROUTED,
        KEPT - keptSeen,
        duplicates,
        droppedInRerouted,
        resumed,
        redelivered.cardinality(),
        redeliveredNotInKafka.cardinality(),
        (System.nanoTime() - started) / 1e9);
    assertThat(inKafkaAtKill).as("the kill came while the backlog drained").isLessThan(KEPT);
    assertThat(resumed)
        .as("the restarted task resumed its session (unacknowledged messages redelivered)")
        .isTrue();
    assertThat(droppedInRerouted).as("messages the filter drops, found in " + REROUTED).isZero();
    assertThat(keptSeen)
        .as("kept messages in " + REROUTED + " (lost: acknowledged before Kafka had them)")
        .isEqualTo(KEPT);
    assertThat(duplicates)
        .as("duplicates, bounded as in BrokerMatrixCrashIT")
        .isLessThanOrEqualTo((int) inKafkaAtKill + QUEUE_CAPACITY);
    assertThat(stack.topics().endOffsetSum("smt.keep"))
        .as("records left in the topic RegexRouter reroutes")
        .isZero();
    assertThat(stack.topics().endOffsetSum("smt.drop"))
        .as("records in the topic Filter drops")
        .isZero();

    assertDroppedMessagesWereAcknowledged();
  }

  /**
   * The same connector (same client id, same session) without transforms: whatever dropped message
   * the broker still held unacknowledged is redelivered on the resumed session, ahead of a sentinel
   * published now, and would land in {@code smt.drop}.
   */
  private void assertDroppedMessagesWereAcknowledged() throws Exception {
    long logStart = Files.size(stack.home().resolve("connect.log"));
    stack.rest().createOrReplace(NAME, connectorConfig(false));
    Awaitility.await("the task without transforms resumed its session")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                workerLog(logStart)
                    .lines()
                    .anyMatch(
                        line ->
                            line.contains("MQTT client '" + NAME + "-0")
                                && line.contains("resumed its session")));
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("smt-sentinel", hivemq.port())) {
      publisher.publish(MESSAGES, MESSAGES + 1, 64, 0, seq -> "smt/keep/sentinel");
    }
    long sentinelAt = System.nanoTime();
    List<ConsumerRecord<byte[], byte[]>> sentinel =
        stack.topics().readAll("smt.keep", 1, Duration.ofSeconds(60));
    assertThat(sentinel).as("the sentinel, unrouted now").hasSize(1);
    assertThat(MqttLoadPublisher.sequence(sentinel.get(0).value())).isEqualTo(MESSAGES);
    // The dropped messages would have come before the sentinel; readAll waits a further quiet
    // second for stragglers.
    List<ConsumerRecord<byte[], byte[]>> redelivered =
        stack.topics().readAll("smt.drop", 0, Duration.ofSeconds(3));
    System.out.printf(
        "SMT-CRASH: after the drain, the resumed session without transforms redelivered %d dropped "
            + "messages (sentinel check took %.1f s)%n",
        redelivered.size(), (System.nanoTime() - sentinelAt) / 1e9);
    assertThat(redelivered)
        .as("dropped messages redelivered: the filter's drop was not acknowledged")
        .isEmpty();
  }

  private String workerLog(long from) throws Exception {
    String log = Files.readString(stack.home().resolve("connect.log"));
    return log.substring((int) Math.min(from, log.length()));
  }
}
