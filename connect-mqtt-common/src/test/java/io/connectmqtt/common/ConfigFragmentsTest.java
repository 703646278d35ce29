package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.publish.DeliveryConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

/** The shared config fragments: each adds its keys once, reads them typed and validates them. */
class ConfigFragmentsTest {

  private static final Map<String, String> BROKER =
      Map.of(MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://localhost:1883");

  @Test
  void taskKeysAreTypedValidatedAndLeftOutOfTheReference() {
    List<Map<String, String>> tasks = TaskConfigs.indexed(BROKER, 3);
    assertThat(tasks).hasSize(3);
    assertThat(tasks.get(2)).containsEntry(TaskConfigs.TASK_COUNT, "3");
    assertThat(TaskConfigs.index(tasks.get(2))).isEqualTo(2);
    // A hand-made configuration without the connector's keys is task 0.
    assertThat(TaskConfigs.index(BROKER)).isZero();

    Map<String, String> negative = new HashMap<>(BROKER);
    negative.put(TaskConfigs.TASK_INDEX, "-1");
    assertThatThrownBy(() -> TaskConfigs.index(negative))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(TaskConfigs.TASK_INDEX);

    ConfigDef def = TaskConfigs.update(MqttConnectionConfig.define(new ConfigDef()));
    assertThat(def.configKeys().get(TaskConfigs.TASK_INDEX).internalConfig).isTrue();
    String reference = ConfigDocs.markdown("t", "i", def);
    assertThat(reference)
        .contains(MqttConnectionConfig.SERVER_URIS_CONFIG)
        .doesNotContain(TaskConfigs.TASK_INDEX)
        .doesNotContain(TaskConfigs.TASK_COUNT);
  }

  @Test
  void tlsKeysComeWithTheConnectionAndReadTyped() {
    Map<String, String> props = new HashMap<>(BROKER);
    props.put(TlsConfig.SSL_TRUSTSTORE_LOCATION_CONFIG, "/ca.pem");
    props.put(TlsConfig.SSL_KEYSTORE_TYPE_CONFIG, "pkcs12");
    props.put(TlsConfig.SSL_KEYSTORE_PASSWORD_CONFIG, "secret");
    AbstractConfig config = new AbstractConfig(MqttConnectionConfig.define(new ConfigDef()), props);
    TlsConfig.TlsSettings tls = MqttConnectionConfig.settings(config, "c-0").tls();
    assertThat(tls.truststoreLocation()).hasValue("/ca.pem");
    assertThat(tls.truststoreType()).isEqualTo(TlsConfig.STORE_TYPE_PEM);
    assertThat(tls.keystoreType()).isEqualTo("PKCS12");
    assertThat(tls.keystoreLocation()).isEmpty();
    assertThat(tls.keystorePassword().value()).isEqualTo("secret");
    assertThat(tls.keystorePassword().toString()).doesNotContain("secret");

    props.put(TlsConfig.SSL_TRUSTSTORE_TYPE_CONFIG, "PFX");
    assertThatThrownBy(
            () -> new AbstractConfig(MqttConnectionConfig.define(new ConfigDef()), props))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(TlsConfig.SSL_TRUSTSTORE_TYPE_CONFIG);
  }

  @Test
  void sharedSubscriptionKeysContinueTheGroupTheyJoin() {
    ConfigDef def =
        new ConfigDef()
            .define(
                "a",
                ConfigDef.Type.STRING,
                "",
                ConfigDef.Importance.LOW,
                "a",
                "G",
                1,
                ConfigDef.Width.SHORT,
                "a");
    SharedSubscriptionConfig.update(def, "G");
    assertThat(def.configKeys().get(SharedSubscriptionConfig.SHARED_GROUP_CONFIG).orderInGroup)
        .isEqualTo(2);
    assertThat(def.configKeys().get(SharedSubscriptionConfig.SHARED_ALWAYS_CONFIG).orderInGroup)
        .isEqualTo(3);

    AbstractConfig none = new AbstractConfig(def, Map.of());
    assertThat(SharedSubscriptionConfig.group(none, "my connector/1")).isEqualTo("my_connector_1");
    assertThat(SharedSubscriptionConfig.shared(none, 1)).isFalse();
    assertThat(SharedSubscriptionConfig.shared(none, 2)).isTrue();
    AbstractConfig always =
        new AbstractConfig(
            def,
            Map.of(
                SharedSubscriptionConfig.SHARED_ALWAYS_CONFIG, "true",
                SharedSubscriptionConfig.SHARED_GROUP_CONFIG, "g1"));
    assertThat(SharedSubscriptionConfig.shared(always, 1)).isTrue();
    assertThat(SharedSubscriptionConfig.group(always, "ignored")).isEqualTo("g1");
  }

  @Test
  void intakeKeysHaveDefaultsAndBounds() {
    ConfigDef def = IntakeConfig.update(new ConfigDef());
    AbstractConfig defaults = new AbstractConfig(def, Map.of());
    assertThat(IntakeConfig.queueCapacity(defaults)).isEqualTo(1_000);
    assertThat(IntakeConfig.batchSize(defaults)).isEqualTo(500);
    assertThat(IntakeConfig.pollTimeoutMs(defaults)).isEqualTo(100);
    assertThatThrownBy(
            () ->
                new AbstractConfig(
                    def,
                    Map.of(
                        IntakeConfig.QUEUE_CAPACITY_CONFIG,
                        Integer.toString(IntakeConfig.MAX_QUEUE_CAPACITY + 1))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(IntakeConfig.QUEUE_CAPACITY_CONFIG);
  }

  @Test
  void errorToleranceIsReadFromConnectsOwnKey() {
    ConfigDef def = ErrorToleranceConfig.update(new ConfigDef());
    assertThat(ErrorToleranceConfig.toleratesErrors(new AbstractConfig(def, Map.of()))).isFalse();
    AbstractConfig all =
        new AbstractConfig(
            def,
            Map.of(
                ErrorToleranceConfig.ERRORS_TOLERANCE_CONFIG, " ALL ",
                ErrorToleranceConfig.DLQ_TOPIC_CONFIG, "dlq"));
    assertThat(ErrorToleranceConfig.toleratesErrors(all)).isTrue();
    assertThat(ErrorToleranceConfig.deadLetterTopic(all)).isEqualTo("dlq");
    // The sinks' delivery view reads the same key.
    assertThat(new DeliveryConfig(all).toleratesErrors()).isTrue();
  }

  @Test
  void qosIsOneKeyWhoeverDefinesIt() {
    ConfigDef def = DeliveryConfig.defineQos(new ConfigDef(), "G", 1, "");
    assertThat(def.configKeys()).containsOnlyKeys(QosConfig.QOS_CONFIG);
    assertThat(QosConfig.qos(new AbstractConfig(def, Map.of()))).isEqualTo(1);
    assertThatThrownBy(() -> new AbstractConfig(def, Map.of(QosConfig.QOS_CONFIG, "3")))
        .isInstanceOf(ConfigException.class);
  }
}
