package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.MqttProtocolVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A client id a run with more connections used: its leftover session leaves the shared group and
 * hands what was queued for it to the intake; without one, the session it just made is ended.
 */
class RetiredClientIdsTest {

  private static final MqttConnectionSettings SETTINGS =
      SourceTestSettings.settings("src-0", MqttProtocolVersion.MQTT_5);

  private final MqttIntake intake = new MqttIntake(10);
  private final AtomicInteger ended = new AtomicInteger();

  @Test
  void aLeftoverSessionLeavesTheGroupAndHandsItsQueueToTheIntakeUntilClosed() throws Exception {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory(c -> c.sessionPresent(true));
    RetiredClientIds retired = retired(broker);
    retired.expect(2);

    retired.retire(SETTINGS.withClientId("src-0-c1"), 1);
    assertThat(retired.ended()).as("one of two retired").isFalse();
    retired.retire(SETTINGS.withClientId("src-0-c2"), 1);

    assertThat(ended).hasValue(2);
    assertThat(retired.ended()).isTrue();
    FakeMqttConnection leftover = broker.first();
    assertThat(leftover.clientId()).isEqualTo("src-0-c1");
    assertThat(leftover.unsubscriptions())
        .containsExactly(List.of("$share/grp/sensors/#", "$share/other/a/#"));
    assertThat(leftover.closed()).as("stays connected for what was queued").isFalse();

    leftover.deliver("sensors/a", "queued".getBytes(StandardCharsets.UTF_8), 1);
    InboundMessage handed = intake.poll(1_000);
    assertThat(handed).isNotNull();
    assertThat(handed.topic()).isEqualTo("sensors/a");

    retired.close();
    assertThat(broker.connections()).allMatch(FakeMqttConnection::closed);
  }

  @Test
  void withoutALeftoverSessionTheNewSessionIsEnded() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    RetiredClientIds retired = retired(broker);
    retired.expect(1);

    retired.retire(SETTINGS.withClientId("src-0-c1"), 1);

    assertThat(retired.ended()).isTrue();
    Awaitility.await("session ended")
        .atMost(Duration.ofSeconds(5))
        .until(() -> broker.first().sessionEnded());
    assertThat(broker.first().unsubscriptions()).isEmpty();
  }

  @Test
  void afterCloseAnIdIsNotConnected() {
    FakeMqttConnection.Factory broker = new FakeMqttConnection.Factory();
    RetiredClientIds retired = retired(broker);
    retired.close();

    retired.retire(SETTINGS.withClientId("src-0-c1"), 1);

    assertThat(broker.first().isConnected()).isFalse();
    Awaitility.await("closed").atMost(Duration.ofSeconds(5)).until(() -> broker.first().closed());
  }

  private RetiredClientIds retired(FakeMqttConnection.Factory broker) {
    return new RetiredClientIds(
        broker,
        10,
        intake,
        List.of("sensors/#", "$share/other/a/#"),
        "grp",
        ended::incrementAndGet);
  }
}
