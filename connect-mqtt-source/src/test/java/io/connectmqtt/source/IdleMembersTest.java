package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttProtocolVersion;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A member the broker leaves idle while another is busy subscribes again; a group from which
 * nothing arrives at all subscribes again after {@link IdleMembers#SILENT_GROUP_NANOS}, less often
 * the longer it stays silent. The clock is the test's.
 */
class IdleMembersTest {

  private static final List<String> FILTERS = List.of("$share/g/sensors/#");
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final FakeMqttConnection.Subscription AGAIN =
      new FakeMqttConnection.Subscription(FILTERS, 1);

  private long now = 1_000 * SECOND;
  private final IdleMembers members = new IdleMembers(1, () -> now);
  private final FakeMqttConnection busy = connected("busy");
  private final FakeMqttConnection idle = connected("idle");
  private final Runnable busyReceived = members.watch(busy);
  private final Runnable idleReceived = members.watch(idle);

  @Test
  void aMemberThatReceivesNothingWhileAnotherDoesSubscribesAgainOncePerIdleSecond() {
    // The task checks at most every half second: at 0.1 s, 0.6 s, 1.1 s... after the start.
    for (int tick = 0; tick < 12; tick++) {
      pollAfter(SECOND / 10, true, FILTERS);
    }
    assertThat(idle.subscriptions()).as("woken after a second").containsExactly(AGAIN);
    assertThat(busy.subscriptions()).isEmpty();
    for (int tick = 0; tick < 8; tick++) {
      pollAfter(SECOND / 10, true, FILTERS);
    }
    assertThat(idle.subscriptions()).as("not again within the idle second").hasSize(1);
    for (int tick = 0; tick < 7; tick++) {
      pollAfter(SECOND / 10, true, FILTERS);
    }
    assertThat(idle.subscriptions()).as("again a second later").hasSize(2);
    assertThat(members.wakeUps()).isEqualTo(2);
  }

  @Test
  void membersThatAllReceiveAreLeftAlone() {
    for (int tick = 0; tick < 100; tick++) {
      idleReceived.run();
      pollAfter(SECOND / 10, true, FILTERS);
    }
    assertThat(busy.subscriptions()).isEmpty();
    assertThat(idle.subscriptions()).isEmpty();
  }

  /**
   * HiveMQ CE can leave every member of a group idle while its shared queue holds messages
   * (docs/brokers.md): a silent group subscribes again at 1, 2, 4, 8, 16, 32 and 64 s of silence,
   * then once a minute; a message restarts the count.
   */
  @Test
  void aSilentGroupSubscribesAgainLessOftenTheLongerItStaysSilent() {
    pollAfter(SECOND, true, FILTERS);
    long[] expectedSecondsOfSilence = {1, 2, 4, 8, 16, 32, 64, 124, 184};
    int[] subscriptionsBy = new int[expectedSecondsOfSilence.length];
    long silentFor = 0;
    int wakes = 0;
    while (silentFor < 184 * SECOND + SECOND / 2) {
      pollAfter(SECOND / 4, false, FILTERS);
      silentFor += SECOND / 4;
      if (wakes < expectedSecondsOfSilence.length
          && silentFor >= expectedSecondsOfSilence[wakes] * SECOND) {
        subscriptionsBy[wakes++] = idle.subscriptions().size();
      }
    }
    assertThat(subscriptionsBy).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(busy.subscriptions()).hasSize(9).containsOnly(AGAIN);
    assertThat(members.wakeUps()).isEqualTo(18);

    // Messages flow again, then stop: the first wake-up comes a second into the new silence, at
    // the first check after that.
    pollAfter(SECOND / 4, true, FILTERS);
    for (int tick = 0; tick < 3; tick++) {
      pollAfter(SECOND / 4, false, FILTERS);
    }
    assertThat(busy.subscriptions()).as("0.75 s into the new silence").hasSize(9);
    pollAfter(SECOND / 4, false, FILTERS);
    pollAfter(SECOND / 4, false, FILTERS);
    assertThat(busy.subscriptions()).as("1.25 s into the new silence").hasSize(10);
  }

  @Test
  void aSilentPlainSubscriptionIsNotSubscribedAgain() {
    // Subscribing again to a plain filter would send its retained messages once more.
    List<String> plain = List.of("sensors/#");
    for (int tick = 0; tick < 40; tick++) {
      pollAfter(SECOND, false, plain);
    }
    assertThat(busy.subscriptions()).isEmpty();
    assertThat(idle.subscriptions()).isEmpty();
  }

  @Test
  void nothingHappensBeforeTheFiltersAreKnownOrWhileDisconnected() {
    for (int tick = 0; tick < 40; tick++) {
      pollAfter(SECOND, tick % 2 == 0, null);
    }
    busy.disconnect();
    idle.disconnect();
    for (int tick = 0; tick < 40; tick++) {
      pollAfter(SECOND, false, FILTERS);
    }
    assertThat(busy.subscriptions()).isEmpty();
    assertThat(idle.subscriptions()).isEmpty();
    assertThat(members.wakeUps()).isZero();
  }

  /**
   * {@code elapsed} later, one poll of the task: the busy member received a message if {@code
   * flowing}, then the check.
   */
  private void pollAfter(long elapsed, boolean flowing, List<String> filters) {
    now += elapsed;
    if (flowing) {
      busyReceived.run();
    }
    members.wake(filters);
  }

  private static FakeMqttConnection connected(String clientId) {
    FakeMqttConnection connection =
        new FakeMqttConnection(
            SourceTestSettings.settings(clientId, MqttProtocolVersion.MQTT_5), 10);
    connection.connect();
    return connection;
  }
}
