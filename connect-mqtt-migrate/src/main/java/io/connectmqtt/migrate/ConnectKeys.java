package io.connectmqtt.migrate;

import java.util.List;
import java.util.Set;

/**
 * Kafka Connect's own connector keys, which mean the same to every connector and pass through
 * unchanged.
 */
final class ConnectKeys {

  private static final Set<String> COMMON =
      Set.of(
          "name",
          "tasks.max",
          "key.converter",
          "value.converter",
          "header.converter",
          "transforms",
          "predicates",
          "config.action.reload",
          "errors.tolerance",
          "errors.log.enable",
          "errors.log.include.messages",
          "errors.retry.timeout",
          "errors.retry.delay.max.ms");

  private static final List<String> COMMON_PREFIXES =
      List.of(
          "key.converter.", "value.converter.", "header.converter.", "transforms.", "predicates.");

  private static final Set<String> SOURCE =
      Set.of(
          "exactly.once.support",
          "transaction.boundary",
          "transaction.boundary.interval.ms",
          "offsets.storage.topic",
          "errors.deadletterqueue.topic.name");

  private static final List<String> SOURCE_PREFIXES =
      List.of("producer.override.", "topic.creation.");

  private static final Set<String> SINK = Set.of("topics", "topics.regex");

  private static final List<String> SINK_PREFIXES =
      List.of("consumer.override.", "errors.deadletterqueue.");

  private ConnectKeys() {}

  static boolean isFrameworkKey(String key, Translation.Direction direction) {
    if (COMMON.contains(key) || COMMON_PREFIXES.stream().anyMatch(key::startsWith)) {
      return true;
    }
    return direction == Translation.Direction.SOURCE
        ? SOURCE.contains(key) || SOURCE_PREFIXES.stream().anyMatch(key::startsWith)
        : SINK.contains(key) || SINK_PREFIXES.stream().anyMatch(key::startsWith);
  }
}
