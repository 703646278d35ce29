package io.connectmqtt.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CRUD round and a live subscription over connect-mqtt's entity-sync protocol (docs/protocol.md),
 * with the HiveMQ MQTT client. Settings from the environment: MQTT_HOST (127.0.0.1), MQTT_PORT
 * (1883), TOPIC_PREFIX (spec).
 */
public final class CrudAndSubscribe implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String clientId = "example-java-" + UUID.randomUUID().toString().substring(0, 8);
  private final String prefix;
  private final String requestTopic;
  private final Mqtt5AsyncClient client;
  private final Map<String, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
  private final BlockingQueue<JsonNode> notifications = new LinkedBlockingQueue<>();
  private final AtomicInteger sequence = new AtomicInteger();

  /** An error reply: {@code code} is one of the protocol's error codes. */
  public static final class ProtocolException extends RuntimeException {
    public final String code;

    ProtocolException(JsonNode error) {
      super(error.path("code").asText() + ": " + error.path("message").asText());
      this.code = error.path("code").asText();
    }
  }

  public CrudAndSubscribe(String host, int port, String prefix) {
    this.prefix = prefix;
    this.requestTopic = prefix + "/" + clientId + "/request";
    client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(clientId)
            .serverHost(host)
            .serverPort(port)
            // If this process dies without a clean DISCONNECT, the broker sends this and our
            // subscriptions are dropped.
            .willPublish()
            .topic(requestTopic)
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload("{\"id\":\"will\",\"type\":\"disconnect\"}".getBytes(StandardCharsets.UTF_8))
            .applyWillPublish()
            .buildAsync();
  }

  public void connect() {
    client.connect().join();
    client
        .subscribeWith()
        .topicFilter(prefix + "/" + clientId + "/response")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(this::onMessage)
        .send()
        .join();
    client
        .subscribeWith()
        .topicFilter(prefix + "/" + clientId + "/notify/+")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(this::onMessage)
        .send()
        .join();
  }

  private void onMessage(Mqtt5Publish publish) {
    try {
      JsonNode message = JSON.readTree(publish.getPayloadAsBytes());
      if ("notification".equals(message.path("type").asText())) {
        notifications.add(message);
        return;
      }
      CompletableFuture<JsonNode> waiting = replies.remove(message.path("id").asText());
      if (waiting != null) {
        waiting.complete(message);
      }
    } catch (IOException notJson) {
      System.err.println("ignoring a message that is not JSON on " + publish.getTopic());
    }
  }

  /** Sends one envelope (an id is added) and returns its reply, or throws the protocol's error. */
  public JsonNode request(ObjectNode envelope) throws InterruptedException, TimeoutException {
    String id = "java-" + sequence.incrementAndGet();
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    replies.put(id, reply);
    client
        .publishWith()
        .topic(requestTopic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(envelope.put("id", id).toString().getBytes(StandardCharsets.UTF_8))
        .send();
    JsonNode message;
    try {
      message = reply.get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } finally {
      replies.remove(id);
    }
    if (!message.path("success").asBoolean()) {
      throw new ProtocolException(message.path("error"));
    }
    return message;
  }

  private static ObjectNode envelope(String type, String operation) {
    ObjectNode envelope = JSON.createObjectNode().put("type", type);
    return operation == null
        ? envelope
        : envelope.put("operation", operation).put("entity", "users");
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The whole round; returns the operations of the notifications received, in order. */
  public List<String> run(PrintStream out) throws InterruptedException, TimeoutException {
    out.println("ping -> " + request(envelope("ping", null)).path("type").asText());

    ObjectNode subscribe = envelope("subscription", "subscribe");
    subscribe.set(
        "options",
        json("{\"filters\":[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"active\"}]}"));
    JsonNode subscription = request(subscribe).path("data");
    out.println(
        "subscribed "
            + subscription.path("subscription_id").asText()
            + " on "
            + subscription.path("notify_topic").asText());

    String email = clientId + "@example.com";
    ObjectNode create = envelope("request", "create");
    create
        .putObject("data")
        .put("name", "Ola (Java example)")
        .put("email", email)
        .put("status", "active");
    JsonNode created = request(create).path("data");
    long id = created.path("id").asLong();
    out.println("created users #" + id + ": " + created);

    JsonNode one = request(envelope("request", "read").put("record_id", id)).path("data");
    ObjectNode list = envelope("request", "read");
    list.set(
        "options",
        json(
            "{\"filters\":[{\"column\":\"email\",\"operator\":\"eq\",\"value\":\""
                + email
                + "\"}],\"sort\":[{\"column\":\"id\",\"direction\":\"desc\"}],\"limit\":5}"));
    JsonNode page = request(list);
    out.println(
        "read #"
            + one.path("id")
            + " ("
            + one.path("name").asText()
            + "); list with filter -> "
            + page.path("data").size()
            + " of "
            + page.path("metadata").path("total"));

    ObjectNode update = envelope("request", "update").put("record_id", String.valueOf(id));
    update.putObject("data").put("name", "Ola, renamed");
    out.println(
        "updated users #" + id + ": name=" + request(update).path("data").path("name").asText());

    try {
      request(envelope("request", "read").put("entity", "users; drop table users"));
      throw new IllegalStateException("an unknown entity was accepted");
    } catch (ProtocolException expected) {
      out.println("unknown entity -> " + expected.code);
    }

    JsonNode deleted = request(envelope("request", "delete").put("record_id", id)).path("data");
    out.println("deleted users #" + deleted.path("record_id").asText());

    List<String> operations = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (operations.size() < 3 && System.nanoTime() < deadline) {
      JsonNode notification = notifications.poll(100, TimeUnit.MILLISECONDS);
      if (notification != null) {
        operations.add(notification.path("operation").asText());
      }
    }
    out.println("notifications received: " + String.join(", ", operations));

    request(
        envelope("subscription", "unsubscribe")
            .put("subscription_id", subscription.path("subscription_id").asText()));
    out.println("unsubscribed");
    return operations;
  }

  @Override
  public void close() {
    client.disconnect().join();
  }

  public static void main(String[] args) throws Exception {
    String host = System.getenv().getOrDefault("MQTT_HOST", "127.0.0.1");
    int port = Integer.parseInt(System.getenv().getOrDefault("MQTT_PORT", "1883"));
    List<String> operations;
    try (CrudAndSubscribe example =
        new CrudAndSubscribe(host, port, System.getenv().getOrDefault("TOPIC_PREFIX", "spec"))) {
      example.connect();
      operations = example.run(System.out);
    }
    System.exit(operations.equals(List.of("create", "update", "delete")) ? 0 : 1);
  }
}
