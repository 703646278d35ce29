package io.connectmqtt.common;

import org.apache.kafka.common.config.ConfigDef;

/** Helpers for config fragments that add keys to a group another fragment started. */
public final class ConfigGroups {

  private ConfigGroups() {}

  /** How many keys {@code def} already has in {@code group}: a fragment's keys continue from it. */
  public static int keysIn(ConfigDef def, String group) {
    return (int) def.configKeys().values().stream().filter(key -> group.equals(key.group)).count();
  }
}
