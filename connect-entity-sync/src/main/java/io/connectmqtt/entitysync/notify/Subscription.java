package io.connectmqtt.entitysync.notify;

import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterMatcher;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One subscription, its filters compiled once for its columns' types ({@code types}; a column not
 * there is inferred) and {@code database}; {@code expiresAt} null when it does not expire.
 */
record Subscription(
    String id,
    String clientId,
    String schema,
    String entity,
    String notifyTopic,
    List<Filter> filters,
    Map<String, ColumnType> types,
    Database database,
    FilterMatcher matcher,
    Instant expiresAt) {

  static Subscription of(SubscriptionRecord record) {
    return new Subscription(
        record.subscriptionId(),
        record.clientId(),
        record.schema(),
        record.entity(),
        record.notifyTopic(),
        record.filters(),
        record.types(),
        record.database(),
        record.matcher(),
        record.expiresAt());
  }

  boolean expired(Instant now) {
    return expiresAt != null && expiresAt.isBefore(now);
  }
}
