package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.TestCertificates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mutual TLS against HiveMQ CE requiring client certificates: PEM files and PKCS12 stores. */
class MqttSourceTlsIT {

  private static TestCertificates certificates;
  private static HiveMqBroker hivemq;
  private static ConnectStack stack;

  @BeforeAll
  static void start() {
    certificates = TestCertificates.create();
    hivemq = HiveMqBroker.startWithMutualTls(certificates);
    stack = ConnectStack.start();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  private static Map<String, String> tlsConfig(String name) {
    Map<String, String> config =
        MqttSourceRoundTripIT.sourceConfig(name, hivemq.tlsUri(), "5", "tls/" + name + "/#");
    config.put("kafka.topic", "tls." + name);
    config.put("name", name);
    return config;
  }

  private static void assertFlows(String name, Map<String, String> config) {
    assertThat(
            ConnectRest.errorsByKey(
                stack.rest().validate(MqttSourceConnector.class.getName(), config)))
        .isEmpty();
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    Mqtt5BlockingClient publisher =
        MqttClient.builder()
            .useMqttVersion5()
            .serverHost("127.0.0.1")
            .serverPort(hivemq.port())
            .buildBlocking();
    publisher.connect();
    Awaitility.await(name + " message over mutual TLS")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publisher
                  .publishWith()
                  .topic("tls/" + name + "/x")
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload("secret".getBytes(StandardCharsets.UTF_8))
                  .send();
              return !stack.topics().readAll("tls." + name, 1, Duration.ofSeconds(1)).isEmpty();
            });
    publisher.disconnect();
    List<ConsumerRecord<byte[], byte[]>> records =
        stack.topics().readAll("tls." + name, 1, Duration.ofSeconds(5));
    assertThat(new String(records.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("secret");
    stack.rest().delete(name);
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
                    stack.rest().validate(MqttSourceConnector.class.getName(), noTrust))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("Could not connect"));

    Map<String, String> noClientCertificate = tlsConfig("anonymous");
    noClientCertificate.put("mqtt.ssl.truststore.location", certificates.caPem.toString());
    assertThat(
            ConnectRest.errorsByKey(
                    stack.rest().validate(MqttSourceConnector.class.getName(), noClientCertificate))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("Could not connect"));
  }
}
