package io.connectmqtt.entitysync.notify;

import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Subscription ids by entity and, where the filters require one column to equal one value (a lone
 * {@code eq} in an AND group), by that column and the value's equality keys: with 10,000
 * subscriptions a change is checked against the handful that can match, not against all. Written by
 * the table's thread, read by the task's.
 */
final class SubscriptionIndex {
  /** entity → ids of subscriptions without an indexable equality. */
  private final Map<String, Set<String>> unindexed = new ConcurrentHashMap<>();

  /**
   * entity → column → how the column compares (its type, inferred when the subscription does not
   * name one) → equality key → ids.
   */
  private final Map<String, Map<String, Map<Semantics, Map<Object, Set<String>>>>> byValue =
      new ConcurrentHashMap<>();

  /** A column's type (null: inferred) and database, which decide its values' equality keys. */
  record Semantics(ColumnType type, Database database) {}

  void add(Subscription subscription) {
    String entity = subscription.entity().toLowerCase(Locale.ROOT);
    Optional<Map.Entry<String, List<Object>>> keys = keys(subscription);
    if (keys.isEmpty()) {
      unindexed.computeIfAbsent(entity, e -> ConcurrentHashMap.newKeySet()).add(subscription.id());
      return;
    }
    Map<Object, Set<String>> values =
        byValue
            .computeIfAbsent(entity, e -> new ConcurrentHashMap<>())
            .computeIfAbsent(keys.get().getKey(), c -> new ConcurrentHashMap<>())
            .computeIfAbsent(
                semantics(subscription, keys.get().getKey()), t -> new ConcurrentHashMap<>());
    for (Object key : keys.get().getValue()) {
      values.computeIfAbsent(key, v -> ConcurrentHashMap.newKeySet()).add(subscription.id());
    }
  }

  void remove(Subscription subscription) {
    String entity = subscription.entity().toLowerCase(Locale.ROOT);
    Optional<Map.Entry<String, List<Object>>> keys = keys(subscription);
    if (keys.isEmpty()) {
      unindexed.getOrDefault(entity, Set.of()).remove(subscription.id());
      return;
    }
    Map<Object, Set<String>> values =
        byValue
            .getOrDefault(entity, Map.of())
            .getOrDefault(keys.get().getKey(), Map.of())
            .get(semantics(subscription, keys.get().getKey()));
    if (values == null) {
      return;
    }
    for (Object key : keys.get().getValue()) {
      Set<String> ids = values.get(key);
      if (ids != null) {
        ids.remove(subscription.id());
        if (ids.isEmpty()) {
          values.remove(key, ids);
        }
      }
    }
  }

  Collection<String> candidates(String entity, List<Map<String, Object>> rows) {
    Set<String> ids =
        new HashSet<>(unindexed.getOrDefault(entity.toLowerCase(Locale.ROOT), Set.of()));
    for (Map.Entry<String, Map<Semantics, Map<Object, Set<String>>>> column :
        byValue.getOrDefault(entity.toLowerCase(Locale.ROOT), Map.of()).entrySet()) {
      for (Map.Entry<Semantics, Map<Object, Set<String>>> typed : column.getValue().entrySet()) {
        for (Map<String, Object> row : rows) {
          if (row == null) {
            continue;
          }
          FilterOperator.rowEqualityKey(
                  row.get(column.getKey()), typed.getKey().type(), typed.getKey().database())
              .map(key -> typed.getValue().getOrDefault(key, Set.of()))
              .ifPresent(ids::addAll);
        }
      }
    }
    return ids;
  }

  private static Semantics semantics(Subscription subscription, String column) {
    return new Semantics(subscription.types().get(column), subscription.database());
  }

  /**
   * {@link #keys(List)} for a subscription's filters, keyed as its column's type and database say.
   */
  static Optional<Map.Entry<String, List<Object>>> keys(Subscription subscription) {
    return equality(subscription.filters())
        .map(
            only ->
                Map.entry(
                    only.column(),
                    FilterOperator.equalityKeys(
                        only.value(),
                        subscription.types().get(only.column()),
                        subscription.database())));
  }

  /**
   * The column and equality keys every match must have, from the first AND group that is a lone eq:
   * a row matches only if its value in that column has one of the keys.
   */
  static Optional<Map.Entry<String, List<Object>>> keys(List<Filter> filters) {
    return equality(filters)
        .map(only -> Map.entry(only.column(), FilterOperator.equalityKeys(only.value())));
  }

  /** The first AND group that is a lone eq with a value. */
  private static Optional<Filter> equality(List<Filter> filters) {
    for (List<Filter> group : Filter.groups(filters)) {
      Filter only = group.get(0);
      if (group.size() == 1 && only.operator() == FilterOperator.EQ && only.value() != null) {
        return Optional.of(only);
      }
    }
    return Optional.empty();
  }
}
