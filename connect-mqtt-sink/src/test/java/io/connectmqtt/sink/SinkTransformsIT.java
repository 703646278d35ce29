package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka's built-in transforms on the sink keep its committed offsets right: records a {@code
 * Filter} drops never reach the task, yet the connector's consumer group must commit past them up
 * to the end of every partition; and records {@code RegexRouter} renamed must still have their
 * offsets committed under the topic they were read from. Before the fix the renamed records'
 * offsets were never committed (0 of 3,000), and a filtered tail stayed uncommitted for good. One
 * Kafka and worker (separate JVMs, the plugin from {@code plugin.path}) and HiveMQ CE for the
 * class.
 */
class SinkTransformsIT {

  private static final int RECORDS = 3_000;
  private static final int PARTITIONS = 3;

  /** Records at the end of the topic that the filter drops: the last records of every partition. */
  private static final int FILTERED_TAIL = 30;

  /** The workers' offset.flush.interval.ms here. */
  private static final Duration FLUSH_INTERVAL = Duration.ofSeconds(5);

  private static final String FILTERED = "sink.smt.filter";
  private static final String ROUTED = "sink.smt.route";

  private static HiveMqBroker hivemq;
  private static ProcessStack stack;

  @BeforeAll
  static void startStack() {
    hivemq = HiveMqBroker.start();
    // Once traffic stops, Connect commits only every offset.flush.interval.ms (60 s by default),
    // the last chance for records a Filter dropped at the end of a partition: 5 s keeps the wait
    // for that commit short. This class measures no duplicates, which would depend on the interval.
    stack =
        ProcessStack.start(
            List.of(ProjectLayout.pluginDirectory("connect-mqtt-sink")),
            Map.of(),
            Map.of("offset.flush.interval.ms", Long.toString(FLUSH_INTERVAL.toMillis())));
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  /**
   * Odd records and the last {@link #FILTERED_TAIL} carry a {@code skip} header, which the filter
   * drops.
   */
  private static boolean skipped(int seq) {
    return seq % 2 == 1 || seq >= RECORDS - FILTERED_TAIL;
  }

  private static void produce(String topic) {
    stack.topics().create(topic, PARTITIONS);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(RECORDS);
    for (int i = 0; i < RECORDS; i++) {
      ProducerRecord<byte[], byte[]> record =
          new ProducerRecord<>(
              topic,
              i % PARTITIONS,
              ("k" + i).getBytes(StandardCharsets.UTF_8),
              ByteBuffer.allocate(64).putLong(0, i).array());
      if (skipped(i)) {
        record.headers().add(new RecordHeader("skip", new byte[0]));
      }
      records.add(record);
    }
    stack.topics().send(records);
  }

  /**
   * Both connectors at once, so that the class stays within a few commit intervals: once traffic
   * stops, Connect polls nothing and commits only at {@code offset.flush.interval.ms} ({@link
   * #FLUSH_INTERVAL} here), the last chance for records a Filter dropped at the end of a partition.
   */
  @Test
  void filterAndRegexRouterStillCommitOffsetsToTheEndOfEveryPartition() {
    produce(FILTERED);
    produce(ROUTED);
    int kept = (int) IntStream.range(0, RECORDS).filter(i -> !skipped(i)).count();
    try (MqttRecorder filtered =
            MqttRecorder.subscribe("smt-filter-sub", hivemq.port(), "smt/filter/#");
        MqttRecorder routed =
            MqttRecorder.subscribe("smt-route-sub", hivemq.port(), "smt/routed.sink/#")) {
      Map<String, String> filter =
          SinkConfigs.bytes(FILTERED, hivemq.uri(), "smt/filter/${partition}");
      filter.put("transforms", "dropSkipped");
      filter.put("transforms.dropSkipped.type", "org.apache.kafka.connect.transforms.Filter");
      filter.put("transforms.dropSkipped.predicate", "hasSkip");
      filter.put("predicates", "hasSkip");
      filter.put(
          "predicates.hasSkip.type", "org.apache.kafka.connect.transforms.predicates.HasHeaderKey");
      filter.put("predicates.hasSkip.name", "skip");
      // The MQTT topic shows the renamed Kafka topic: ${topic} is what the task sees after the
      // transform.
      Map<String, String> route =
          SinkConfigs.bytes(ROUTED, hivemq.uri(), "smt/${topic}/${partition}");
      route.put("transforms", "rename");
      route.put("transforms.rename.type", "org.apache.kafka.connect.transforms.RegexRouter");
      route.put("transforms.rename.regex", "sink\\.smt\\.route");
      route.put("transforms.rename.replacement", "routed.sink");
      long started = System.nanoTime();
      stack.rest().createOrReplace("smt-sink-filter", filter);
      stack.rest().createOrReplace("smt-sink-route", route);
      try {
        assertCommitsReachTheEnd("smt-sink-filter", filtered, kept, true, started);
        assertCommitsReachTheEnd("smt-sink-route", routed, RECORDS, false, started);
      } finally {
        stack.rest().deleteAndAwaitGone("smt-sink-filter", Duration.ofSeconds(30));
        stack.rest().deleteAndAwaitGone("smt-sink-route", Duration.ofSeconds(30));
      }
    }
  }

  private static void assertCommitsReachTheEnd(
      String name, MqttRecorder subscriber, int expected, boolean filters, long started) {
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    try {
      Awaitility.await(expected + " messages of " + name)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> subscriber.sequences().cardinality() >= expected);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // Reported below with the counts and the broker's drops.
    }
    BitSet seen = subscriber.sequences();
    double allReceived = (System.nanoTime() - started) / 1e9;
    long[] committed = {0};
    try {
      Awaitility.await(name + " commits to the end")
          .atMost(Duration.ofSeconds(80))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  (committed[0] = stack.topics().committedOffsetSum("connect-" + name)) == RECORDS);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // Reported below with the count.
    }
    int skippedSeen = (int) seen.stream().filter(seq -> filters && skipped(seq)).count();
    System.out.printf(
        "SMT-SINK: %s: %d records, %d to publish, %d received (%d distinct, %d that the filter drops), "
            + "%d of %d offsets committed, %d messages the broker dropped; all received %.1f s, commits checked %.1f s "
            + "after the connectors' creation%n",
        name,
        RECORDS,
        expected,
        subscriber.received().size(),
        seen.cardinality(),
        skippedSeen,
        committed[0],
        RECORDS,
        hivemq.droppedMessages(),
        allReceived,
        (System.nanoTime() - started) / 1e9);
    assertThat(hivemq.droppedMessages())
        .as("messages HiveMQ dropped for a subscriber that could not keep up")
        .isZero();
    assertThat(skippedSeen).as("records the filter drops, published").isZero();
    assertThat(seen.cardinality()).as("distinct records published").isEqualTo(expected);
    assertThat(committed[0])
        .as("offsets committed by connect-" + name + " (end: " + RECORDS + ")")
        .isEqualTo(RECORDS);
  }
}
