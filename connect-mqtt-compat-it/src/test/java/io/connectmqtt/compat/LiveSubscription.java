package io.connectmqtt.compat;

import static io.connectmqtt.testkit.EntitySyncRequests.entity;
import static io.connectmqtt.testkit.EntitySyncRequests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.TestBroker;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * After {@link EntitySyncCrud} (same tag), with an entity-notify sink running: a client subscribes
 * to the table over MQTT, creates a row, and gets the reply and the notification of its own change,
 * in either order.
 */
final class LiveSubscription {

  private static final ObjectMapper JSON = new ObjectMapper();

  private LiveSubscription() {}

  static void notifyOnce(TestBroker broker, String tag) throws Exception {
    String prefix = "compat-" + tag;
    String cid = "watcher-" + tag;
    String table = "items_" + tag;
    String requestTopic = prefix + "/" + cid + "/request";
    String responseTopic = prefix + "/" + cid + "/response";
    Mqtt5BlockingClient client = EntitySyncCrud.connect(broker, cid);
    try (Mqtt5BlockingClient.Mqtt5Publishes received =
        EntitySyncCrud.listen(client, responseTopic, prefix + "/" + cid + "/notify/#")) {
      EntitySyncCrud.Conversation watcher =
          new EntitySyncCrud.Conversation(client, received, requestTopic);
      JsonNode subscribed =
          watcher.ask(
              "{\"id\":\"s1\","
                  + "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\""
                  + table
                  + "\"}");
      String notifyTopic = subscribed.path("data").path("notify_topic").asText();
      assertThat(notifyTopic)
          .as("subscribe: " + subscribed)
          .startsWith(prefix + "/" + cid + "/notify/");
      // The reply and the notification come from two tasks on two topics: MQTT orders neither
      // before the other (docs/protocol.md promises no order), so each is told by its topic.
      EntitySyncCrud.send(
          client,
          requestTopic,
          request("c2", "create", entity(table), "\"data\":{\"name\":\"nut\",\"qty\":1}"));
      Map<String, Mqtt5Publish> byTopic = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        Mqtt5Publish message =
            received
                .receive(60, TimeUnit.SECONDS)
                .orElseThrow(
                    () ->
                        new AssertionError(
                            "within 60 s of the create, only " + byTopic.keySet() + " arrived"));
        assertThat(byTopic.put(message.getTopic().toString(), message))
            .as("a second message on " + message.getTopic())
            .isNull();
      }
      assertThat(byTopic).containsOnlyKeys(responseTopic, notifyTopic);
      JsonNode created = JSON.readTree(byTopic.get(responseTopic).getPayloadAsBytes());
      assertThat(created.path("id").asText()).as("create: " + created).isEqualTo("c2");
      assertThat(created.path("success").asBoolean()).as("create: " + created).isTrue();
      assertThat(new String(byTopic.get(notifyTopic).getPayloadAsBytes(), StandardCharsets.UTF_8))
          .contains("nut");
    } finally {
      client.disconnect();
    }
  }
}
