package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A plain MQTT client speaking the protocol: publishes requests, collects replies by id. MQTT 5 by
 * default; MQTT 3.1.1 for brokers that have nothing else, where replies are addressed by the topic
 * alone ({@code {p}/{cid}/response}). The topic's {@code {cid}} is the MQTT client id unless a
 * broker user is given: then it is the user name, which the broker's ACL binds the topics to
 * (docker/acl), and the MQTT client id may be anything.
 */
final class ProtocolClient implements AutoCloseable {

  /** A message the client received: its topic, its JSON and (MQTT 5) its Correlation Data. */
  record Reply(String topic, JsonNode body, Optional<byte[]> correlationData) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Mqtt5AsyncClient client5;
  private final Mqtt3AsyncClient client3;
  private final String prefix;

  /** The {@code {cid}} of this client's topics. */
  private final String topicId;

  private final List<JsonNode> replies = new CopyOnWriteArrayList<>();
  private final List<Reply> received = new CopyOnWriteArrayList<>();

  ProtocolClient(int port, String prefix, String clientId) {
    this(port, prefix, clientId, true);
  }

  /** A client speaking MQTT 5 if {@code mqtt5}, else MQTT 3.1.1. */
  ProtocolClient(int port, String prefix, String clientId, boolean mqtt5) {
    this(port, prefix, clientId, null, null, mqtt5);
  }

  /**
   * A client logged in to the broker as {@code user} with {@code password} (none if null), using
   * the topics of {@code user} (or of {@code clientId} without a user) and the MQTT client id
   * {@code clientId}.
   */
  ProtocolClient(
      int port, String prefix, String clientId, String user, String password, boolean mqtt5) {
    this(port, prefix, clientId, user, password, mqtt5, false);
  }

  /**
   * An MQTT 5 client as an application on a flaky network would be: it reconnects by itself and
   * keeps its session (subscription and replies not yet delivered) for 10 minutes, so that a broker
   * that keeps sessions across a restart delivers what came meanwhile.
   */
  static ProtocolClient reconnecting(int port, String prefix, String clientId) {
    return new ProtocolClient(port, prefix, clientId, null, null, true, true);
  }

