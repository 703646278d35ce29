package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class MqttConnectionConfigTest {

  private static AbstractConfig config(Map<String, String> props) {
    return new AbstractConfig(MqttConnectionConfig.define(new ConfigDef()), props);
  }

  @Test
  void parsesServerListWithDefaultsAndAliases() {
    var settings =
        MqttConnectionConfig.settings(
            config(
                Map.of(
                    MqttConnectionConfig.SERVER_URIS_CONFIG,
                    "tcp://a:1884, ssl://b, mqtt://c, mqtts://d:9999")),
            "client-0");
    assertThat(settings.serverUris())
        .containsExactly(
            new MqttServerUri("a", 1884, false),
            new MqttServerUri("b", 8883, true),
            new MqttServerUri("c", 1883, false),
            new MqttServerUri("d", 9999, true));
    assertThat(settings.mqtt5()).isTrue();
    assertThat(settings.cleanStart()).isFalse();
    assertThat(settings.clientId()).isEqualTo("client-0");
  }

  @Test
  void rejectsUnknownSchemesWithAnExample() {
    assertThatThrownBy(
            () -> config(Map.of(MqttConnectionConfig.SERVER_URIS_CONFIG, "http://a:1883")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(MqttConnectionConfig.SERVER_URIS_CONFIG)
        .hasMessageContaining("tcp://host:1883");
  }

  @Test
  void passwordStaysHidden() {
    AbstractConfig config =
        config(
            Map.of(
                MqttConnectionConfig.SERVER_URIS_CONFIG,
                "tcp://a",
                MqttConnectionConfig.USERNAME_CONFIG,
                "u",
                MqttConnectionConfig.PASSWORD_CONFIG,
                "s3cret"));
    var settings = MqttConnectionConfig.settings(config, "c");
    assertThat(settings.password()).isPresent();
    assertThat(settings.toString()).doesNotContain("s3cret");
  }

  @Test
  void clientIdPrefixDefaultsToConnectorName() {
    assertThat(
            MqttConnectionConfig.clientIdPrefix(
                config(Map.of(MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://a")), "my-connector"))
        .isEqualTo("my-connector");
    assertThatThrownBy(
            () ->
                config(
                    Map.of(
                        MqttConnectionConfig.SERVER_URIS_CONFIG,
                        "tcp://a",
                        MqttConnectionConfig.CLIENT_ID_CONFIG,
                        "has space")))
        .isInstanceOf(ConfigException.class);
  }
}
