package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Invalid configs through the worker's REST validate endpoint: each bad key gets a message naming
 * it and the fix.
 */
@ExtendWith(SharedFixtures.class)
class ConfigValidationIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures =
      BrokerWithConnect.hivemq()
          .onSharedStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));

  private static HiveMqBroker noSharedSubscriptions;

  @BeforeAll
  static void startSecondBroker() {
    noSharedSubscriptions = HiveMqBroker.startWithoutSharedSubscriptions();
  }

  @AfterAll
  static void stopSecondBroker() {
    if (noSharedSubscriptions != null) {
      noSharedSubscriptions.close();
    }
  }

  private static Map<String, String> valid() {
    Map<String, String> config = new HashMap<>();
    config.put("name", "validate-me");
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", fixtures.broker().uri());
    config.put("mqtt.topics", "sensors/#");
    return config;
  }

  private static Map<String, List<String>> errors(Map<String, String> config) {
    JsonNode result = fixtures.rest().validate(MqttSourceConnector.class.getName(), config);
    return ConnectRest.errorsByKey(result);
  }

  private static Map<String, List<String>> errorsWith(String key, String value) {
    return errorsWith(Map.of(key, value));
  }

  private static Map<String, List<String>> errorsWith(Map<String, String> changes) {
    Map<String, String> config = valid();
    config.putAll(changes);
    return errors(config);
  }

  @Test
  void aValidConfigHasNoErrorsAfterTheLiveProbe() {
    assertThat(errors(valid())).isEmpty();
  }

  @Test
  void fieldErrorsNameTheKeyAndTheFix() {
    Map<String, String> missing = valid();
    missing.remove("mqtt.server.uris");
    assertThat(errors(missing)).containsOnlyKeys("mqtt.server.uris");

    assertThat(errorsWith("mqtt.server.uris", "http://broker:1883").get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("tcp://host:1883"));
    assertThat(errorsWith("mqtt.qos", "3").get("mqtt.qos"))
        .anySatisfy(m -> assertThat(m).contains("mqtt.qos").contains("no more than 2"));
    assertThat(errorsWith("mqtt.topics", "sensors/#/temp").get("mqtt.topics"))
        .anySatisfy(m -> assertThat(m).contains("'#' must be a whole level and the last one"));
    assertThat(errorsWith("mqtt.version", "4").get("mqtt.version")).isNotEmpty();
    assertThat(errorsWith("kafka.topic", "iot.${device}").get("kafka.topic"))
        .anySatisfy(m -> assertThat(m).contains("${device}").contains("${topic}"));
    assertThat(errorsWith("kafka.topic.rules", "sensors/#").get("kafka.topic.rules"))
        .anySatisfy(m -> assertThat(m).contains("=>"));
    assertThat(errorsWith("record.value.format", "xml").get("record.value.format")).isNotEmpty();
    assertThat(errorsWith("kafka.topic.replacement.char", "/").get("kafka.topic.replacement.char"))
        .anySatisfy(m -> assertThat(m).contains("'_'"));
    assertThat(errorsWith("mqtt.client.id", "has spaces").get("mqtt.client.id")).isNotEmpty();
  }

  @Test
  void crossFieldErrorsAreAttachedToTheKeyToFix() {
    assertThat(errorsWith("mqtt.topics", "$share/g/sensors/#").get("mqtt.topics"))
        .anySatisfy(m -> assertThat(m).contains("list the plain filter ('sensors/#')"));
    assertThat(
            errorsWith("mqtt.ssl.truststore.location", "/no/such/ca.pem")
                .get("mqtt.ssl.truststore.location"))
        .anySatisfy(
            m -> assertThat(m).contains("/no/such/ca.pem").contains("worker's file system"));
    Map<String, String> schemaWithoutJson = valid();
    schemaWithoutJson.put("record.value.json.schema", "{\"type\":\"object\"}");
    assertThat(errors(schemaWithoutJson).get("record.value.format"))
        .anySatisfy(m -> assertThat(m).contains("record.value.format=json"));
    assertThat(
            errorsWith(
                    Map.of("record.value.format", "json", "record.value.json.schema", "{not json"))
                .get("record.value.json.schema"))
        .isNotEmpty();
    assertThat(
            errorsWith(Map.of("mqtt.version", "3.1.1", "mqtt.password", "secret"))
                .get("mqtt.username"))
        .anySatisfy(m -> assertThat(m).contains("user name"));
    assertThat(
            errorsWith(Map.of("tasks.max", "2", "mqtt.clean.start", "true"))
                .get("mqtt.clean.start"))
        .isNotEmpty();
  }

  @Test
  void liveProbeReportsAnUnreachableBroker() {
    assertThat(
            errorsWith("mqtt.server.uris", "tcp://127.0.0.1:" + Ports.free())
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("Could not connect").contains("host and port"));
  }

  @Test
  void scaleOutIsRefusedWhereTheBrokerHasNoSharedSubscriptions() {
    Map<String, String> config = valid();
    config.put("tasks.max", "3");
    assertThat(errors(config)).isEmpty();
    config.put("mqtt.server.uris", noSharedSubscriptions.uri());
    assertThat(errors(config).get("mqtt.topics"))
        .anySatisfy(
            m ->
                assertThat(m)
                    .contains("tasks.max=3 needs shared subscriptions")
                    .contains("tasks.max=1"));
    config.put("tasks.max", "1");
    assertThat(errors(config)).isEmpty();
  }
}
