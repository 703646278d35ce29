package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.TestBroker;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * After {@link EntitySyncCrud} (same tag), with an entity-notify sink running: a client subscribes
 * to the table over MQTT, creates a row, and gets the reply and then the notification of its own
 * change.
 */
final class LiveSubscription {

  private LiveSubscription() {}

  static void notifyOnce(TestBroker broker, String tag) throws Exception {
    String prefix = "compat-" + tag;
    String cid = "watcher-" + tag;
    String table = "items_" + tag;
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(cid)
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .buildBlocking();
    client.connect();
    try (Mqtt5BlockingClient.Mqtt5Publishes received =
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
      client
          .subscribeWith()
          .topicFilter(prefix + "/" + cid + "/response")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send();
      client
          .subscribeWith()
          .topicFilter(prefix + "/" + cid + "/notify/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send();
      String request = prefix + "/" + cid + "/request";
      JsonNode subscribed =
          EntitySyncCrud.ask(
              client,
              received,
              request,
              "{\"id\":\"s1\","
                  + "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\""
                  + table
                  + "\"}");
      String notifyTopic = subscribed.path("data").path("notify_topic").asText();
      assertThat(notifyTopic)
          .as("subscribe: " + subscribed)
          .startsWith(prefix + "/" + cid + "/notify/");
      JsonNode created =
          EntitySyncCrud.ask(
              client,
              received,
              request,
              "{\"id\":\"c2\",\"type\":\"request\","
                  + "\"operation\":\"create\",\"entity\":\""
                  + table
                  + "\",\"data\":{\"name\":\"nut\",\"qty\":1}}");
      assertThat(created.path("success").asBoolean()).as("create: " + created).isTrue();
      Mqtt5Publish notification =
          received
              .receive(60, TimeUnit.SECONDS)
              .orElseThrow(
                  () -> new AssertionError("no notification within 60 s on " + notifyTopic));
      assertThat(notification.getTopic().toString()).isEqualTo(notifyTopic);
      assertThat(new String(notification.getPayloadAsBytes(), StandardCharsets.UTF_8))
          .contains("nut");
    } finally {
      client.disconnect();
    }
  }
}
