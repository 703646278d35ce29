package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.SourceLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
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
 * must stay empty. A second test does the same through the transforms that change records ({@code
 * InsertField}, {@code HeaderFrom}, {@code ValueToKey}). Kafka and the worker are the module's
 * {@link SharedFixtures}. HiveMQ CE runs in memory with one MQTT connection, as docs/brokers.md
 * advises there: in memory, every acknowledgement on a shared group scans the group's whole queue,
 * and draining these backlogs through the default four members was two thirds of this class's CPU.
 */
@ExtendWith(SharedFixtures.class)
class SourceTransformsCrashIT {

  private static final int MESSAGES = 16_000;
  private static final int KEPT = MESSAGES / 2;

  /** The source's default queue.capacity: the most messages a task holds unacknowledged. */
  private static final int QUEUE_CAPACITY = 1_000;

  private static final String NAME = "smt-source";
  private static final String REROUTED = "smt.rerouted";

  private static final String JSON_NAME = "smt-json-source";
  private static final String JSON_TOPIC = "smt.json";
  private static final int JSON_MESSAGES = 6_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  private HiveMqBroker hivemq;
  private ProcessStack stack;
  private String connector;

  @AfterEach
  void stop() {
    if (stack != null && connector != null) {
      stack.rest().deleteAndAwaitGone(connector, Duration.ofSeconds(30));
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  private static String mqttTopic(long seq) {
    return "smt/" + (seq % 2 == 0 ? "keep" : "drop") + "/device-" + (seq % 10);
  }

  private Map<String, String> connectorConfig(boolean transforms) {
    Map<String, String> config = SourceConfigs.source(hivemq.uri(), "smt/#");
    config.put("mqtt.qos", "1");
    config.put("mqtt.connections", "1");
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
    connector = NAME;
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

    // The task is stopped while the backlog is published, so all of it waits in the task's session:
    // at the kill below, thousands of messages are still unacknowledged there. (Stopping the
    // connector, not the worker, spares a worker start; the SIGKILL below is the one under test.)
    stack.rest().stopAndAwaitStopped(NAME, Duration.ofSeconds(60));
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("smt-publisher", hivemq.port())) {
      publisher.publish(0, MESSAGES, 64, 0, SourceTransformsCrashIT::mqttTopic);
    }
    stack.rest().resume(NAME);
    System.out.printf(
        "SMT-CRASH: backlog published, connector resumed %.1f s after the start%n",
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
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              // A read of fewer records than expected waits its whole timeout.
              if (stack.topics().endOffsetSum(REROUTED) < KEPT) {
                return false;
              }
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
    // runs so far (it does after a clean disconnect, HiveMqConnectionIT). The proof of "never
    // before
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
   * The transforms that change records rather than drop or reroute them: {@code InsertField} adds a
   * static field to the JSON value, {@code HeaderFrom} copies its {@code device} field into a
   * header, {@code ValueToKey} makes {@code device} and {@code seq} the key. A backlog of QoS 1
   * JSON messages waits in the session, the worker is SIGKILLed while it drains it and started
   * again: every message must be in Kafka (none acknowledged before Kafka had it), each record with
   * the inserted field, the copied header and the key built from its own value.
   */
  @Test
  void insertFieldHeaderFromAndValueToKeyThroughWorkerSigkillLoseNothing() throws Exception {
    connector = JSON_NAME;
    hivemq = HiveMqBroker.start(JSON_MESSAGES * 2, false);
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
    stack.topics().create(JSON_TOPIC, 3);
    Map<String, String> config = SourceConfigs.source(hivemq.uri(), "json/#");
    config.put("mqtt.qos", "1");
    config.put("mqtt.connections", "1");
    config.put("kafka.topic", JSON_TOPIC);
    config.put("record.value.format", "json");
    config.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("key.converter.schemas.enable", "false");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("transforms", "site,deviceHeader,key");
    config.put("transforms.site.type", "org.apache.kafka.connect.transforms.InsertField$Value");
    config.put("transforms.site.static.field", "site");
    config.put("transforms.site.static.value", "plant-1");
    config.put(
        "transforms.deviceHeader.type", "org.apache.kafka.connect.transforms.HeaderFrom$Value");
    config.put("transforms.deviceHeader.fields", "device");
    config.put("transforms.deviceHeader.headers", "device");
    config.put("transforms.deviceHeader.operation", "copy");
    config.put("transforms.key.type", "org.apache.kafka.connect.transforms.ValueToKey");
    config.put("transforms.key.fields", "device,seq");
    long logStart = Files.size(stack.home().resolve("connect.log"));
    stack.rest().createOrReplace(JSON_NAME, config);
    stack.rest().awaitRunning(JSON_NAME, 1, Duration.ofSeconds(60));
    Awaitility.await("the task subscribed")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> SourceLog.allSubscribed(workerLog(logStart), "json/#"));

    // The task is stopped while the backlog is published, so all of it waits in the session.
    stack.rest().stopAndAwaitStopped(JSON_NAME, Duration.ofSeconds(60));
    try (var publisher = new JsonPublisher(hivemq.port())) {
      for (int seq = 0; seq < JSON_MESSAGES; seq++) {
        publisher.publish(
            "json/device-" + (seq % 10),
            "{\"seq\":" + seq + ",\"device\":\"device-" + (seq % 10) + "\",\"t\":21.5}");
      }
    }
    stack.rest().resume(JSON_NAME);
    stack.topics().awaitEndOffsets(JSON_TOPIC, JSON_MESSAGES / 3, Duration.ofSeconds(120));
    stack.killConnect();
    long inKafkaAtKill = stack.topics().endOffsetSum(JSON_TOPIC);
    stack.startConnect();

    BitSet seen = new BitSet(JSON_MESSAGES);
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    Awaitility.await("all " + JSON_MESSAGES + " messages in " + JSON_TOPIC)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              // A read of fewer records than expected waits its whole timeout.
              if (stack.topics().endOffsetSum(JSON_TOPIC) < JSON_MESSAGES) {
                return false;
              }
              records.clear();
              records.addAll(
                  stack.topics().readAll(JSON_TOPIC, JSON_MESSAGES, Duration.ofSeconds(5)));
              seen.clear();
              for (ConsumerRecord<byte[], byte[]> record : records) {
                seen.set(JSON.readTree(record.value()).path("seq").asInt());
              }
              return seen.cardinality() == JSON_MESSAGES;
            });
    int wrong = 0;
    for (ConsumerRecord<byte[], byte[]> record : records) {
      JsonNode value = JSON.readTree(record.value());
      JsonNode key = JSON.readTree(record.key());
      Header header = record.headers().lastHeader("device");
      String device = value.path("device").asText();
      boolean right =
          "plant-1".equals(value.path("site").asText())
              && value.path("t").asDouble() == 21.5
              && device.equals("device-" + (value.path("seq").asInt() % 10))
              && header != null
              && device.equals(new String(header.value(), StandardCharsets.UTF_8))
              && device.equals(key.path("device").asText())
              && key.path("seq").asInt() == value.path("seq").asInt()
              && key.size() == 2;
      if (!right && wrong++ < 3) {
        System.out.printf(
            "SMT-CRASH: unexpected record: key %s, value %s, header %s%n",
            key, value, header == null ? null : new String(header.value(), StandardCharsets.UTF_8));
      }
    }
    int duplicates = records.size() - seen.cardinality();
    System.out.printf(
        "SMT-CRASH: InsertField, HeaderFrom, ValueToKey: %d JSON messages, worker SIGKILLed with %d"
            + " records in Kafka: %d distinct, %d lost, %d duplicates, %d records not as transformed%n",
        JSON_MESSAGES,
        inKafkaAtKill,
        seen.cardinality(),
        JSON_MESSAGES - seen.cardinality(),
        duplicates,
        wrong);
    assertThat(inKafkaAtKill)
        .as("the kill came while the backlog drained")
        .isLessThan(JSON_MESSAGES);
    assertThat(seen.cardinality()).as("distinct messages in Kafka").isEqualTo(JSON_MESSAGES);
    assertThat(wrong).as("records without the inserted field, header or key").isZero();
    assertThat(duplicates)
        .as("duplicates, bounded as in BrokerMatrixCrashIT")
        .isLessThanOrEqualTo((int) inKafkaAtKill + QUEUE_CAPACITY);
  }

  /** Publishes JSON payloads at QoS 1, each acknowledged by the broker before the next. */
  private static final class JsonPublisher implements AutoCloseable {
    private final Mqtt5BlockingClient client;

    JsonPublisher(int port) {
      client = MqttClients.connected5("smt-json-publisher", port);
    }

    void publish(String topic, String json) {
      client
          .publishWith()
          .topic(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(json.getBytes(StandardCharsets.UTF_8))
          .send();
    }

    @Override
    public void close() {
      client.disconnect();
    }
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
