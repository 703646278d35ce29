package io.connectmqtt.common.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.testkit.FakeSinkTaskContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The publisher against a fake connection whose acknowledgements the test gives, in any order:
 * committable offsets never pass an unacknowledged message, the window bounds what is in flight,
 * refusals and bad records follow the policy and errors.tolerance.
 */
class AcknowledgedPublisherTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  /** Publishes nothing; each publish waits until the test acknowledges or refuses it. */
  static final class FakeConnection implements PublishConnection {
    final List<OutboundMessage> published = Collections.synchronizedList(new ArrayList<>());
    final List<CompletableFuture<Void>> pending = Collections.synchronizedList(new ArrayList<>());

    @Override
    public CompletableFuture<Void> publish(OutboundMessage message) {
      CompletableFuture<Void> ack = new CompletableFuture<>();
      published.add(message);
      pending.add(ack);
      return ack;
    }

    volatile boolean connected = true;

    /**
     * Whether the broker acknowledges what a resumed session sends again (it dropped the first
     * one).
     */
    volatile boolean acknowledgesResent;

    int resends;

    @Override
    public boolean isConnected() {
      return connected;
    }

    @Override
    public void resendUnacknowledged() {
      resends++;
      if (acknowledgesResent) {
        List<CompletableFuture<Void>> all;
        synchronized (pending) {
          all = List.copyOf(pending);
        }
        all.forEach(ack -> ack.complete(null));
      }
    }

    @Override
    public String broker() {
      return "tcp://fake:1883";
    }

    @Override
    public Optional<Throwable> fatalError() {
      return Optional.empty();
    }

    void acknowledge(int index) {
      pending.get(index).complete(null);
    }

    void refuse(int index) {
      pending
          .get(index)
          .completeExceptionally(
              new MqttConnection.MqttPublishRefusedException(
                  published.get(index).topic(),
                  "PUBACK NOT_AUTHORIZED",
                  new IllegalStateException("PUBACK NOT_AUTHORIZED")));
    }
  }

  private final FakeConnection connection = new FakeConnection();
  private FakeSinkTaskContext context;
  private TaskMetrics metrics;
  private AcknowledgedPublisher publisher;

  /** A new publisher (replacing one the test made before) on a fresh fake connection. */
  private AcknowledgedPublisher publisher(
      AcknowledgedPublisher.BadRecords policy, Map<String, String> settings) {
    closeMetrics();
    connection.pending.clear();
    connection.published.clear();
    Map<String, String> props = new HashMap<>(settings);
    props.putIfAbsent(DeliveryConfig.PUBLISH_TIMEOUT_CONFIG, "100");
    props.putIfAbsent(DeliveryConfig.RETRY_BACKOFF_CONFIG, "0");
    context = new FakeSinkTaskContext(props, Set.of(P0, P1));
    metrics = new TaskMetrics("publisher-test", "publisher-test-" + System.nanoTime(), 0);
    AbstractConfig config = new AbstractConfig(DeliveryConfig.update(new ConfigDef()), props);
    publisher =
        new AcknowledgedPublisher(new DeliveryConfig(config), connection, context, metrics, policy);
    return publisher;
  }

  @AfterEach
  void closeMetrics() {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }

  private static SinkRecord record(TopicPartition partition, long offset) {
    return new SinkRecord(
        partition.topic(), partition.partition(), null, null, null, "v" + offset, offset);
  }

  private static List<SinkRecord> records(TopicPartition partition, long from, long to) {
    return IntStream.range((int) from, (int) to)
        .mapToObj(o -> record(partition, o))
        .collect(Collectors.toList());
  }

  /** One message per record, to a topic naming the record. */
  private static List<OutboundMessage> message(SinkRecord record) {
    return List.of(
        OutboundMessage.of(
            record.topic() + "/" + record.kafkaPartition() + "/" + record.kafkaOffset(),
            record.value().toString().getBytes(StandardCharsets.UTF_8),
            1,
            false));
  }

  /** As Connect does on every poll when nothing is new, until {@code condition} holds. */
  private void putEmptyBatchesUntil(BooleanSupplier condition) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () -> {
              publisher.put(List.of(), AcknowledgedPublisherTest::message);
              return condition.getAsBoolean();
            });
  }

  /**
   * As Connect does on every poll when nothing is new, for {@code duration}: time itself is what
   * the test needs.
   */
  private void putEmptyBatchesFor(Duration duration) {
    long until = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < until) {
      publisher.put(List.of(), AcknowledgedPublisherTest::message);
    }
  }

  private Map<TopicPartition, Long> committed() {
    Map<TopicPartition, OffsetAndMetadata> offsets =
        publisher.committable(Map.of(P0, new OffsetAndMetadata(0), P1, new OffsetAndMetadata(0)));
    return offsets.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  @Test
  void offsetsNeverRunAheadOfTheAcknowledgedPrefixWhateverTheAcknowledgementOrder() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL, Map.of(DeliveryConfig.MAX_IN_FLIGHT_CONFIG, "2000"));
    List<SinkRecord> batch = new ArrayList<>(records(P0, 0, 500));
    batch.addAll(records(P1, 0, 500));
    publisher.put(batch, AcknowledgedPublisherTest::message);
    assertThat(connection.published).hasSize(1_000);
    assertThat(publisher.inFlight()).isEqualTo(1_000);
    List<Integer> order = IntStream.range(0, 1_000).boxed().collect(Collectors.toList());
    Collections.shuffle(order, new Random(42));
    boolean[] acknowledged = new boolean[1_000];
    for (int index : order) {
      connection.acknowledge(index);
      acknowledged[index] = true;
      Map<TopicPartition, Long> committed = committed();
      // Records 0..499 are P0's offsets 0..499, 500..999 P1's.
      assertThat(committed.getOrDefault(P0, 0L)).isEqualTo(prefix(acknowledged, 0));
      assertThat(committed.getOrDefault(P1, 0L)).isEqualTo(prefix(acknowledged, 500));
    }
    assertThat(committed()).containsEntry(P0, 500L).containsEntry(P1, 500L);
    assertThat(publisher.inFlight()).isZero();
    assertThat(metrics.value("messages-acknowledged-total")).isEqualTo(1_000.0);
  }

  private static long prefix(boolean[] acknowledged, int from) {
    long length = 0;
    while (length < 500 && acknowledged[from + (int) length]) {
      length++;
    }
    return length;
  }

  @Test
  void aRecordWithSeveralMessagesIsDoneOnlyWhenAllAreAcknowledged() {
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of());
    publisher.put(
        records(P0, 0, 1),
        record -> List.of(message(record).get(0), message(record).get(0), message(record).get(0)));
    connection.acknowledge(0);
    connection.acknowledge(2);
    assertThat(committed()).isEmpty();
    connection.acknowledge(1);
    assertThat(committed()).containsEntry(P0, 1L);
  }

  @Test
  void recordsARegexRouterRenamedAreCommittedUnderThePartitionConnectReadThemFrom() {
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of());
    // What RegexRouter hands the task: the same record under another topic name
    // (SinkRecord.newRecord).
    List<SinkRecord> renamed =
        records(P0, 0, 3).stream()
            .map(
                r ->
                    r.newRecord(
                        "renamed",
                        r.kafkaPartition(),
                        r.keySchema(),
                        r.key(),
                        r.valueSchema(),
                        r.value(),
                        r.timestamp()))
            .collect(Collectors.toList());
    publisher.put(renamed, AcknowledgedPublisherTest::message);
    connection.acknowledge(0);
    connection.acknowledge(1);
    assertThat(committed()).containsEntry(P0, 2L);
    connection.acknowledge(2);
    assertThat(committed()).containsEntry(P0, 3L);
  }

  @Test
  void recordsAFilterDroppedAreCommittedOnceNothingBeforeThemAwaitsAnAcknowledgement() {
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of());
    // Offsets 0 and 2 reached put(); 1, 3 and 4 were dropped by a Filter: Connect's own offset is
    // 5.
    publisher.put(List.of(record(P0, 0), record(P0, 2)), AcknowledgedPublisherTest::message);
    Map<TopicPartition, OffsetAndMetadata> connectOffsets =
        Map.of(P0, new OffsetAndMetadata(5), P1, new OffsetAndMetadata(7));
    assertThat(publisher.committable(connectOffsets))
        .as("P1: every record it had was dropped")
        .containsOnlyKeys(P1)
        .containsEntry(P1, new OffsetAndMetadata(7));
    connection.acknowledge(0);
    assertThat(publisher.committable(connectOffsets))
        .as("offset 2 awaits its acknowledgement")
        .containsEntry(P0, new OffsetAndMetadata(1));
    connection.acknowledge(1);
    assertThat(publisher.committable(connectOffsets))
        .as("past the dropped tail")
        .containsEntry(P0, new OffsetAndMetadata(5));
  }

  @Test
  void theWindowBoundsWhatIsInFlightAndAFullWindowIsRetriableWithoutLosingTheRest() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL,
        Map.of(
            DeliveryConfig.MAX_IN_FLIGHT_CONFIG, "3", DeliveryConfig.RETRY_BACKOFF_CONFIG, "250"));
    assertThatThrownBy(() -> publisher.put(records(P0, 0, 5), AcknowledgedPublisherTest::message))
        .isInstanceOf(RetriableException.class)
        .hasMessageContaining("3 messages await acknowledgement");
    assertThat(connection.published).as("no more than the window").hasSize(3);
    assertThat(context.timeouts).containsExactly(250L);
    assertThat(metrics.value("retries-total")).isEqualTo(1.0);
    for (int i = 0; i < 3; i++) {
      connection.acknowledge(i);
    }
    assertThat(committed()).containsEntry(P0, 3L);
    // Connect redelivers the whole batch: what was accepted is not published twice, the rest is.
    publisher.put(records(P0, 0, 5), AcknowledgedPublisherTest::message);
    assertThat(connection.published)
        .extracting(OutboundMessage::topic)
        .containsExactly("t/0/0", "t/0/1", "t/0/2", "t/0/3", "t/0/4");
    connection.acknowledge(4);
    assertThat(committed()).as("offset 3 is not acknowledged yet").containsEntry(P0, 3L);
    connection.acknowledge(3);
    assertThat(committed()).containsEntry(P0, 5L);
  }

  @Test
  void aBrokerThatNeverAcknowledgesFailsTheTaskAfterTheConfiguredRetries() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL,
        Map.of(DeliveryConfig.MAX_IN_FLIGHT_CONFIG, "1", DeliveryConfig.RETRIES_CONFIG, "2"));
    publisher.put(records(P0, 0, 1), AcknowledgedPublisherTest::message);
    for (int retry = 1; retry <= 2; retry++) {
      assertThatThrownBy(() -> publisher.put(records(P0, 1, 2), AcknowledgedPublisherTest::message))
          .isInstanceOf(RetriableException.class)
          .hasMessageContaining("retry");
    }
    assertThatThrownBy(() -> publisher.put(records(P0, 1, 2), AcknowledgedPublisherTest::message))
        .isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("giving up after 2 retries (mqtt.retries.max)");
    assertThat(committed()).isEmpty();
  }

  @Test
  void aRefusalFailsTheTaskUnderFailWithoutTolerance() {
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of());
    publisher.put(records(P0, 0, 2), AcknowledgedPublisherTest::message);
    connection.acknowledge(1);
    connection.refuse(0);
    assertThatThrownBy(() -> publisher.put(List.of(), AcknowledgedPublisherTest::message))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("The broker refused record t-0@0")
        .hasMessageContaining("NOT_AUTHORIZED");
    assertThat(committed()).as("never past the refused record").isEmpty();
    assertThat(metrics.value("messages-refused-total")).isEqualTo(1.0);
  }

  @Test
  void aRefusalIsReportedAndCommittedPastUnderTolerance() {
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of("errors.tolerance", "all"));
    publisher.put(records(P0, 0, 2), AcknowledgedPublisherTest::message);
    connection.refuse(0);
    connection.acknowledge(1);
    assertThat(context.reported).extracting(SinkRecord::kafkaOffset).containsExactly(0L);
    assertThat(context.reasons.get(0))
        .isInstanceOf(MqttConnection.MqttPublishRefusedException.class);
    assertThat(committed()).containsEntry(P0, 2L);
    assertThat(metrics.value("errors-total")).isEqualTo(1.0);
  }

  @Test
  void aRefusalIsSkippedUnderSkipAndTheRecordIsDoneOnceItsOtherMessagesAre() {
    publisher(AcknowledgedPublisher.BadRecords.SKIP, Map.of());
    publisher.put(
        records(P0, 0, 1), record -> List.of(message(record).get(0), message(record).get(0)));
    connection.refuse(0);
    assertThat(committed()).isEmpty();
    connection.acknowledge(1);
    assertThat(committed()).containsEntry(P0, 1L);
    assertThat(context.reported).isEmpty();
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
  }

  @Test
  void badRecordsFailUnderFailAndAreSkippedUnderSkip() {
    AcknowledgedPublisher.Messages bad =
        record -> {
          throw new BadRecordException("no topic for " + record.kafkaOffset(), null);
        };
    publisher(AcknowledgedPublisher.BadRecords.FAIL, Map.of());
    assertThatThrownBy(() -> publisher.put(records(P0, 0, 1), bad))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("Cannot publish record t-0@0: no topic for 0")
        .hasMessageContaining("errors.tolerance=all");
    assertThat(committed()).isEmpty();

    publisher(AcknowledgedPublisher.BadRecords.SKIP, Map.of());
    publisher.put(records(P0, 0, 3), bad);
    assertThat(committed()).containsEntry(P0, 3L);
    assertThat(metrics.value("errors-total")).isEqualTo(3.0);
    assertThat(connection.published).isEmpty();
  }

  @Test
  void commitsAreRequestedOncePerIntervalAndOnlyAfterProgress() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL, Map.of(DeliveryConfig.COMMIT_INTERVAL_CONFIG, "0"));
    publisher.put(records(P0, 0, 1), AcknowledgedPublisherTest::message);
    connection.acknowledge(0);
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(context.commitRequests).as("0: left to the worker").isZero();

    publisher(
        AcknowledgedPublisher.BadRecords.FAIL,
        Map.of(DeliveryConfig.COMMIT_INTERVAL_CONFIG, "3600000"));
    publisher.put(records(P0, 0, 1), AcknowledgedPublisherTest::message);
    connection.acknowledge(0);
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(context.commitRequests).as("not before the interval").isZero();

    publisher(
        AcknowledgedPublisher.BadRecords.FAIL, Map.of(DeliveryConfig.COMMIT_INTERVAL_CONFIG, "1"));
    publisher.put(records(P0, 0, 1), AcknowledgedPublisherTest::message);
    connection.acknowledge(0);
    putEmptyBatchesUntil(() -> context.commitRequests == 1);
    // Many intervals without progress: no further request.
    putEmptyBatchesFor(Duration.ofMillis(20));
    assertThat(context.commitRequests).isEqualTo(1);
    publisher.put(records(P0, 1, 2), AcknowledgedPublisherTest::message);
    connection.acknowledge(1);
    putEmptyBatchesUntil(() -> context.commitRequests == 2);
  }

  @Test
  void whileAcknowledgementsAwaitACommitTheNextPollIsBoundedSoTheyAreCommittedWithoutNewRecords() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL,
        Map.of(DeliveryConfig.COMMIT_INTERVAL_CONFIG, "200"));
    publisher.put(records(P0, 0, 3), AcknowledgedPublisherTest::message);
    assertThat(context.timeouts)
        .as("acknowledgements awaited: the next poll is bounded by the interval")
        .singleElement()
        .satisfies(ms -> assertThat(ms).isBetween(1L, 200L));
    // The burst is over; the acknowledgements arrive between polls that bring no records.
    for (int i = 0; i < 3; i++) {
      connection.acknowledge(i);
    }
    putEmptyBatchesUntil(() -> context.commitRequests == 1);
    assertThat(context.timeouts)
        .as("every put while something was pending bounded the next poll")
        .allSatisfy(ms -> assertThat(ms).isBetween(1L, 200L));
    context.timeouts.clear();
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(context.timeouts)
        .as("nothing pending: the poll waits as long as Connect likes")
        .isEmpty();
    assertThat(context.commitRequests).isEqualTo(1);
  }

  @Test
  void aPublishTheBrokerNeverAcknowledgesIsSentAgainOncePerAckTimeoutAndOffsetsWaitForIt() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL, Map.of(DeliveryConfig.ACK_TIMEOUT_CONFIG, "300"));
    publisher.put(records(P0, 0, 3), AcknowledgedPublisherTest::message);
    connection.acknowledge(0);
    connection.acknowledge(2);
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(connection.resends).as("not before the timeout").isZero();
    assertThat(committed()).containsEntry(P0, 1L);
    putEmptyBatchesUntil(() -> connection.resends == 1);
    assertThat(metrics.value("ack-timeout-reconnects-total")).isEqualTo(1.0);
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(committed())
        .as("not past the record until its resent publish is acknowledged")
        .containsEntry(P0, 1L);
    assertThat(connection.resends).as("one reconnect per timeout").isEqualTo(1);
    connection.acknowledge(1);
    assertThat(committed()).containsEntry(P0, 3L);
    assertThat(publisher.inFlight()).isZero();
  }

  @Test
  void aFullWindowOfDroppedPublishesIsResentWhilePutWaitsForRoom() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL,
        Map.of(
            DeliveryConfig.MAX_IN_FLIGHT_CONFIG,
            "2",
            DeliveryConfig.ACK_TIMEOUT_CONFIG,
            "300",
            DeliveryConfig.PUBLISH_TIMEOUT_CONFIG,
            "10000"));
    connection.acknowledgesResent = true;
    publisher.put(records(P0, 0, 2), AcknowledgedPublisherTest::message);
    // The broker dropped both: put waits for room, and after the acknowledgement timeout the
    // session is resumed.
    publisher.put(records(P0, 2, 3), AcknowledgedPublisherTest::message);
    assertThat(connection.resends).isEqualTo(1);
    assertThat(metrics.value("retries-total")).as("no retriable failure").isZero();
    connection.acknowledge(2);
    assertThat(committed()).containsEntry(P0, 3L);
  }

  @Test
  void noReconnectWhileTheConnectionIsDown() {
    publisher(
        AcknowledgedPublisher.BadRecords.FAIL, Map.of(DeliveryConfig.ACK_TIMEOUT_CONFIG, "100"));
    connection.connected = false;
    publisher.put(records(P0, 0, 1), AcknowledgedPublisherTest::message);
    // Several timeouts pass with the connection down: its own reconnect resends, so no reconnect of
    // ours.
    putEmptyBatchesFor(Duration.ofMillis(400));
    assertThat(connection.resends).isZero();
    connection.connected = true;
    publisher.put(List.of(), AcknowledgedPublisherTest::message);
    assertThat(connection.resends).isEqualTo(1);
    assertThat(metrics.value("ack-timeout-reconnects-total")).isEqualTo(1.0);
  }
}
