package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Raw MQTT 5 clients on the {@code spec} prefix, each listening on its own response topic: for the
 * tests that publish thousands of requests without waiting for each reply ({@link ProtocolClient}
 * waits), or that set their own user properties.
 */
final class RequestClients {

  /** What the HiveMQ client allows in flight by default (MQTT 5's maximum). */
  static final int DEFAULT_RECEIVE_MAXIMUM = 65_535;

  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestClients() {}

  /**
   * Connects client {@code cid}, subscribed at {@code qos} to {@code spec/{cid}/response}; every
   * message it receives goes to {@code onReply} with its JSON.
   */
  static Mqtt5AsyncClient connect(
      int port,
      String cid,
      MqttQos qos,
      boolean reconnect,
      int receiveMaximum,
      BiConsumer<Mqtt5Publish, JsonNode> onReply) {
    var builder =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(cid)
            .serverHost("127.0.0.1")
            .serverPort(port);
    if (reconnect) {
      builder = builder.automaticReconnectWithDefaultConfig();
    }
    Mqtt5AsyncClient client = builder.buildAsync();
    client.publishes(
        MqttGlobalPublishFilter.ALL,
        publish -> {
          try {
            onReply.accept(publish, JSON.readTree(publish.getPayloadAsBytes()));
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
    client
        .connectWith()
        .restrictions()
        .receiveMaximum(receiveMaximum)
        .applyRestrictions()
        .send()
        .join();
    client.subscribeWith().topicFilter("spec/" + cid + "/response").qos(qos).send().join();
    return client;
  }

  /**
   * {@code count} clients {@code cidPrefix0}, {@code cidPrefix1}, ... at QoS 1 and up to 1,000
   * messages in flight each; every reply is put in {@code replies} under {@code cid/id}, then
   * {@code onEach} runs.
   */
  static List<Mqtt5AsyncClient> connectAll(
      int port, String cidPrefix, int count, Map<String, JsonNode> replies, Runnable onEach) {
    List<Mqtt5AsyncClient> clients = new ArrayList<>();
    for (int c = 0; c < count; c++) {
      String cid = cidPrefix + c;
      clients.add(
          connect(
              port,
              cid,
              MqttQos.AT_LEAST_ONCE,
              false,
              1000,
              (publish, reply) -> {
                replies.put(cid + "/" + reply.path("id").asText(), reply);
                onEach.run();
              }));
    }
    return clients;
  }

  /**
   * Publishes a create request {@code id} of a row {@code (client, seq)} of {@code entity} from
   * client {@code cid} at {@code qos}, without waiting for the reply.
   */
  static CompletableFuture<Mqtt5PublishResult> create(
      Mqtt5AsyncClient client, String cid, MqttQos qos, String id, String entity, int seq) {
    return client
        .publishWith()
        .topic("spec/" + cid + "/request")
        .qos(qos)
        .payload(createRequest(cid, id, entity, seq).getBytes(StandardCharsets.UTF_8))
        .send();
  }

  /** The create request {@code id} of a row {@code (client, seq)} of {@code entity}. */
  static String createRequest(String cid, String id, String entity, int seq) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\"request\",\"operation\":\"create\","
        + "\"entity\":\""
        + entity
        + "\",\"data\":{\"client\":\""
        + cid
        + "\",\"seq\":"
        + seq
        + "}}";
  }

  static void disconnectAll(List<Mqtt5AsyncClient> clients) {
    clients.forEach(c -> c.disconnect().join());
  }
}
