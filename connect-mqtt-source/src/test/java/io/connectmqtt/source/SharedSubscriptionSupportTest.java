package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttProtocolVersion;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * How many connections auto opens, and why; whether the broker shares a stream. (The broker that
 * drops shared subscriptions in a restart is SourceConnectionsIT's, with a real mosquitto.)
 */
class SharedSubscriptionSupportTest {

  @Test
  void autoOpensSeveralMembersOnAnMqtt5BrokerWithSharedSubscriptionsBelowQos2() {
    FakeMqttConnection mqtt5 = connection(MqttProtocolVersion.MQTT_5);
    assertThat(SharedSubscriptionSupport.autoConnections(mqtt5, 1, Optional.empty()))
        .isEqualTo(SubscriptionConfig.AUTO_SHARED_CONNECTIONS);
    assertThat(SharedSubscriptionSupport.autoReason(mqtt5, 1, Optional.empty()))
        .contains("has shared subscriptions")
        .contains(SubscriptionConfig.AUTO_SHARED_CONNECTIONS + " members");
  }

  @Test
  void autoStaysAtOneOnMqtt311AndAtQos2() {
    FakeMqttConnection mqtt311 = connection(MqttProtocolVersion.MQTT_3_1_1);
    assertThat(SharedSubscriptionSupport.autoConnections(mqtt311, 1, Optional.empty()))
        .isEqualTo(1);
    assertThat(SharedSubscriptionSupport.autoReason(mqtt311, 1, Optional.empty()))
        .contains("MQTT 3.1.1")
        .endsWith("one connection");

    FakeMqttConnection mqtt5 = connection(MqttProtocolVersion.MQTT_5);
    assertThat(SharedSubscriptionSupport.autoConnections(mqtt5, 2, Optional.empty())).isEqualTo(1);
    assertThat(SharedSubscriptionSupport.autoReason(mqtt5, 2, Optional.empty()))
        .startsWith("mqtt.qos=2")
        .endsWith("one connection");
  }

  @Test
  void aBrokerThatRefusesTheSharedSubscriptionIsAProblem() {
    FakeMqttConnection probe =
        connection(MqttProtocolVersion.MQTT_5)
            .refuseSubscription("$share/grp/sensors/#", "NOT_AUTHORIZED");
    assertThat(SharedSubscriptionSupport.problem(probe, "grp", List.of("sensors/#", "other/#")))
        .hasValueSatisfying(
            p -> assertThat(p).contains("refused the shared subscription '$share/grp/sensors/#'"));
  }

  @Test
  void anMqtt5BrokerThatAcceptsTheSharedSubscriptionIsNone() {
    FakeMqttConnection probe = connection(MqttProtocolVersion.MQTT_5);
    assertThat(SharedSubscriptionSupport.problem(probe, "grp", List.of("sensors/#"))).isEmpty();
    assertThat(probe.subscriptions())
        .containsExactly(new FakeMqttConnection.Subscription(List.of("$share/grp/sensors/#"), 0));
  }

  private static FakeMqttConnection connection(MqttProtocolVersion version) {
    FakeMqttConnection connection =
        new FakeMqttConnection(SourceTestSettings.settings("probe", version), 10);
    connection.connect();
    return connection;
  }
}
