package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopicFilter;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.lifecycle.Mqtt5ClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.Mqtt5ReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscription;
import com.hivemq.client.mqtt.mqtt5.message.unsubscribe.Mqtt5Unsubscribe;
import io.connectmqtt.common.MqttConnection.MqttPublishRefusedException;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/** MQTT 5 over the HiveMQ client: CONNECT restrictions, publish properties, reason codes. */
final class Mqtt5Protocol extends HiveMqProtocol<Mqtt5AsyncClient> {

  Mqtt5Protocol(MqttClientBuilder builder, MqttConnectionSettings settings) {
    super(MqttProtocolVersion.MQTT_5, build(builder, settings), settings);
  }

  private static Mqtt5AsyncClient build(
      MqttClientBuilder builder, MqttConnectionSettings settings) {
    Mqtt5ClientBuilder b5 = builder.useMqttVersion5();
    // MQTT 5 allows a password without a user name.
    if (settings.username().isPresent() || settings.password().isPresent()) {
      Mqtt5SimpleAuthBuilder.Complete auth =
          settings.username().isPresent()
              ? Mqtt5SimpleAuth.builder()
                  .username(settings.username().get())
                  .password(HiveMqProtocol.password(settings))
              : Mqtt5SimpleAuth.builder().password(HiveMqProtocol.password(settings));
      b5 = b5.simpleAuth(auth.build());
    }
    return b5.buildAsync();
  }

  @Override
  void onPublish(BiConsumer<Mqtt5Publish, Runnable> handler, Executor executor) {
    client.publishes(
        MqttGlobalPublishFilter.ALL, p -> handler.accept(p, p::acknowledge), executor, true);
  }

  @Override
  CompletableFuture<ConnAck> connect(int receiveMaximum) {
    return client
        .connect(connectPacket(receiveMaximum))
        .thenApply(
            connAck ->
                new ConnAck(
                    connAck.isSessionPresent(),
                    connAck.getRestrictions().isSharedSubscriptionAvailable(),
                    connAck.getRestrictions().getMaximumPacketSize()));
  }

  /** The CONNECT of this connection, for the first connect and every reconnect. */
  private Mqtt5Connect connectPacket(int receiveMaximum) {
    return Mqtt5Connect.builder()
        .cleanStart(settings.cleanStart())
        .sessionExpiryInterval(settings.cleanStart() ? 0 : settings.sessionExpirySeconds())
        .keepAlive(settings.keepAliveSeconds())
        .restrictions()
        .receiveMaximum(receiveMaximum)
        .maximumPacketSize(settings.maxPacketSize())
        .applyRestrictions()
        .build();
  }

  @Override
  void prepareReconnect(MqttClientDisconnectedContext context, int receiveMaximum) {
    if (context instanceof Mqtt5ClientDisconnectedContext context5) {
      context5.getReconnector().connect(connectPacket(receiveMaximum));
    }
  }

  @Override
  CompletableFuture<Void> publish(OutboundMessage message) {
    return client
        .publish(publishPacket(message))
        .handle(
            (result, error) -> {
              if (error != null) {
                Throwable cause = ErrorClassifier.unwrapCompletion(error);
                // A PUBACK/PUBREC with an error reason code fails the future: the broker
                // answered, and said no.
                if (cause instanceof Mqtt5PubAckException
                    || cause instanceof Mqtt5PubRecException) {
                  throw refused(message.topic(), cause);
                }
                throw error instanceof CompletionException completion
                    ? completion
                    : new CompletionException(error);
              }
              result
                  .getError()
                  .ifPresent(
                      refusal -> {
                        throw refused(message.topic(), refusal);
                      });
              return null;
            });
  }

  /** The broker's answer in the refusal: the packet and its reason code. */
  private static MqttPublishRefusedException refused(String topic, Throwable reason) {
    String answer =
        reason instanceof Mqtt5PubAckException puback
            ? "PUBACK " + puback.getMqttMessage().getReasonCode()
            : reason instanceof Mqtt5PubRecException pubrec
                ? "PUBREC " + pubrec.getMqttMessage().getReasonCode()
                : reason.getMessage();
    return new MqttPublishRefusedException(topic, answer, reason);
  }

  private static Mqtt5Publish publishPacket(OutboundMessage message) {
    var builder =
        Mqtt5Publish.builder()
            .topic(message.topic())
            .qos(MqttQos.fromCode(message.qos()))
            .retain(message.retain())
            .payload(message.payload());
    // The builder's methods return the builder to use next (Error Prone's CheckReturnValue), so
    // no ifPresent(…).
    if (message.contentType().isPresent()) {
      builder = builder.contentType(message.contentType().get());
    }
    if (message.responseTopic().isPresent()) {
      builder = builder.responseTopic(message.responseTopic().get());
    }
    if (message.correlationData().isPresent()) {
      builder = builder.correlationData(message.correlationData().get());
    }
    if (message.payloadUtf8().isPresent()) {
      builder =
          builder.payloadFormatIndicator(
              message.payloadUtf8().get()
                  ? Mqtt5PayloadFormatIndicator.UTF_8
                  : Mqtt5PayloadFormatIndicator.UNSPECIFIED);
    }
    if (message.messageExpirySeconds().isPresent()) {
      builder = builder.messageExpiryInterval(message.messageExpirySeconds().getAsLong());
    }
    if (!message.userProperties().isEmpty()) {
      var properties = Mqtt5UserProperties.builder();
      for (Map.Entry<String, String> property : message.userProperties()) {
        properties = properties.add(property.getKey(), property.getValue());
      }
      builder = builder.userProperties(properties.build());
    }
    return builder.build();
  }

  @Override
  CompletableFuture<List<String>> subscribe(List<String> filters, MqttQos qos) {
    var each = filters.stream().map(f -> subscription(f, qos));
    var subAck = client.subscribe(Mqtt5Subscribe.builder().addSubscriptions(each).build());
    return subAck.thenApply(ack -> refusals(ack.getReasonCodes(), Mqtt5ReasonCode::isError));
  }

  @Override
  CompletableFuture<Void> unsubscribe(List<String> filters) {
    var each = filters.stream().map(MqttTopicFilter::of);
    return client
        .unsubscribe(Mqtt5Unsubscribe.builder().addTopicFilters(each).build())
        .thenAccept(a -> {});
  }

  @Override
  CompletableFuture<Void> disconnect(boolean endSession) {
    return endSession && !settings.cleanStart()
        ? client.disconnectWith().sessionExpiryInterval(0).send()
        : client.disconnect();
  }

  private static Mqtt5Subscription subscription(String filter, MqttQos qos) {
    return Mqtt5Subscription.builder().topicFilter(filter).qos(qos).build();
  }
}
