package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.message.Mqtt3ReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.auth.Mqtt3SimpleAuth;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscribe;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.Mqtt3Subscription;
import com.hivemq.client.mqtt.mqtt3.message.unsubscribe.Mqtt3Unsubscribe;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * MQTT 3.1.1 over the HiveMQ client: no properties, no reason codes beyond SUBACK's, a password
 * only with a user name.
 */
final class Mqtt3Protocol extends HiveMqProtocol<Mqtt3AsyncClient> {

  Mqtt3Protocol(MqttClientBuilder builder, MqttConnectionSettings settings) {
    super(MqttProtocolVersion.MQTT_3_1_1, build(builder, settings), settings);
  }

  @Override
  void onPublish(BiConsumer<Mqtt5Publish, Runnable> handler, Executor executor) {
    client.publishes(
        MqttGlobalPublishFilter.ALL,
        (Mqtt3Publish p) -> handler.accept(HiveMqInternals.asMqtt5(p), p::acknowledge),
        executor,
        true);
  }

  @Override
  CompletableFuture<ConnAck> connect(int receiveMaximum) {
    return client
        .connectWith()
        .cleanSession(settings.cleanStart())
        .keepAlive(settings.keepAliveSeconds())
        .send()
        .thenApply(connAck -> ConnAck.mqtt3(connAck.isSessionPresent()));
  }

  @Override
  void prepareReconnect(MqttClientDisconnectedContext context, int receiveMaximum) {
    // The reconnect sends the first CONNECT again; MQTT 3.1.1 has no Receive Maximum to raise.
  }

  @Override
  CompletableFuture<Void> unsubscribe(List<String> filters) {
    return client.unsubscribe(
        Mqtt3Unsubscribe.builder()
            .addTopicFilters(filters.stream().map(MqttTopicFilter::of))
            .build());
  }

  @Override
  CompletableFuture<Void> publish(OutboundMessage message) {
    Mqtt3Publish publish =
        Mqtt3Publish.builder()
            .topic(message.topic())
            .qos(MqttQos.fromCode(message.qos()))
            .retain(message.retain())
            .payload(message.payload())
            .build();
    return client.publish(publish).thenAccept(ignored -> {});
  }

  @Override
  CompletableFuture<Void> disconnect(boolean endSession) {
    return client.disconnect(); // MQTT 3.1.1 cannot end the session from here
  }

  /** MQTT 3.1.1 sends a password only with a user name. */
  private static Mqtt3AsyncClient build(
      MqttClientBuilder builder, MqttConnectionSettings settings) {
    Mqtt3ClientBuilder b3 = builder.useMqttVersion3();
    return settings
        .username()
        .map(
            user ->
                b3.simpleAuth(
                    Mqtt3SimpleAuth.builder()
                        .username(user)
                        .password(HiveMqProtocol.password(settings))
                        .build()))
        .orElse(b3)
        .buildAsync();
  }

  @Override
  CompletableFuture<List<String>> subscribe(List<String> filters, MqttQos qos) {
    var each = filters.stream().map(f -> subscription(f, qos));
    var subAck = client.subscribe(Mqtt3Subscribe.builder().addSubscriptions(each).build());
    return subAck.thenApply(ack -> refusals(ack.getReturnCodes(), Mqtt3ReturnCode::isError));
  }

  private static Mqtt3Subscription subscription(String filter, MqttQos qos) {
    return Mqtt3Subscription.builder().topicFilter(filter).qos(qos).build();
  }
}
