package io.connectmqtt.common;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Task configurations as every connector of the suite writes them: the connector's own, plus the
 * task's index and the number of tasks, so each task can name its MQTT client, metrics and log
 * context uniquely. The task keys are declared internal ({@link #update}): typed and validated like
 * any key when a task reads them, but not a user's to set, so neither in a connector's {@code
 * config()} nor in the generated reference.
 */
public final class TaskConfigs {

  /** Connect's key of the connector's name, in every connector and task configuration. */
  public static final String CONNECTOR_NAME = "name";

  /** Key of a task's index, 0-based, among the connector's tasks. */
  public static final String TASK_INDEX = "task.index";

  /** Key of the number of tasks the connector started. */
  public static final String TASK_COUNT = "task.count";

  private static final ConfigDef TASK_KEYS = update(new ConfigDef());

  private TaskConfigs() {}

  /** Declares {@link #TASK_INDEX} and {@link #TASK_COUNT} as internal keys of {@code def}. */
  public static ConfigDef update(ConfigDef def) {
    return def.defineInternal(
            TASK_INDEX,
            Type.INT,
            0,
            Range.atLeast(0),
            Importance.LOW,
            "The task's index among the connector's tasks, set by the connector (0 in a hand-made "
                + "configuration).")
        .defineInternal(
            TASK_COUNT,
            Type.INT,
            1,
            Range.atLeast(1),
            Importance.LOW,
            "How many tasks the connector started, set by the connector.");
  }

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
   * The task index in a task's configuration, parsed and validated as its declared key (0 when
   * absent, e.g. in a hand-made configuration).
   */
  public static int index(Map<String, String> taskConfig) {
    return new AbstractConfig(TASK_KEYS, taskConfig, false).getInt(TASK_INDEX);
  }

  /** The connector's name in a connector or task configuration, else {@code fallback}. */
  public static String connectorName(Map<String, String> config, String fallback) {
    return config.getOrDefault(CONNECTOR_NAME, fallback);
  }
}
