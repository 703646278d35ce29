package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

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

  /**
   * A device's Will must reach presence after the device's last message; several connections of a
   * shared group may hand them over the other way round and leave it online (ActivityLogIT saw it:
   * "online/message" after "offline/will").
   */
  @Test
  void presenceRefusesSeveralConnectionsButAutoOpensOne() {
    Map<String, String> props =
        new java.util.HashMap<>(
            Map.of(
                "mqtt.server.uris",
                "tcp://a",
                "mqtt.topics",
                "devices/#,clients/+/will",
                "presence.topic",
                "presence",
                "presence.will.topics",
                "clients/{device}/will",
                "presence.device.topics",
                "devices/{device}/#"));
    assertThat(new MqttSourceConfig(props).connections()).hasValue(1);
    props.put("mqtt.connections", "4");
    Map<String, org.apache.kafka.common.config.ConfigValue> values =
        MqttSourceConfig.CONFIG_DEF.validateAll(props);
    MqttSourceConnector.crossFieldChecks(new MqttSourceConfig(props), 1, values);
    assertThat(values.get("mqtt.connections").errorMessages())
        .singleElement()
        .asString()
        .contains("out of order");
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

  @Test
  void taskConfigsCarryTheirIndexAndFilters() {
    MqttSourceConnector connector = new MqttSourceConnector();
    connector.start(
        Map.of(
            "name",
            "c",
            "mqtt.server.uris",
            "tcp://a",
            "mqtt.topics",
            "a/#,b/#",
            "mqtt.tasks.assignment",
            "filters"));
    List<Map<String, String>> configs = connector.taskConfigs(4);
    assertThat(configs).hasSize(2);
    assertThat(configs.get(1))
        .containsEntry("task.index", "1")
        .containsEntry("task.filters", "b/#");
  }
}
