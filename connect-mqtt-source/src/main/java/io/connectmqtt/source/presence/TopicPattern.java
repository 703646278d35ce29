package io.connectmqtt.source.presence;

import io.connectmqtt.common.TopicFilters;

/**
 * An MQTT topic filter with one level written {@code {device}}, e.g. {@code sensors/{device}/#}: a
 * topic it matches names the device by that level. The rest of the filter follows MQTT ('+' one
 * level, '#' the rest).
 */
record TopicPattern(String pattern, String filter, int deviceLevel) {

  static final String DEVICE = "{device}";

  /** Parses a pattern; throws IllegalArgumentException saying what is wrong. */
  static TopicPattern parse(String pattern) {
    String[] levels = pattern.split("/", -1);
    int deviceLevel = -1;
    for (int i = 0; i < levels.length; i++) {
      if (levels[i].equals(DEVICE)) {
        if (deviceLevel >= 0) {
          throw new IllegalArgumentException(
              "'" + pattern + "' has more than one " + DEVICE + " level");
        }
        deviceLevel = i;
        levels[i] = "+";
      }
    }
    if (deviceLevel < 0) {
      throw new IllegalArgumentException(
          "'" + pattern + "' has no " + DEVICE + " level, e.g. 'sensors/" + DEVICE + "/#'");
    }
    String filter = String.join("/", levels);
    String problem = TopicFilters.filterProblem(filter);
    if (problem != null || TopicFilters.isShared(filter)) {
      throw new IllegalArgumentException(
          "'"
              + pattern
              + "' is not a valid topic pattern: "
              + (problem != null ? problem : "no $share/ here"));
    }
    return new TopicPattern(pattern, filter, deviceLevel);
  }

  /** The device a topic names, or null when the topic does not match. */
  String device(String topic) {
    if (!TopicFilters.matches(filter, topic)) {
      return null;
    }
    String device = topic.split("/", -1)[deviceLevel];
    return device.isEmpty() ? null : device;
  }
}
