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

  @Test
  void aMemberThatReceivesNothingWhileAnotherDoesSubscribesAgainOncePerIdleSecond() {
    FakeMqttConnection busy = connected("busy");
    FakeMqttConnection idle = connected("idle");
    Runnable busyReceived = members.watch(busy);
    members.watch(idle);

    Awaitility.await("the idle member woken")
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              busyReceived.run();
              members.wake(FILTERS);
              return members.wakeUps() > 0;
            });

    assertThat(idle.subscriptions())
        .containsExactly(new FakeMqttConnection.Subscription(FILTERS, 1));
    assertThat(busy.subscriptions()).isEmpty();
    members.wake(FILTERS);
    assertThat(members.wakeUps()).as("not again within the idle second").isEqualTo(1);
  }

  @Test
  void nothingHappensWhileNothingFlowsOrBeforeTheFiltersAreKnown() {
    FakeMqttConnection first = connected("first");
    FakeMqttConnection second = connected("second");
    Runnable firstReceived = members.watch(first);
    members.watch(second);

    // The broker's queue is empty: it offers the next message to every member.
    Awaitility.await("no wake-up while nothing flows")
        .during(Duration.ofMillis(1_500))
        .atMost(Duration.ofSeconds(3))
        .until(
            () -> {
              members.wake(FILTERS);
              return members.wakeUps() == 0;
            });
    // Messages flow, but the members have not subscribed yet.
    Awaitility.await("no wake-up before the filters are known")
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(
            () -> {
              firstReceived.run();
              members.wake(null);
              return members.wakeUps() == 0;
            });
    assertThat(first.subscriptions()).isEmpty();
    assertThat(second.subscriptions()).isEmpty();
  }

  private static FakeMqttConnection connected(String clientId) {
    FakeMqttConnection connection =
        new FakeMqttConnection(
            SourceTestSettings.settings(clientId, MqttProtocolVersion.MQTT_5), 10);
    connection.connect();
    return connection;
  }
}
