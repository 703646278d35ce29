package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SubscriptionLifetimeTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void theEarlierOfTheConfiguredLifetimeAndTheTokensExpiry() {
    long soon = NOW.getEpochSecond() + 60;
    long late = NOW.getEpochSecond() + 7_200;
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ofHours(1), Map.of("exp", soon)))
        .isEqualTo(Instant.ofEpochSecond(soon));
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ofHours(1), Map.of("exp", late)))
        .isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ZERO, Map.of("exp", late)))
        .as("no configured lifetime: still not beyond the token")
        .isEqualTo(Instant.ofEpochSecond(late));
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ofHours(1), Map.of()))
        .isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ZERO, Map.of()))
        .as("until cancelled")
        .isNull();
    assertThat(SubscriptionLifetime.expiresAt(NOW, Duration.ZERO, Map.of("exp", "tomorrow")))
        .isNull();
  }
}
