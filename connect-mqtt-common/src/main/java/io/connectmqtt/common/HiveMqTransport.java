package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.util.concurrent.TimeUnit;

/** How the HiveMQ client reaches one server of the list: timeouts and TLS. */
final class HiveMqTransport {

  private HiveMqTransport() {}

  static MqttClientTransportConfig of(MqttConnectionSettings settings, MqttServerUri uri) {
    var transport =
        MqttClientTransportConfig.builder()
            .serverHost(uri.host())
            .serverPort(uri.port())
            .socketConnectTimeout(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(settings.connectTimeoutMs(), TimeUnit.MILLISECONDS);
    return uri.tls() ? transport.sslConfig(sslConfig(settings)).build() : transport.build();
  }

  private static MqttClientSslConfig sslConfig(MqttConnectionSettings settings) {
    MqttClientSslConfigBuilder ssl =
        MqttClientSslConfig.builder().protocols(settings.tls().protocols());
    var trustManagers = TlsMaterial.trustManagers(settings.tls());
    if (trustManagers.isPresent()) {
      ssl = ssl.trustManagerFactory(trustManagers.get());
    }
    var keyManagers = TlsMaterial.keyManagers(settings.tls());
    if (keyManagers.isPresent()) {
      ssl = ssl.keyManagerFactory(keyManagers.get());
    }
    if (!settings.tls().hostnameVerification()) {
      ssl = ssl.hostnameVerifier((host, session) -> true);
    }
    return ssl.build();
  }
}
