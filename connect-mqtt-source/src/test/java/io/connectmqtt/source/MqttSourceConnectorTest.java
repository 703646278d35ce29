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

  /** A mutable config on broker tcp://a with these topics and further key/value pairs. */
  private static Map<String, String> props(String topics, String... keysAndValues) {
    Map<String, String> props = new java.util.HashMap<>();
    props.put("mqtt.server.uris", "tcp://a");
    props.put("mqtt.topics", topics);
    for (int i = 0; i < keysAndValues.length; i += 2) {
      props.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return props;
  }

  /** The ConfigDef's checks, then the connector's cross-field checks for {@code tasks} tasks. */
  private static Map<String, org.apache.kafka.common.config.ConfigValue> validate(
      Map<String, String> props, int tasks) {
    Map<String, org.apache.kafka.common.config.ConfigValue> values =
        MqttSourceConfig.CONFIG_DEF.validateAll(props);
    SourceValidation.crossFieldChecks(new MqttSourceConfig(props), tasks, values);
    return values;
  }

  /** A config that needs the broker's order: 'auto' opens one connection, 4 are refused. */
  private static Map<String, org.apache.kafka.common.config.ConfigValue>
      autoOpensOneAndFourAreRefused(Map<String, String> props, int tasks) {
    assertThat(new MqttSourceConfig(props).connections()).hasValue(1);
    props.put("mqtt.connections", "4");
    Map<String, org.apache.kafka.common.config.ConfigValue> values = validate(props, tasks);
    assertThat(values.get("mqtt.connections").errorMessages())
        .singleElement()
        .asString()
        .contains("out of order");
    return values;
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
        props("spBv1.0/plant1/#,spBv1.0/plant2/#", "record.value.format", "sparkplug");
    Map<String, org.apache.kafka.common.config.ConfigValue> values =
        autoOpensOneAndFourAreRefused(props, 2);
    assertThat(values.get("mqtt.tasks.assignment").errorMessages())
        .singleElement()
        .asString()
        .contains("one edge node over several tasks");
    props.put("mqtt.connections", "auto");
    props.put("mqtt.tasks.assignment", "filters");
    values = validate(props, 2);
    assertThat(values.values()).allSatisfy(v -> assertThat(v.errorMessages()).isEmpty());
  }

  /**
   * A device's Will must reach presence after the device's last message; several connections of a
   * shared group may hand them over the other way round and leave it online (ActivityLogIT saw it:
   * "online/message" after "offline/will").
   */
  @Test
  void presenceRefusesSeveralConnectionsButAutoOpensOne() {
    Map<String, String> props =
        props(
            "devices/#,clients/+/will",
            "presence.topic",
            "presence",
            "presence.will.topics",
            "clients/{device}/will",
            "presence.device.topics",
            "devices/{device}/#");
    autoOpensOneAndFourAreRefused(props, 1);
    props.remove("presence.topic");
    props.remove("presence.will.topics");
    props.remove("presence.device.topics");
    props.put("mqtt.connections", "auto");
    assertThat(new MqttSourceConfig(props).connections()).as("auto without presence").isEmpty();
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
