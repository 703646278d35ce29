package io.connectmqtt.source.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The presence state machine, driven by a fake clock (the times passed in): no sleeps. */
class PresenceTrackerTest {

  private static final long SILENCE_MS = 30_000;

  private final PresenceTracker tracker = tracker();

  private static PresenceTracker tracker() {
    return new PresenceTracker(
        new PresenceRules(
            true,
            List.of(TopicPattern.parse("clients/{device}/will")),
            List.of(TopicPattern.parse("status/{device}")),
            List.of(TopicPattern.parse("sensors/{device}/#")),
            "online",
            "offline"),
        SILENCE_MS);
  }

  private List<PresenceEvent> message(PresenceTracker on, String topic, String payload, long now) {
    return on.onMessage(topic, payload.getBytes(StandardCharsets.UTF_8), now);
  }

  private static String summary(List<PresenceEvent> events) {
    return String.join(
        ",", events.stream().map(e -> e.device() + ":" + e.state() + ":" + e.reason()).toList());
  }

  @Test
  void firstMessageIsOnlineThenDataMessagesChangeNothing() {
    List<PresenceEvent> first = message(tracker, "sensors/d1/temp", "21", 1_000);
    assertThat(summary(first)).isEqualTo("d1:online:message");
    assertThat(first.get(0).firstSeen()).isEqualTo(1_000);
    for (int i = 1; i <= 100; i++) {
      assertThat(message(tracker, "sensors/d1/temp", "21", 1_000 + i)).isEmpty();
    }
    assertThat(message(tracker, "other/d1", "x", 2_000)).isEmpty();
  }

  @Test
  void willMessageTakesTheDeviceOfflineOnceAndLastSeenStaysTheDevicesOwnMessage() {
    message(tracker, "sensors/d1/temp", "21", 1_000);
    List<PresenceEvent> offline = message(tracker, "clients/d1/will", "gone", 5_000);
    assertThat(summary(offline)).isEqualTo("d1:offline:will");
    assertThat(offline.get(0).lastSeen()).isEqualTo(1_000);
    assertThat(offline.get(0).timestamp()).isEqualTo(5_000);
    assertThat(message(tracker, "clients/d1/will", "gone", 5_001)).isEmpty();
    List<PresenceEvent> back = message(tracker, "sensors/d1/temp", "22", 9_000);
    assertThat(summary(back)).isEqualTo("d1:online:message");
    assertThat(back.get(0).firstSeen()).isEqualTo(1_000);
  }

  @Test
  void explicitStatusPayloads() {
    assertThat(summary(message(tracker, "status/d2", "online", 1_000)))
        .isEqualTo("d2:online:explicit");
    assertThat(message(tracker, "status/d2", "something else", 1_500)).isEmpty();
    assertThat(summary(message(tracker, "status/d2", "offline", 2_000)))
        .isEqualTo("d2:offline:explicit");
    assertThat(summary(message(tracker, "clients/d2/will", "online", 3_000)))
        .isEqualTo("d2:online:explicit");
  }

  @Test
  void ndeathTakesTheNodeAndItsDevicesOfflineAndDdeathOneDevice() {
    message(tracker, "spBv1.0/plant/NBIRTH/edge1", "", 1_000);
    message(tracker, "spBv1.0/plant/DBIRTH/edge1/pump", "", 1_001);
    message(tracker, "spBv1.0/plant/DBIRTH/edge1/valve", "", 1_002);
    message(tracker, "spBv1.0/plant/DBIRTH/edge10/other", "", 1_003);
    assertThat(message(tracker, "spBv1.0/plant/DDATA/edge1/pump", "", 1_500)).isEmpty();
    assertThat(message(tracker, "spBv1.0/plant/NCMD/edge1", "", 1_600)).isEmpty();
    assertThat(summary(message(tracker, "spBv1.0/plant/DDEATH/edge1/valve", "", 2_000)))
        .isEqualTo("plant/edge1/valve:offline:ddeath");
    assertThat(summary(message(tracker, "spBv1.0/plant/NDEATH/edge1", "", 3_000)))
        .isEqualTo("plant/edge1:offline:ndeath,plant/edge1/pump:offline:ndeath");
    assertThat(summary(message(tracker, "spBv1.0/plant/NBIRTH/edge1", "", 4_000)))
        .isEqualTo("plant/edge1:online:birth");
  }

  /** An NBIRTH or NDEATH payload carrying the node's birth/death sequence number. */
  private static byte[] withBdSeq(long bdSeq) {
    return Payload.newBuilder()
        .setTimestamp(1)
        .addMetrics(
            Payload.Metric.newBuilder()
                .setName("bdSeq")
                .setDatatype(DataType.Int64.getNumber())
                .setLongValue(bdSeq))
        .build()
        .toByteArray();
  }

