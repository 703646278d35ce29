package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A plain MQTT client speaking the protocol: publishes requests, collects replies by id. */
final class ProtocolClient implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Mqtt5AsyncClient client;
  private final String prefix;
  private final String clientId;
  private final List<JsonNode> replies = new CopyOnWriteArrayList<>();

  ProtocolClient(int port, String prefix, String clientId) {
    this.prefix = prefix;
    this.clientId = clientId;
    client = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1").serverPort(port)
        .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, publish -> {
      try {
        replies.add(JSON.readTree(publish.getPayloadAsBytes()));
      } catch (java.io.IOException e) {
        replies.add(JSON.createObjectNode().put("unparseable", new String(publish.getPayloadAsBytes(),
            StandardCharsets.UTF_8)));
      }
    });
    client.connect().join();
    client.subscribeWith().topicFilter(prefix + "/" + clientId + "/response").qos(MqttQos.AT_LEAST_ONCE).send()
        .join();
  }

  /** Sends raw bytes as a request and waits for the reply whose id is {@code expectedId}. */
  JsonNode sendRaw(byte[] payload, String expectedId) {
    int before = replies.size();
    client.publishWith().topic(prefix + "/" + clientId + "/request").qos(MqttQos.AT_LEAST_ONCE).payload(payload)
        .send().join();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      for (int i = before; i < replies.size(); i++) {
        if (replies.get(i).path("id").asText("\u0000").equals(expectedId)) {
          return replies.get(i);
        }
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("no reply with id '" + expectedId + "' within 20 s; got " + replies);
  }

  JsonNode send(String json, String expectedId) {
    return sendRaw(json.getBytes(StandardCharsets.UTF_8), expectedId);
  }

  List<JsonNode> replies() {
    return replies;
  }

  @Override
  public void close() {
    client.disconnect().join();
  }
}
