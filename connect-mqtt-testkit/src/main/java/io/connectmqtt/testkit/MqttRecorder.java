package io.connectmqtt.testkit;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * An independent MQTT 5 subscriber (HiveMQ client) that records what it receives. With a persistent session it
 * also receives what was published while it was away, and survives broker restarts.
 */
public final class MqttRecorder implements AutoCloseable {

  private final Mqtt5AsyncClient client;
  private final List<Mqtt5Publish> received = new CopyOnWriteArrayList<>();

  private MqttRecorder(String clientId, int port, String filter, boolean persistent) {
    client = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
        .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(1, TimeUnit.SECONDS)
        .applyAutomaticReconnect()
        .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, received::add);
    client.connectWith().cleanStart(!persistent).sessionExpiryInterval(persistent ? 3600 : 0)
        .restrictions().receiveMaximum(1000).applyRestrictions()
        .send().join();
    client.subscribeWith().topicFilter(filter).qos(MqttQos.EXACTLY_ONCE).retainAsPublished(true).send().join();
  }

  public static MqttRecorder subscribe(String clientId, int port, String filter) {
    return new MqttRecorder(clientId, port, filter, false);
  }

  public static MqttRecorder persistent(String clientId, int port, String filter) {
    return new MqttRecorder(clientId, port, filter, true);
  }

  public List<Mqtt5Publish> received() {
    return received;
  }

  public List<Mqtt5Publish> awaitAtLeast(int count, Duration timeout) {
    Awaitility.await("MQTT subscriber receives " + count + " messages").atMost(timeout)
        .pollInterval(Duration.ofMillis(100)).until(() -> received.size() >= count);
    return received;
  }

  @Override
  public void close() {
    client.disconnect().exceptionally(e -> null).join();
  }
}
