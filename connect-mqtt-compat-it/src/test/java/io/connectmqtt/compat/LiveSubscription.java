package io.connectmqtt.compat;

import static io.connectmqtt.testkit.EntitySyncRequests.entity;
import static io.connectmqtt.testkit.EntitySyncRequests.request;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
    Mqtt5BlockingClient client = EntitySyncCrud.connect(broker, cid);
    try (Mqtt5BlockingClient.Mqtt5Publishes received =
        EntitySyncCrud.listen(
            client, prefix + "/" + cid + "/response", prefix + "/" + cid + "/notify/#")) {
      EntitySyncCrud.Conversation watcher =
          new EntitySyncCrud.Conversation(client, received, prefix + "/" + cid + "/request");
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
      JsonNode created =
          watcher.ask(
              request("c2", "create", entity(table), "\"data\":{\"name\":\"nut\",\"qty\":1}"));
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