  /**
   * Sparkplug 3.0: an NDEATH whose bdSeq is not the one of the node's current NBIRTH belongs to an
   * earlier session (the broker may deliver the old Will after the new NBIRTH) and must not take
   * the node offline; the matching one does, also after a task restart.
   */
  @Test
  void ndeathOfAnEarlierSessionLeavesTheNodeOnline() {
    tracker.onMessage("spBv1.0/plant/NBIRTH/edge1", withBdSeq(3), 1_000);
    message(tracker, "spBv1.0/plant/DBIRTH/edge1/pump", "", 1_001);
    assertThat(tracker.onMessage("spBv1.0/plant/NDEATH/edge1", withBdSeq(2), 2_000))
        .as("the Will of session 2 after the NBIRTH of session 3")
        .isEmpty();
    assertThat(message(tracker, "spBv1.0/plant/DDATA/edge1/pump", "", 2_500))
        .as("the device stayed online")
        .isEmpty();

    PresenceTracker restarted = tracker();
    restarted.restore(tracker.snapshot(), 3_000);
    assertThat(restarted.onMessage("spBv1.0/plant/NDEATH/edge1", withBdSeq(2), 3_001)).isEmpty();
    assertThat(summary(restarted.onMessage("spBv1.0/plant/NDEATH/edge1", withBdSeq(3), 3_002)))
        .isEqualTo("plant/edge1:offline:ndeath,plant/edge1/pump:offline:ndeath");
  }

  @Test
  void ndeathWithoutAReadableBdSeqStillTakesTheNodeOffline() {
    tracker.onMessage("spBv1.0/plant/NBIRTH/edge1", withBdSeq(3), 1_000);
    assertThat(summary(message(tracker, "spBv1.0/plant/NDEATH/edge1", "not protobuf", 2_000)))
        .isEqualTo("plant/edge1:offline:ndeath");
  }

  @Test
  void silentDeviceGoesOfflineAfterTheConfiguredTimeAndOnlyOnce() {
    message(tracker, "sensors/d1/temp", "21", 0);
    message(tracker, "sensors/d2/temp", "21", 0);
    message(tracker, "sensors/d2/temp", "21", 20_000);
    assertThat(tracker.expire(SILENCE_MS - 1)).isEmpty();
    List<PresenceEvent> expired = tracker.expire(SILENCE_MS);
    assertThat(summary(expired)).isEqualTo("d1:offline:silence");
    assertThat(expired.get(0).lastSeen()).isZero();
    assertThat(expired.get(0).topic()).isNull();
    assertThat(tracker.expire(SILENCE_MS + 1)).isEmpty();
    assertThat(summary(tracker.expire(20_000 + SILENCE_MS))).isEqualTo("d2:offline:silence");
  }

  @Test
  void restoredStateRemembersFirstSeenAndRestartsTheSilenceClock() {
    message(tracker, "sensors/d1/temp", "21", 1_000);
    message(tracker, "sensors/d2/temp", "21", 1_000);
    message(tracker, "clients/d2/will", "x", 2_000);
    PresenceTracker restarted = tracker();
    restarted.restore(tracker.snapshot(), 100_000);
    assertThat(restarted.size()).isEqualTo(2);
    assertThat(message(restarted, "sensors/d1/temp", "21", 100_001)).isEmpty();
    List<PresenceEvent> back = message(restarted, "sensors/d2/temp", "21", 100_002);
    assertThat(summary(back)).isEqualTo("d2:online:message");
    assertThat(back.get(0).firstSeen()).isEqualTo(1_000);

    PresenceTracker silent = tracker();
    silent.restore(tracker.snapshot(), 100_000);
    assertThat(silent.expire(100_000 + SILENCE_MS - 1)).isEmpty();
    assertThat(summary(silent.expire(100_000 + SILENCE_MS))).isEqualTo("d1:offline:silence");
  }

  @Test
  void offlineSignalForAnUnknownDeviceRegistersItOffline() {
    assertThat(summary(message(tracker, "clients/d9/will", "gone", 1_000)))
        .isEqualTo("d9:offline:will");
    assertThat(tracker.expire(1_000 + SILENCE_MS)).isEmpty();
  }

  @Test
  void topicPatternsNeedExactlyOneDeviceLevel() {
    assertThat(TopicPattern.parse("a/{device}/#").device("a/x/y/z")).isEqualTo("x");
    assertThat(TopicPattern.parse("a/{device}/#").device("b/x/y")).isNull();
    assertThatThrownBy(() -> TopicPattern.parse("a/+/#")).hasMessageContaining("no {device}");
    assertThatThrownBy(() -> TopicPattern.parse("{device}/{device}"))
        .hasMessageContaining("more than one");
    assertThatThrownBy(() -> TopicPattern.parse("a/#/{device}"))
        .hasMessageContaining("not a valid");
  }

  @Test
  void sparkplugIdentitiesAndTopicsThatSayNothing() {
    assertThat(summary(message(tracker, "spBv1.0/g/NBIRTH/n", "", 1)))
        .isEqualTo("g/n:online:birth");
    assertThat(summary(message(tracker, "spBv1.0/g/DDATA/n/d", "", 2)))
        .isEqualTo("g/n/d:online:message");
    assertThat(message(tracker, "spBv1.0/g/DDEATH/n", "", 3))
        .as("a DDEATH without a device")
        .isEmpty();
    assertThat(message(tracker, "spBv1.0/STATE/host", "", 4)).isEmpty();
    assertThat(message(tracker, "spBv1.0/g/DCMD/n/d", "", 5)).isEmpty();
    assertThat(message(tracker, "spAv1.0/g/NBIRTH/n", "", 6)).isEmpty();
  }
}
