package io.connectmqtt.common;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Task configurations as every connector of the suite writes them: the connector's own, plus the
 * task's index and the number of tasks, so each task can name its MQTT client, metrics and log
 * context uniquely.
 */
public final class TaskConfigs {

  /** Key of a task's index, 0-based, among the connector's tasks. */
  public static final String TASK_INDEX = "task.index";

  /** Key of the number of tasks the connector started. */
  public static final String TASK_COUNT = "task.count";

  private TaskConfigs() {}

  /** {@code count} copies of {@code connectorConfig}, each with its index and the count. */
  public static List<Map<String, String>> indexed(Map<String, String> connectorConfig, int count) {
    return indexed(connectorConfig, count, index -> Map.of());
  }

  /** As {@link #indexed(Map, int)}, with {@code extra} settings for each task index on top. */
  public static List<Map<String, String>> indexed(
      Map<String, String> connectorConfig, int count, IntFunction<Map<String, String>> extra) {
    List<Map<String, String>> configs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Map<String, String> task = new HashMap<>(connectorConfig);
      task.put(TASK_INDEX, Integer.toString(i));
      task.put(TASK_COUNT, Integer.toString(count));
      task.putAll(extra.apply(i));
      configs.add(task);
    }
    return configs;
  }

  /**
   * The task index in a task's configuration (0 when absent, e.g. in a hand-made configuration).
   */
  public static int index(Map<String, String> taskConfig) {
    return Integer.parseInt(taskConfig.getOrDefault(TASK_INDEX, "0"));
  }
}
