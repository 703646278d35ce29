package io.connectmqtt.source;

import io.connectmqtt.common.SharedSubscriptionConfig;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.common.Versions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT to Kafka. Each task is one MQTT client with a persistent session; with more than one task
 * they share the subscriptions ({@code $share/<group>/<filter>}) so that every message reaches one
 * task.
 */
public class MqttSourceConnector extends SourceConnector {

  private static final Logger log = LoggerFactory.getLogger(MqttSourceConnector.class);
  static final String TASKS_MAX_CONFIG = "tasks.max";

  private Map<String, String> props;

  @Override
  public String version() {
    return Versions.version(MqttSourceConnector.class);
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    MqttSourceConfig config = new MqttSourceConfig(props);
    log.info(
        "Starting MQTT source connector {} for filters {}",
        props.get(TaskConfigs.CONNECTOR_NAME),
        config.topicFilters());
  }

  @Override
  public Class<? extends Task> taskClass() {
    return MqttSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<List<String>> assignments =
        assignFilters(
            new MqttSourceConfig(props),
            TaskConfigs.connectorName(props, MqttSourceConfig.DEFAULT_NAME),
            maxTasks);
    return TaskConfigs.indexed(
        props, assignments.size(), i -> MqttSourceConfig.assignFilters(assignments.get(i)));
  }

  /**
   * Each task's subscription filters. 'shared': all filters for every task, as shared subscriptions
   * when more than one task runs; 'filters': the filters dealt out round robin, at most one task
   * per filter.
   */
  static List<List<String>> assignFilters(
      MqttSourceConfig config, String connectorName, int maxTasks) {
    List<String> filters = config.topicFilters();
    List<List<String>> assignments = new ArrayList<>();
    if (SubscriptionConfig.assignsFilters(config)) {
      int tasks = Math.min(maxTasks, filters.size());
      for (int i = 0; i < tasks; i++) {
        assignments.add(new ArrayList<>());
      }
      for (int i = 0; i < filters.size(); i++) {
        assignments.get(i % tasks).add(filters.get(i));
      }
      return assignments;
    }
    boolean shared = SharedSubscriptionConfig.shared(config, maxTasks);
    String group = config.sharedGroup(connectorName);
    List<String> subscriptions =
        filters.stream()
            .map(filter -> shared ? TopicFilters.shared(group, filter) : filter)
            .toList();
    for (int i = 0; i < maxTasks; i++) {
      assignments.add(subscriptions);
    }
    return assignments;
  }

  @Override
  public void stop() {
    log.info(
        "Stopping MQTT source connector {}",
        props == null ? "" : props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public ConfigDef config() {
    return MqttSourceConfig.CONFIG_DEF;
  }

  /** MQTT cannot replay from an offset, so exactly-once is not possible; at-least-once is. */
  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.UNSUPPORTED;
  }

  /**
   * Field checks (ConfigDef), then cross-field checks, then a live probe of the broker when all
   * else is clean ({@link SourceValidation}).
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = new HashMap<>();
    config.configValues().forEach(v -> values.put(v.name(), v));
    if (config.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
      return config;
    }
    MqttSourceConfig parsed = new MqttSourceConfig(connectorConfigs);
    int tasks = parseTasks(connectorConfigs.get(TASKS_MAX_CONFIG));
    SourceValidation.crossFieldChecks(parsed, tasks, values);
    if (values.values().stream().allMatch(v -> v.errorMessages().isEmpty())) {
      SourceValidation.probe(
          parsed,
          TaskConfigs.connectorName(connectorConfigs, MqttSourceConfig.DEFAULT_NAME),
          tasks,
          values);
    }
    return config;
  }

  private static int parseTasks(String value) {
    try {
      return value == null ? 1 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}
