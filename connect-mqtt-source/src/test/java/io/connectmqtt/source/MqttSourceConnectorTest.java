package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.TaskConfigs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MqttSourceConnectorTest {

  private static MqttSourceConfig config(String topics, String assignment) {
    return new MqttSourceConfig(
        Map.of(
            "mqtt.server.uris",
            "tcp://a",
            "mqtt.topics",
            topics,
            "mqtt.tasks.assignment",
            assignment));
  }

  @Test
  void sharedAssignmentGivesEveryTaskEverySharedFilter() {
    List<List<String>> tasks =
        MqttSourceConnector.assignFilters(config("a/#,b/+", "shared"), "my conn", 3);
    assertThat(tasks)
        .hasSize(3)
        .allSatisfy(t -> assertThat(t).containsExactly("$share/my_conn/a/#", "$share/my_conn/b/+"));
  }

  @Test
  void sparkplugRefusesSeveralConnectionsAndSharedTasksButAutoOpensOne() {
    Map<String, String> props =
        new java.util.HashMap<>(
            Map.of(
                "mqtt.server.uris",
                "tcp://a",
                "mqtt.topics",
                "spBv1.0/plant1/#,spBv1.0/plant2/#",
                "record.value.format",
                "sparkplug"));
    assertThat(new MqttSourceConfig(props).connections()).hasValue(1);
    props.put("mqtt.connections", "4");
    Map<String, org.apache.kafka.common.config.ConfigValue> values =
        MqttSourceConfig.CONFIG_DEF.validateAll(props);
    MqttSourceConnector.crossFieldChecks(new MqttSourceConfig(props), 2, values);
    assertThat(values.get("mqtt.connections").errorMessages())
        .singleElement()
        .asString()
        .contains("out of order");
    assertThat(values.get("mqtt.tasks.assignment").errorMessages())
        .singleElement()
        .asString()
        .contains("one edge node over several tasks");
    props.put("mqtt.connections", "auto");
    props.put("mqtt.tasks.assignment", "filters");
    values = MqttSourceConfig.CONFIG_DEF.validateAll(props);
    MqttSourceConnector.crossFieldChecks(new MqttSourceConfig(props), 2, values);
    assertThat(values.values()).allSatisfy(v -> assertThat(v.errorMessages()).isEmpty());
  }

  @Test
  void oneTaskSubscribesPlainly() {
    assertThat(MqttSourceConnector.assignFilters(config("a/#", "shared"), "c", 1))
        .containsExactly(List.of("a/#"));
  }

  @Test
  void filterAssignmentDealsFiltersOutAndNeverStartsIdleTasks() {
    List<List<String>> tasks =
        MqttSourceConnector.assignFilters(config("a/#,b/#,c/#", "filters"), "c", 2);
    assertThat(tasks).containsExactly(List.of("a/#", "c/#"), List.of("b/#"));
    assertThat(MqttSourceConnector.assignFilters(config("a/#,b/#", "filters"), "c", 5)).hasSize(2);
  }

  private static MqttSourceConnector connectorAssigningFilters(String topics) {
    MqttSourceConnector connector = new MqttSourceConnector();
    connector.start(
        Map.of(
            "name",
            "c",
            "mqtt.server.uris",
            "tcp://a",
            "mqtt.topics",
            topics,
            "mqtt.tasks.assignment",
            "filters"));
    return connector;
  }

  @Test
  void taskConfigsCarryTheirIndexAndFilters() {
    MqttSourceConnector connector = connectorAssigningFilters("a/#,b/#");
    List<Map<String, String>> configs = connector.taskConfigs(4);
    assertThat(configs).hasSize(2);
    assertThat(configs.get(1))
        .containsEntry("task.index", "1")
        .containsEntry("task.filters", "b/#");
  }

  @Test
  void aTaskReadsItsDeclaredKeysTypedAndTheConnectorDoesNotShowThem() {
    MqttSourceConnector connector = connectorAssigningFilters("a/#,b/+,c");
    List<Map<String, String>> configs = connector.taskConfigs(2);
    assertThat(TaskConfigs.index(configs.get(0))).isZero();
    assertThat(MqttSourceConfig.assignedFilters(configs.get(0))).containsExactly("a/#", "c");
    assertThat(TaskConfigs.index(configs.get(1))).isEqualTo(1);
    assertThat(MqttSourceConfig.assignedFilters(configs.get(1))).containsExactly("b/+");
    // A configuration the connector did not assign filters to subscribes to the connector's.
    assertThat(MqttSourceConfig.assignedFilters(Map.of("mqtt.topics", "a/#"))).isNull();
    // The internal keys are the task's, not a user's: neither config() nor the reference has them.
    assertThat(connector.config().configKeys())
        .doesNotContainKeys("task.index", "task.count", "task.filters");
  }
}
