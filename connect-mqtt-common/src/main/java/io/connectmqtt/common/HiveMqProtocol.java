package io.connectmqtt.common;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientBuilder;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Predicate;

/**
 * The HiveMQ client calls that differ between MQTT 5 ({@link Mqtt5Protocol}) and MQTT 3.1.1 ({@link
 * Mqtt3Protocol}); everything the two share (reconnect policy, server rotation, Receive Maximum,
 * fatal errors, metrics) is {@link HiveMqConnection}'s. The conversion of incoming messages, one
 * for both versions, is here ({@link #toInbound}).
 */
abstract class HiveMqProtocol<C extends MqttClient> {

  /** What a CONNACK said that the connection keeps. */
  record ConnAck(
      boolean sessionPresent, boolean sharedSubscriptionAvailable, int maximumPacketSize) {
    /** MQTT 3.1.1 says neither: shared subscriptions assumed, the protocol's largest packet. */
    static ConnAck mqtt3(boolean sessionPresent) {
      return new ConnAck(sessionPresent, true, 268_435_455);
    }
  }

  private final MqttProtocolVersion version;
  final C client;
  final MqttConnectionSettings settings;

  HiveMqProtocol(MqttProtocolVersion version, C client, MqttConnectionSettings settings) {
    this.version = version;
    this.client = client;
    this.settings = settings;
  }

  /** The client of {@code settings}'s version, built from {@code builder}. */
  static HiveMqProtocol<?> of(MqttClientBuilder builder, MqttConnectionSettings settings) {
    return settings.mqtt5()
        ? new Mqtt5Protocol(builder, settings)
        : new Mqtt3Protocol(builder, settings);
  }

  final MqttProtocolVersion version() {
    return version;
  }

  final MqttClientState state() {
    return client.getState();
  }

  /**
   * Hands every incoming publish to {@code handler} in its MQTT 5 form, with what acknowledges it,
   * with manual acknowledgement.
   */
  abstract void onPublish(BiConsumer<Mqtt5Publish, Runnable> handler, Executor executor);

  abstract CompletableFuture<ConnAck> connect(int receiveMaximum);

  /**
   * Sets what the reconnect under way sends: MQTT 5 sends the CONNECT it is given, so a raised
   * Receive Maximum stays raised; MQTT 3.1.1 has nothing to set.
   */
  abstract void prepareReconnect(MqttClientDisconnectedContext context, int receiveMaximum);

  abstract CompletableFuture<Void> publish(OutboundMessage message);

  /** Per filter, the broker's refusal code, or null where it granted the subscription. */
  abstract CompletableFuture<List<String>> subscribe(List<String> filters, MqttQos qos);

  abstract CompletableFuture<Void> unsubscribe(List<String> filters);

  /** {@code endSession}: ask the broker to drop the session (MQTT 5 only). */
  abstract CompletableFuture<Void> disconnect(boolean endSession);

  /** Per code, its name where it is an error, else null. */
  static <C> List<String> refusals(List<C> codes, Predicate<C> isError) {
    return codes.stream().map(c -> isError.test(c) ? c.toString() : null).toList();
  }

  static byte[] password(MqttConnectionSettings settings) {
    return settings
        .password()
        .map(p -> p.value().getBytes(StandardCharsets.UTF_8))
        .orElse(new byte[0]);
  }

  /**
   * One conversion for both versions: an MQTT 3.1.1 publish arrives in its MQTT 5 form ({@link
   * HiveMqInternals#asMqtt5}), whose MQTT 5 properties are all absent.
   */
  static InboundMessage toInbound(Mqtt5Publish publish, Runnable acknowledge) {
    List<Map.Entry<String, String>> userProperties = new ArrayList<>();
    publish
        .getUserProperties()
        .asList()
        .forEach(
            p -> userProperties.add(Map.entry(p.getName().toString(), p.getValue().toString())));
    HiveMqInternals.Stateful stateful = HiveMqInternals.stateful(publish);
    return new InboundMessage(
        publish.getTopic().toString(),
        HiveMqInternals.payload(publish),
        publish.getQos().getCode(),
        publish.isRetain(),
        stateful.dup(),
        stateful.packetId(),
        publish.getContentType().map(Object::toString),
        publish.getResponseTopic().map(Object::toString),
        publish.getCorrelationData().map(HiveMqInternals::bytes),
        publish.getPayloadFormatIndicator().map(f -> f == Mqtt5PayloadFormatIndicator.UTF_8),
        publish.getMessageExpiryInterval(),
        userProperties,
        System.nanoTime(),
        publish.getQos() == MqttQos.AT_MOST_ONCE ? () -> {} : acknowledge);
  }
}
