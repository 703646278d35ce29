package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicMapperTest {

  @Test
  void fixedTopic() {
    assertThat(new TopicMapper("iot-data", List.of(), '_', 249).kafkaTopic("a/b/c"))
        .isEqualTo("iot-data");
  }

  @Test
  void wholeTopicTemplateTurnsSlashesIntoDots() {
    TopicMapper mapper = new TopicMapper("mqtt.${topic}", List.of(), '_', 249);
    assertThat(mapper.kafkaTopic("sensors/plant1/temp")).isEqualTo("mqtt.sensors.plant1.temp");
  }

  @Test
  void levelPlaceholdersPickLevelsAndMissingLevelsAreEmpty() {
    TopicMapper mapper = new TopicMapper("iot.${1}.${3}", List.of(), '_', 249);
    assertThat(mapper.kafkaTopic("sensors/plant1/temp")).isEqualTo("iot.sensors.temp");
    assertThat(mapper.kafkaTopic("sensors/plant1")).isEqualTo("iot.sensors.");
  }

  @Test
  void sparkplugPlaceholdersNameTheTopicParts() {
    TopicMapper mapper =
        new TopicMapper(
            "sp.${sparkplug.group}.${sparkplug.type}.${sparkplug.node}.${sparkplug.device}",
            List.of("spBv1.0/STATE/+=>sp.state.${sparkplug.host}"),
            '_',
            249);
    assertThat(mapper.kafkaTopic("spBv1.0/plant/DDATA/edge1/pump"))
        .isEqualTo("sp.plant.DDATA.edge1.pump");
    assertThat(mapper.kafkaTopic("spBv1.0/plant/NBIRTH/edge1")).isEqualTo("sp.plant.NBIRTH.edge1.");
    assertThat(mapper.kafkaTopic("spBv1.0/STATE/scada")).isEqualTo("sp.state.scada");
    assertThat(mapper.kafkaTopic("plain/topic")).isEqualTo("sp....");
    assertThatThrownBy(() -> new TopicMapper("${sparkplug.nodes}", List.of(), '_', 249))
        .hasMessageContaining("${sparkplug.node}");
  }

  @Test
  void firstMatchingRuleWins() {
    TopicMapper mapper =
        new TopicMapper(
            "other",
            List.of(
                "factory/+/sensors/temperature=>factory.temperature",
                "factory/#=>factory.${2}",
                "devices/+/telemetry => devices.${2}"),
            '_',
            249);
    assertThat(mapper.kafkaTopic("factory/line1/sensors/temperature"))
        .isEqualTo("factory.temperature");
    assertThat(mapper.kafkaTopic("factory/line1/sensors/pressure")).isEqualTo("factory.line1");
    assertThat(mapper.kafkaTopic("devices/d1/telemetry")).isEqualTo("devices.d1");
    assertThat(mapper.kafkaTopic("unmatched/x")).isEqualTo("other");
  }

  @Test
  void resultIsAlwaysALegalKafkaTopic() {
    TopicMapper mapper = new TopicMapper("${topic}", List.of(), '_', 60);
    assertThat(mapper.kafkaTopic("home/living room/t\u00e9mp")).isEqualTo("home.living_room.t_mp");
    assertThat(mapper.kafkaTopic("/")).isEqualTo("_");
    assertThat(mapper.kafkaTopic("x/".repeat(100))).hasSize(60);
  }

  @Test
  void malformedRulesAndTemplatesSayWhatIsWrong() {
    assertThatThrownBy(() -> TopicMapper.validateRule("sensors/#")).hasMessageContaining("=>");
    assertThatThrownBy(() -> TopicMapper.validateRule("sensors/#/x=>a"))
        .hasMessageContaining("'#'");
    assertThatThrownBy(() -> TopicTemplate.parse("iot.${device}"))
        .hasMessageContaining("${device}");
    assertThatThrownBy(() -> TopicTemplate.parse("iot.${1")).hasMessageContaining("unclosed");
  }
}
