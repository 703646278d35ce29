package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * An MQTT 5 protocol client logged in as a broker user, whose topics are the user's ({@code
 * spec/<user>/...}, as the shipped ACL binds them), listening to everything it may read there (its
 * response and notify topics, Response Topics below them), and sending requests with a JWT in the
 * user property {@code authorization} and, when asked, an MQTT 5 Response Topic. Keeps every
 * message it received, in order, so a test can say what arrived after a mark.
 */
final class SuiteClient implements AutoCloseable {

  /** A message received: its topic, its raw text and its JSON (null when not JSON). */
  record Message(String topic, String text, JsonNode body) {
    String id() {
      return body == null ? null : body.path("id").asText(null);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  final String user;
  private final Mqtt5AsyncClient client;
  private final List<Message> received = new CopyOnWriteArrayList<>();

  SuiteClient(int port, String user, String password, String connectionId) {
    this.user = user;
    client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(connectionId)
            .serverHost("127.0.0.1")
            .serverPort(port)
            .buildAsync();
    client.publishes(
        MqttGlobalPublishFilter.ALL,
        publish -> {
          String text = new String(publish.getPayloadAsBytes(), StandardCharsets.UTF_8);
          JsonNode body;
          try {
            body = JSON.readTree(text);
          } catch (java.io.IOException e) {
            body = null;
          }
          received.add(new Message(publish.getTopic().toString(), text, body));
        });
    client
        .connectWith()
        .simpleAuth()
        .username(user)
        .password(password.getBytes(StandardCharsets.UTF_8))
        .applySimpleAuth()
        .send()
        .join();
    for (String filter : List.of("spec/" + user + "/response/#", "spec/" + user + "/notify/#")) {
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
    }
  }

  /**
   * Publishes {@code json} on this user's request topic, with {@code token} (none if null) and
   * Response Topic.
   */
  void publish(String json, String token, String responseTopic) {
    var publish =
        client
            .publishWith()
            .topic("spec/" + user + "/request")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(json.getBytes(StandardCharsets.UTF_8));
    if (responseTopic != null) {
      publish =
          publish
              .responseTopic(responseTopic)
              .correlationData("suite".getBytes(StandardCharsets.UTF_8));
    }
    if (token != null) {
      publish.userProperties().add("authorization", "Bearer " + token).applyUserProperties();
    }
    publish.send().join();
  }

  /**
   * Sends and waits for the reply with {@code id} on this user's response topic (from {@link
   * #mark()} on).
   */
  JsonNode send(String json, String id, String token) {
    int from = mark();
    publish(json, token, null);
    return await(from, m -> isReply(m, id)).body();
  }

  boolean isReply(Message message, String id) {
    return message.topic().equals("spec/" + user + "/response") && id.equals(message.id());
  }

  /** The first message from index {@code from} on that matches, within 30 s. */
  Message await(int from, Predicate<Message> wanted) {
    Message[] found = {null};
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .alias(user + " waiting for a message")
        .until(
            () -> {
              for (Message message : since(from)) {
                if (wanted.test(message)) {
                  found[0] = message;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  int mark() {
    return received.size();
  }

  List<Message> since(int mark) {
    return Snapshots.since(received, mark);
  }

  @Override
  public void close() {
    client.disconnect().join();
  }
}
