package io.connectmqtt.entitysync;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * When a subscription made or renewed now ends: after the configured lifetime, and never after the
 * expiry ({@code exp}) of the token it was made with, so that a subscription cannot outlive the
 * right to read.
 */
final class SubscriptionLifetime {

  private SubscriptionLifetime() {}

  /**
   * The end, or null for a subscription that lives until cancelled (no lifetime configured, no
   * token expiry).
   */
  static Instant expiresAt(Instant now, Duration ttl, Map<String, Object> claims) {
    Instant byTtl = ttl.isZero() ? null : now.plus(ttl);
    Instant byToken =
        claims.get("exp") instanceof Number exp ? Instant.ofEpochSecond(exp.longValue()) : null;
    if (byTtl == null || byToken == null) {
      return byTtl == null ? byToken : byTtl;
    }
    return byToken.isBefore(byTtl) ? byToken : byTtl;
  }
}
