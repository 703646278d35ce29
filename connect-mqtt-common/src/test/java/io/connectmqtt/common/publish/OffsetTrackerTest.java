package io.connectmqtt.common.publish;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {

  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  @Test
  void commitsOnlyThePrefixTheBrokerAcknowledged() {
    OffsetTracker tracker = accepted(P0, 10, 11, 12, 13, 14);
    assertThat(tracker.committable()).isEmpty();
    done(tracker, P0, 12, 13);
    assertThat(tracker.committable()).isEmpty();
    tracker.done(P0, 10);
    assertThat(tracker.committable().get(P0).offset()).isEqualTo(11);
    tracker.done(P0, 11);
    assertThat(tracker.committable().get(P0).offset()).isEqualTo(14);
    assertThat(tracker.inFlight()).isEqualTo(1);
  }

  @Test
  void partitionsAreIndependentAndRedeliveriesAreRecognised() {
    OffsetTracker tracker = accepted(P0, 5);
    tracker.accept(P1, 7);
    tracker.done(P1, 7);
    assertThat(tracker.committable()).containsOnlyKeys(P1);
    assertThat(tracker.alreadyAccepted(P0, 5)).isTrue();
    assertThat(tracker.alreadyAccepted(P0, 6)).isFalse();
  }

  @Test
  void aRecordGivenBackAfterARetriableFailureIsAcceptedAgainAndNeverCommittedUnpublished() {
    OffsetTracker tracker = accepted(P0, 1, 2);
    tracker.done(P0, 1);
    tracker.forgetAcceptanceOf(P0, 2);
    assertThat(tracker.alreadyAccepted(P0, 2)).isFalse();
    assertThat(tracker.committable().get(P0).offset()).isEqualTo(2);
    tracker.accept(P0, 2);
    assertThat(tracker.committable().get(P0).offset()).isEqualTo(2);
  }

  @Test
  void progressCountsOnlyAcknowledgementsThatMoveACommittableOffset() {
    OffsetTracker tracker = accepted(P0, 1, 2);
    tracker.done(P0, 2);
    assertThat(tracker.progress()).as("2 acknowledged before 1: nothing committable yet").isZero();
    tracker.done(P0, 1);
    assertThat(tracker.progress()).isEqualTo(1);
    tracker.done(P0, 1);
    assertThat(tracker.progress()).as("a repeated acknowledgement").isEqualTo(1);
  }

  /** A tracker that accepted {@code offsets} of {@code partition}, in this order. */
  private static OffsetTracker accepted(TopicPartition partition, long... offsets) {
    OffsetTracker tracker = new OffsetTracker();
    for (long offset : offsets) {
      tracker.accept(partition, offset);
    }
    return tracker;
  }

  private static void done(OffsetTracker tracker, TopicPartition partition, long... offsets) {
    for (long offset : offsets) {
      tracker.done(partition, offset);
    }
  }
}
