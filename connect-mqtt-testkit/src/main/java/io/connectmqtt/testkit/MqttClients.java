package io.connectmqtt.testkit;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** HiveMQ clients of a test broker on 127.0.0.1, as tests publish and probe with them. */
public final class MqttClients {

  private MqttClients() {}

  /**
   * A client builder for the broker on 127.0.0.1:{@code port}, identified as {@code clientId}
   * (where null, the broker assigns an id).
   */
  public static MqttClientBuilder builder(String clientId, int port) {
    MqttClientBuilder builder = MqttClient.builder().serverHost("127.0.0.1").serverPort(port);
    return clientId == null ? builder : builder.identifier(clientId);
  }

  /**
   * A {@link #builder} whose clients reconnect by themselves, after 100 ms at first and at least
   * every second: for clients that must live through broker restarts.
   */
  public static MqttClientBuilder reconnectingBuilder(String clientId, int port) {
    return builder(clientId, port)
        .automaticReconnect()
        .initialDelay(100, TimeUnit.MILLISECONDS)
        .maxDelay(1, TimeUnit.SECONDS)
        .applyAutomaticReconnect();
  }

  /** An MQTT 5 client of {@link #builder}, connected with a clean start. */
  public static Mqtt5BlockingClient connected5(String clientId, int port) {
    Mqtt5BlockingClient client = builder(clientId, port).useMqttVersion5().buildBlocking();
    client.connect();
    return client;
  }

  /** An MQTT 3.1.1 client of {@link #builder}, connected with a clean session. */
  public static Mqtt3BlockingClient connected3(String clientId, int port) {
    Mqtt3BlockingClient client = builder(clientId, port).useMqttVersion3().buildBlocking();
    client.connect();
    return client;
  }

  /**
   * Publishes {@code count} QoS 1 messages {@code prefix + i} (UTF-8), i from 0, to {@code topic}.
   */
  public static void publishNumbered(
      Mqtt3BlockingClient publisher, String topic, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      publisher
          .publishWith()
          .topic(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload((prefix + i).getBytes(StandardCharsets.UTF_8))
          .send();
    }
  }
}
