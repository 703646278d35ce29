package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.FirstRecord;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Mutual TLS against HiveMQ CE requiring client certificates: PEM files and PKCS12 stores. */
@ExtendWith(SharedFixtures.class)
class MqttSourceTlsIT {

  private static final TestCertificates certificates = TestCertificates.create();

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures =
      BrokerWithConnect.of(() -> HiveMqBroker.startWithMutualTls(certificates))
          .onSharedStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));

  private static Map<String, String> tlsConfig(String name) {
    Map<String, String> config =
        SourceConfigs.versioned(
            fixtures.broker().tlsUri(), "5", "tls/" + name + "/#", "tls." + name);
    config.put("name", name);
    return config;
  }

  private static void assertFlows(String name, Map<String, String> config) {
    assertThat(
            ConnectRest.errorsByKey(
                fixtures.rest().validate(MqttSourceConnector.class.getName(), config)))
        .isEmpty();
    fixtures.startConnector(name, config);
    Mqtt5BlockingClient publisher = MqttClients.connected5(null, fixtures.broker().port());
    FirstRecord.await(
        name + " message over mutual TLS",
        fixtures.topics(),
        "tls." + name,
        Duration.ofSeconds(30),
        () -> {
          publisher
              .publishWith()
              .topic("tls/" + name + "/x")
              .qos(MqttQos.AT_LEAST_ONCE)
              .payload("secret".getBytes(StandardCharsets.UTF_8))
              .send();
        });
    publisher.disconnect();
    List<ConsumerRecord<byte[], byte[]>> records =
        fixtures.topics().readAll("tls." + name, 1, Duration.ofSeconds(5));
    assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("secret");
    fixtures.rest().delete(name);
  }

  @Test
  void pemCaCertificateAndKey() {
    Map<String, String> config = tlsConfig("pem");
    config.put("mqtt.ssl.truststore.location", certificates.caPem.toString());
    config.put("mqtt.ssl.truststore.type", "PEM");
    config.put("mqtt.ssl.keystore.location", certificates.clientCertPem.toString());
    config.put("mqtt.ssl.keystore.type", "PEM");
    config.put("mqtt.ssl.key.location", certificates.clientKeyPem.toString());
    assertFlows("pem", config);
  }

  @Test
  void pkcs12Stores() {
    Map<String, String> config = tlsConfig("pkcs12");
    config.put("mqtt.ssl.truststore.location", certificates.truststoreP12.toString());
    config.put("mqtt.ssl.truststore.type", "PKCS12");
    config.put("mqtt.ssl.truststore.password", TestCertificates.PASSWORD);
    config.put("mqtt.ssl.keystore.location", certificates.clientKeystoreP12.toString());
    config.put("mqtt.ssl.keystore.type", "PKCS12");
    config.put("mqtt.ssl.keystore.password", TestCertificates.PASSWORD);
    assertFlows("pkcs12", config);
  }

  @Test
  void untrustedServerOrMissingClientCertificateIsReportedOnValidation() {
    Map<String, String> noTrust = tlsConfig("untrusted");
    assertThat(
            ConnectRest.errorsByKey(
                    fixtures.rest().validate(MqttSourceConnector.class.getName(), noTrust))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("Could not connect"));

    Map<String, String> noClientCertificate = tlsConfig("anonymous");
    noClientCertificate.put("mqtt.ssl.truststore.location", certificates.caPem.toString());
    assertThat(
            ConnectRest.errorsByKey(
                    fixtures
                        .rest()
                        .validate(MqttSourceConnector.class.getName(), noClientCertificate))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("Could not connect"));
  }
}
