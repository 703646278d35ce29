package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.TestBroker;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What real brokers say on {@code $SYS/broker/version}. */
class BrokerVersionIT {

  private static MqttConnectionConfig.MqttConnectionSettings settings(TestBroker broker) {
    return MqttConnectionFactory.HIVEMQ.negotiate(TestBrokerSettings.of(broker, "version-it"));
  }

  /** Probes in a row: the unsubscribe fence must catch the retained version every time. */
  private static final int PROBES = 50;

  @Test
  void mosquittoNamesItsVersion() {
    try (TestBroker mosquitto = Broker.MOSQUITTO.start()) {
      Optional<BrokerVersion> version = BrokerVersion.probe(settings(mosquitto));
      assertThat(version).as("mosquitto's $SYS/broker/version").isPresent();
      for (int probe = 2; probe <= PROBES; probe++) {
        assertThat(BrokerVersion.probe(settings(mosquitto)).map(BrokerVersion::text))
            .as("probe %d of %d", probe, PROBES)
            .isEqualTo(version.map(BrokerVersion::text));
      }
      assertThat(version.get().text()).startsWith("mosquitto version ");
      // Debian 12's mosquitto is 2.0.11; whatever this machine has, the answer follows its version.
      assertThat(version.get().dropsSharedSubscriptionsOnRestart())
          .isEqualTo(version.get().text().matches("mosquitto version (1\\.|2\\.0\\.).*"));
    }
  }

  @Test
  void hiveMqHasNoVersionTopic() {
    try (TestBroker hivemq = Broker.HIVEMQ.start()) {
      assertThat(BrokerVersion.probe(settings(hivemq))).isEmpty();
    }
  }
}