  private ProtocolClient(
      int port,
      String prefix,
      String clientId,
      String user,
      String password,
      boolean mqtt5,
      boolean reconnecting) {
    this.prefix = prefix;
    this.topicId = user == null ? clientId : user;
    var builder =
        MqttClient.builder().identifier(clientId).serverHost("127.0.0.1").serverPort(port);
    if (reconnecting) {
      // A request published while the broker was away is sent when the client is back, also to a
      // broker that lost the session (the HiveMQ client fails it by default).
      builder =
          builder
              .automaticReconnectWithDefaultConfig()
              .addDisconnectedListener(
                  context -> {
                    var unused = context.getReconnector().republishIfSessionExpired(true);
                  });
    }
    if (mqtt5) {
      client3 = null;
      client5 = builder.useMqttVersion5().buildAsync();
      client5.publishes(
          MqttGlobalPublishFilter.ALL,
          publish ->
              record(
                  publish.getTopic().toString(),
                  publish.getPayloadAsBytes(),
                  publish.getCorrelationData().map(ProtocolClient::bytes)));
      var connect = client5.connectWith();
      if (reconnecting) {
        connect = connect.cleanStart(false).sessionExpiryInterval(600);
      }
      if (user != null) {
        connect
            .simpleAuth()
            .username(user)
            .password(password.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth();
      }
      connect.send().join();
    } else {
      client5 = null;
      client3 = builder.useMqttVersion3().buildAsync();
      client3.publishes(
          MqttGlobalPublishFilter.ALL,
          publish ->
              record(publish.getTopic().toString(), publish.getPayloadAsBytes(), Optional.empty()));
      var connect = client3.connectWith();
      if (user != null) {
        connect
            .simpleAuth()
            .username(user)
            .password(password.getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth();
      }
      connect.send().join();
    }
    subscribe(prefix + "/" + topicId + "/response");
  }

  /**
   * Subscribes to {@code filter} at QoS 1 and waits for the SUBACK, e.g. to the client's notify
   * topics.
   */
  void subscribe(String filter) {
    if (client5 != null) {
      client5.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
    } else {
      client3.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
    }
  }

  private void record(String topic, byte[] payload, Optional<byte[]> correlationData) {
    JsonNode body;
    try {
      body = JSON.readTree(payload);
    } catch (java.io.IOException e) {
      body =
          JSON.createObjectNode().put("unparseable", new String(payload, StandardCharsets.UTF_8));
    }
    replies.add(body);
    received.add(new Reply(topic, body, correlationData));
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** Sends raw bytes as a request and waits for the reply whose id is {@code expectedId}. */
  JsonNode sendRaw(byte[] payload, String expectedId) {
    int before = received.size();
    publishRequest(payload);
    return await(before, null, expectedId).body();
  }

  /**
   * Sends {@code json} as a request and returns the reply with {@code expectedId} that follows it,
   * or null if none came within {@code timeout}: for tests that count unanswered requests.
   */
  JsonNode send(String json, String expectedId, Duration timeout) {
    int before = received.size();
    publish(json);
    Reply reply = find(before, null, expectedId, timeout);
    return reply == null ? null : reply.body();
  }

  /** Publishes {@code payload} to this client's request topic at QoS 1 and waits for the ack. */
  private void publishRequest(byte[] payload) {
    String topic = prefix + "/" + topicId + "/request";
    if (client5 != null) {
      client5.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().join();
    } else {
      client3.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send().join();
    }
  }

  /**
   * MQTT 5 only: publishes a request naming {@code responseTopic}, with the request id as
   * Correlation Data.
   */
  private void publishNaming(String responseTopic, String json, String id) {
    if (client5 == null) {
      throw new IllegalStateException("MQTT 3.1.1 has no Response Topic");
    }
    client5
        .publishWith()
        .topic(prefix + "/" + topicId + "/request")
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(json.getBytes(StandardCharsets.UTF_8))
        .responseTopic(responseTopic)
        .correlationData(id.getBytes(StandardCharsets.UTF_8))
        .send()
        .join();
  }

  JsonNode send(String json, String expectedId) {
    return sendRaw(json.getBytes(StandardCharsets.UTF_8), expectedId);
  }

  /**
   * MQTT 5 only: sends a request with a Response Topic and the request id as Correlation Data, and
   * waits for the reply with that id on the Response Topic (the client subscribes to it first).
   */
  Reply sendWithResponseTopic(String json, String expectedId, String responseTopic) {
    if (client5 == null) {
      throw new IllegalStateException("MQTT 3.1.1 has no Response Topic");
    }
    client5.subscribeWith().topicFilter(responseTopic).qos(MqttQos.AT_LEAST_ONCE).send().join();
    int before = received.size();
    publishNaming(responseTopic, json, expectedId);
    return await(before, responseTopic, expectedId);
  }

  /**
   * MQTT 5 only: sends a request naming {@code responseTopic} (without subscribing to it) with the
   * request id as Correlation Data, and waits for the reply with that id on any topic the client
   * listens to (its own response topic, where a refused Response Topic's reply goes).
   */
  JsonNode sendRedirected(String json, String expectedId, String responseTopic) {
    int before = received.size();
    publishNaming(responseTopic, json, expectedId);
    return await(before, null, expectedId).body();
  }

  /**
   * Pings until one is answered (any reply, an error included), at most 60 s: the signal that the
   * connector subscribed, where a fixed wait after RUNNING would guess.
   */
  void awaitServed() {
    int[] pings = {0};
    Awaitility.await("entity sync subscribed (answers a ping from " + topicId + ")")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ZERO)
        .until(() -> pings("ping-" + pings[0]++, Duration.ofSeconds(1)));
  }

  /**
   * Whether a ping with {@code id} is answered within {@code timeout}: to wait until the connector
   * subscribed, since a request published before that reaches no one.
   */
  boolean pings(String id, Duration timeout) {
    int before = received.size();
    publishRequest(("{\"id\":\"" + id + "\",\"type\":\"ping\"}").getBytes(StandardCharsets.UTF_8));
    return find(before, null, id, timeout) != null;
  }

  /** Publishes a request without waiting for its reply; see {@link #reply(String, Duration)}. */
  void publish(String json) {
    publishRequest(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The reply with {@code id} received so far or within {@code timeout}; null if none came. */
  JsonNode reply(String id, Duration timeout) {
    Reply reply = find(0, null, id, timeout);
    return reply == null ? null : reply.body();
  }

  /**
   * The first message from index {@code from} on with {@code id} (on {@code topic} unless null),
   * within 20 s.
   */
  private Reply await(int from, String topic, String id) {
    Reply reply = find(from, topic, id, Duration.ofSeconds(20));
    if (reply == null) {
      throw new AssertionError(
          "no reply with id '"
              + id
              + "'"
              + (topic == null ? "" : " on " + topic)
              + " within 20 s; got "
              + received);
    }
    return reply;
  }

  private Reply find(int from, String topic, String id, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (int i = from; i < received.size(); i++) {
        Reply reply = received.get(i);
        if ((topic == null || reply.topic().equals(topic))
            && reply.body().path("id").asText("\u0000").equals(id)) {
          return reply;
        }
      }
      try {
        // The pause between polls of the received list, not a wait for an event.
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return null;
  }

  List<JsonNode> replies() {
    return replies;
  }

  /** Everything received so far, with topics. */
  List<Reply> received() {
    return received;
  }

  /** Disconnects, waiting at most 10 s: a test that failed may leave the client's thread stuck. */
  @Override
  public void close() {
    CompletableFuture<Void> disconnected =
        client5 != null ? client5.disconnect() : client3.disconnect();
    disconnected.completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
  }
}
