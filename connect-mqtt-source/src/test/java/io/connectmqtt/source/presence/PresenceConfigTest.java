package io.connectmqtt.source.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** The presence keys: off by default, and the cross-field checks that name the key to fix. */
class PresenceConfigTest {

  private static final ConfigDef DEF = PresenceConfig.update(new ConfigDef());

  private static PresenceConfig config(Map<String, String> props) {
    return new PresenceConfig(new AbstractConfig(DEF, props));
  }

  private static Map<String, List<String>> errors(
      PresenceConfig config, List<String> subscribed, int tasks) {
    Map<String, ConfigValue> values = new HashMap<>();
    DEF.names().forEach(name -> values.put(name, new ConfigValue(name)));
    config.crossFieldChecks(subscribed, tasks, values);
    Map<String, List<String>> errors = new HashMap<>();
    values.forEach(
        (name, value) -> {
          if (!value.errorMessages().isEmpty()) {
            errors.put(name, value.errorMessages());
          }
        });
    return errors;
  }

  @Test
  void offByDefaultWithNothingToCheck() {
    PresenceConfig config = config(Map.of());
    assertThat(config.enabled()).isFalse();
    assertThat(errors(config, List.of("a/#"), 3)).isEmpty();
  }

  @Test
  void aCleanConfigPasses() {
    PresenceConfig config =
        config(
            Map.of(
                "presence.topic",
                "iot.presence",
                "presence.device.topics",
                "sensors/{device}/#",
                "presence.will.topics",
                "clients/{device}/will",
                "presence.sparkplug.enable",
                "true"));
    assertThat(errors(config, List.of("sensors/#", "clients/+/will", "spBv1.0/#"), 1)).isEmpty();
  }

  @Test
  void crossFieldErrorsNameTheKeyToFix() {
    assertThat(errors(config(Map.of("presence.topic", "p")), List.of("a/#"), 1))
        .containsOnlyKeys("presence.topic");
    Map<String, List<String>> errors =
        errors(
            config(
                Map.of(
                    "presence.topic",
                    "p",
                    "presence.will.topics",
                    "clients/{device}/will",
                    "presence.sparkplug.enable",
                    "true")),
            List.of("sensors/#"),
            2);
    assertThat(errors)
        .containsOnlyKeys("presence.topic", "presence.will.topics", "presence.sparkplug.enable");
    assertThat(errors.get("presence.topic").get(0)).contains("tasks.max=1");
    assertThat(errors.get("presence.will.topics").get(0))
        .contains("add 'clients/+/will' to mqtt.topics");
  }

  @Test
  void fieldErrors() {
    assertThatThrownBy(() -> config(Map.of("presence.device.topics", "sensors/+/#")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no {device} level");
    assertThatThrownBy(() -> config(Map.of("presence.topic", "bad topic")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("presence.topic");
    assertThatThrownBy(() -> config(Map.of("presence.offline.after.ms", "-1")))
        .isInstanceOf(ConfigException.class);
  }
}
