package io.connectmqtt.source;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttProtocolVersion;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a broker's shared subscriptions allow the source, read from a connection to it: whether it
 * has them at all ({@link #problem}, for validation), how many connections {@code
 * mqtt.connections=auto} opens per task ({@link #autoConnections}, at task start and in validation
 * alike), and the warning where tasks share a stream on a broker that drops shared subscriptions in
 * a restart.
 */
final class SharedSubscriptionSupport {

  private static final Logger log = LoggerFactory.getLogger(SharedSubscriptionSupport.class);

  private SharedSubscriptionSupport() {}

  /**
   * What {@code mqtt.connections=auto} opens on the broker {@code session} is connected to: several
   * members of one shared group where its MQTT 5 CONNACK offers shared subscriptions and the
   * subscription is not QoS 2 (HiveMQ CE delivered QoS 2 messages to a shared subscription at QoS 1
   * in MqttSourceRoundTripIT) and the broker keeps shared subscriptions across its restarts
   * (mosquitto before 2.1 does not: {@link BrokerVersion}), else one.
   */
  static int autoConnections(MqttConnection session, int qos, Optional<BrokerVersion> broker) {
    return session.version() == MqttProtocolVersion.MQTT_5
            && session.sharedSubscriptionAvailable()
            && qos < 2
            && !dropsSharedSubscriptions(broker)
        ? SubscriptionConfig.AUTO_SHARED_CONNECTIONS
        : 1;
  }

  /** Why {@link #autoConnections} chose what it did, for the task log and validation. */
  static String autoReason(MqttConnection session, int qos, Optional<BrokerVersion> broker) {
    if (session.version() != MqttProtocolVersion.MQTT_5) {
      return "the broker speaks MQTT 3.1.1, which does not say whether it has shared subscriptions: one connection";
    }
    if (!session.sharedSubscriptionAvailable()) {
      return "the broker's MQTT 5 CONNACK says it has no shared subscriptions: one connection";
    }
    if (qos >= 2) {
      return QosConfig.QOS_CONFIG
          + "=2, and a broker may deliver a shared subscription at QoS 1: one connection";
    }
    if (dropsSharedSubscriptions(broker)) {
      return "the broker is "
          + broker.get()
          + ", which does not keep shared subscriptions across its restarts (a "
          + "restart would discard messages until the members subscribe again): one connection";
    }
    return "the broker has shared subscriptions (MQTT 5 CONNACK), so "
        + SubscriptionConfig.AUTO_SHARED_CONNECTIONS
        + " members of one group share the stream, each with its own window of unacknowledged messages";
  }

  static boolean dropsSharedSubscriptions(Optional<BrokerVersion> broker) {
    return broker.filter(BrokerVersion::dropsSharedSubscriptionsOnRestart).isPresent();
  }

  /**
   * Where the broker drops shared subscriptions in a restart, warns that tasks sharing a stream on
   * it lose messages; {@code sharing} says who shares what, as the start of the sentence.
   */
  static void warnIfDropped(Optional<BrokerVersion> broker, String sharing) {
    if (dropsSharedSubscriptions(broker)) {
      log.warn(
          "{} on {}, which drops shared subscriptions in a restart: the messages published between its restart "
              + "and the tasks' new subscriptions are discarded (docs/troubleshooting.md). Use {}={}, one task, "
              + "or mosquitto 2.1 or later.",
          sharing,
          broker.get(),
          SubscriptionConfig.TASK_ASSIGNMENT_CONFIG,
          SubscriptionConfig.ASSIGNMENT_FILTERS);
    }
  }

  /**
   * Why the broker {@code probe} is connected to cannot share {@code filters} among the members of
   * {@code group}, or empty where it can: its CONNACK says it has no shared subscriptions, it
   * refuses one, or (MQTT 3.1.1) it takes one as a plain filter.
   */
  static Optional<String> problem(MqttConnection probe, String group, List<String> filters) {
    if (!probe.sharedSubscriptionAvailable()) {
      return Optional.of("the broker's CONNACK says it has no shared subscriptions");
    }
    String shared = TopicFilters.shared(group, filters.get(0));
    try {
      probe.subscribe(List.of(shared), 0).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return Optional.of(
          "the broker refused the shared subscription '"
              + shared
              + "' ("
              + cause.getMessage()
              + ")");
    }
    return probe.version() == MqttProtocolVersion.MQTT_3_1_1
        ? ignored(probe, filters)
        : Optional.empty();
  }

  /**
   * An MQTT 3.1.1 broker does not say whether it has shared subscriptions, and one without
   * (RabbitMQ, Aedes, Moquette 0.17) accepts {@code $share/...} as a plain topic filter that
   * matches nothing: every task would receive nothing. One QoS 1 message to a probe topic through a
   * probe group tells. The probe topic must not match the connector's own filters, or running tasks
   * would write it to Kafka; where it would, the check is left out.
   */
  private static Optional<String> ignored(MqttConnection probe, List<String> filters) {
    String topic = "connect-mqtt-probe/" + UUID.randomUUID();
    if (filters.stream()
        .anyMatch(filter -> TopicFilters.matches(TopicFilters.unshared(filter), topic))) {
      return Optional.empty();
    }
    String probeFilter = TopicFilters.shared("connect-mqtt-probe", topic);
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    probe.onMessage(
        message -> {
          message.acknowledge();
          if (message.topic().equals(topic)) {
            arrived.complete(null);
          }
        },
        Runnable::run);
    try {
      probe.subscribe(List.of(probeFilter), 1).get(10, TimeUnit.SECONDS);
      probe.publish(OutboundMessage.of(topic, new byte[0], 1, false)).get(10, TimeUnit.SECONDS);
      arrived.get(5, TimeUnit.SECONDS);
      return Optional.empty();
    } catch (TimeoutException e) {
      return Optional.of(
          "a message published to '"
              + topic
              + "' did not reach the shared subscription '"
              + probeFilter
              + "': this MQTT 3.1.1 broker takes $share/... as a plain topic filter (RabbitMQ, Aedes and "
              + "Moquette 0.17 do), so the tasks would receive nothing (or the connector's user may not publish there)");
    } catch (Exception e) {
      log.info("Could not check shared subscriptions on the broker: {}", e.toString());
      return Optional.empty();
    }
  }
}
