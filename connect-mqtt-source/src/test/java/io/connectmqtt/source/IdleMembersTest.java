package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttProtocolVersion;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A member the broker leaves idle while another is busy subscribes again; nothing happens while
 * nothing flows. Real time: a member is idle after {@link IdleMembers#IDLE_NANOS} (one second).
 */
class IdleMembersTest {

  private static final List<String> FILTERS = List.of("$share/g/sensors/#");

  private final IdleMembers members = new IdleMembers(1);
  private final FakeMqttConnection busy = connected("busy");
  private final FakeMqttConnection idle = connected("idle");
  private final Runnable busyReceived = members.watch(busy);

  {
    members.watch(idle);
  }

  @Test
  void aMemberThatReceivesNothingWhileAnotherDoesSubscribesAgainOncePerIdleSecond() {
    Awaitility.await("the idle member woken")
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> poll(true, FILTERS) > 0);

    assertThat(idle.subscriptions())
        .containsExactly(new FakeMqttConnection.Subscription(FILTERS, 1));
    assertThat(busy.subscriptions()).isEmpty();
    assertThat(poll(true, FILTERS)).as("not again within the idle second").isEqualTo(1);
  }

  @Test
  void nothingHappensWhileNothingFlowsOrBeforeTheFiltersAreKnown() {
    // The broker's queue is empty: it offers the next message to every member.
    Awaitility.await("no wake-up while nothing flows")
        .during(Duration.ofMillis(1_500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> poll(false, FILTERS) == 0);
    // Messages flow, but the members have not subscribed yet.
    Awaitility.await("no wake-up before the filters are known")
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> poll(true, null) == 0);
    assertThat(busy.subscriptions()).isEmpty();
    assertThat(idle.subscriptions()).isEmpty();
  }

  /**
   * One poll of the task: the busy member received a message if {@code flowing}, then the check.
   */
  private long poll(boolean flowing, List<String> filters) {
    if (flowing) {
      busyReceived.run();
    }
    members.wake(filters);
    return members.wakeUps();
  }

  private static FakeMqttConnection connected(String clientId) {
    FakeMqttConnection connection =
        new FakeMqttConnection(
            SourceTestSettings.settings(clientId, MqttProtocolVersion.MQTT_5), 10);
    connection.connect();
    return connection;
  }
}
