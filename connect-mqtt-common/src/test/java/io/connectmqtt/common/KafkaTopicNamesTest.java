package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KafkaTopicNamesTest {

  @Test
  void replacesIllegalCharacters() {
    assertThat(KafkaTopicNames.legalize("iot.plant 1/temp#$", '_', 249))
        .isEqualTo("iot.plant_1_temp__");
    assertThat(KafkaTopicNames.legalize("caf\u00e9", '-', 249)).isEqualTo("caf-");
  }

  @Test
  void neverGivesEmptyOrDotNames() {
    assertThat(KafkaTopicNames.legalize("", '_', 249)).isEqualTo("_");
    assertThat(KafkaTopicNames.legalize(".", '_', 249)).isEqualTo("_");
    assertThat(KafkaTopicNames.legalize("..", '_', 249)).isEqualTo("__");
  }

  @Test
  void boundsLengthAndKeepsLongNamesDistinct() {
    String a = "x".repeat(300) + "a";
    String b = "x".repeat(300) + "b";
    String legalA = KafkaTopicNames.legalize(a, '_', 249);
    String legalB = KafkaTopicNames.legalize(b, '_', 249);
    assertThat(legalA).hasSize(249).matches("x+-[0-9a-f]{8}");
    assertThat(legalA).isNotEqualTo(legalB);
    assertThat(KafkaTopicNames.isLegal(legalA)).isTrue();
    assertThat(KafkaTopicNames.legalize("abcdefghijklmnopqrstuvwxyz", '_', 20)).hasSize(20);
  }
}
