package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BrokerVersionTest {

  @Test
  void mosquittoBefore21DropsSharedSubscriptionsOnRestart() {
    assertThat(new BrokerVersion("mosquitto version 2.0.11").dropsSharedSubscriptionsOnRestart())
        .isTrue();
    assertThat(new BrokerVersion("mosquitto version 2.0.22").dropsSharedSubscriptionsOnRestart())
        .isTrue();
    assertThat(new BrokerVersion("mosquitto version 1.6.9").dropsSharedSubscriptionsOnRestart())
        .isTrue();
    assertThat(new BrokerVersion("mosquitto version 2.1.2").dropsSharedSubscriptionsOnRestart())
        .isFalse();
    assertThat(new BrokerVersion("mosquitto version 3.0.0").dropsSharedSubscriptionsOnRestart())
        .isFalse();
    assertThat(new BrokerVersion("EMQX 5.8.0").dropsSharedSubscriptionsOnRestart()).isFalse();
  }
}
