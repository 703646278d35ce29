package io.connectmqtt.common;

import java.nio.charset.StandardCharsets;

/** MQTT topic names and filters: validation and matching as MQTT 5 section 4.7 defines them. */
public final class TopicFilters {

  public static final String SHARE_PREFIX = "$share/";

  /** MQTT's limit for a UTF-8 encoded string. */
  public static final int MAX_TOPIC_BYTES = 65_535;

  private TopicFilters() {}

  /** Returns null when {@code filter} is a valid topic filter, else what is wrong with it. */
  public static String filterProblem(String filter) {
    if (filter == null || filter.isEmpty()) {
      return "a topic filter must not be empty";
    }
    if (filter.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
      return "a topic filter must be at most 65535 bytes";
    }
    if (filter.indexOf('\u0000') >= 0) {
      return "a topic filter must not contain the NUL character";
    }
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      if (level.contains("#") && (!level.equals("#") || i != levels.length - 1)) {
        return "'#' must be a whole level and the last one, as in 'sensors/#'";
      }
      if (level.contains("+") && !level.equals("+")) {
        return "'+' must be a whole level, as in 'devices/+/telemetry'";
      }
    }
    return null;
  }

  /**
   * Returns null when {@code topic} is a valid topic name to publish to, else what is wrong with
   * it.
   */
  public static String topicNameProblem(String topic) {
    if (topic == null || topic.isEmpty()) {
      return "a topic name must not be empty";
    }
    if (topic.indexOf('+') >= 0 || topic.indexOf('#') >= 0) {
      return "a topic name must not contain the wildcards '+' or '#'";
    }
    if (topic.indexOf('\u0000') >= 0) {
      return "a topic name must not contain the NUL character";
    }
    if (topic.getBytes(StandardCharsets.UTF_8).length > MAX_TOPIC_BYTES) {
      return "a topic name must be at most 65535 bytes";
    }
    return null;
  }

  public static boolean isShared(String filter) {
    return filter.startsWith(SHARE_PREFIX);
  }

  /**
   * The shared subscription group for a connector: the configured one, or the connector's name,
   * with every character other than letters, digits, '-' and '_' made '_' (a group name may contain
   * neither '/' nor wildcards).
   */
  public static String sharedGroup(String configured, String connectorName) {
    String raw = configured == null || configured.isBlank() ? connectorName : configured;
    return raw.replaceAll("[^A-Za-z0-9_-]", "_");
  }

  /** {@code $share/group/filter} for a plain filter. */
  public static String shared(String group, String filter) {
    return SHARE_PREFIX + group + "/" + filter;
  }

  /** The plain filter inside a {@code $share/group/filter}, or the filter itself. */
  public static String unshared(String filter) {
    if (!isShared(filter)) {
      return filter;
    }
    int slash = filter.indexOf('/', SHARE_PREFIX.length());
    return slash < 0 ? filter : filter.substring(slash + 1);
  }

  /** Whether some topic name matches both filters (so that both subscriptions would receive it). */
  public static boolean overlap(String first, String second) {
    String[] a = unshared(first).split("/", -1);
    String[] b = unshared(second).split("/", -1);
    int common = Math.min(a.length, b.length);
    for (int i = 0; i < common; i++) {
      if (a[i].equals("#") || b[i].equals("#")) {
        return true;
      }
      if (!a[i].equals(b[i]) && !a[i].equals("+") && !b[i].equals("+")) {
        return false;
      }
    }
    if (a.length == b.length) {
      return true;
    }
    String[] longer = a.length > b.length ? a : b;
    return longer[common].equals("#");
  }

  /**
   * Whether {@code topic} matches {@code filter}. Topics starting with '$' are not matched by
   * filters starting with a wildcard (MQTT 4.7.2).
   */
  public static boolean matches(String filter, String topic) {
    String plain = unshared(filter);
    if (topic.startsWith("$") && (plain.startsWith("+") || plain.startsWith("#"))) {
      return false;
    }
    String[] filterLevels = plain.split("/", -1);
    String[] topicLevels = topic.split("/", -1);
    for (int i = 0; i < filterLevels.length; i++) {
      String level = filterLevels[i];
      if (level.equals("#")) {
        return true;
      }
      if (i >= topicLevels.length) {
        return false;
      }
      if (!level.equals("+") && !level.equals(topicLevels[i])) {
        return false;
      }
    }
    return filterLevels.length == topicLevels.length;
  }
}
