package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MosquittoSubscriber;
import io.connectmqtt.testkit.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The shipped ACLs (docker/acl/mosquitto.acl, docker/acl/rabbitmq-mqtt-acl.sh) on mosquitto and
 * RabbitMQ, broker only: each connector's user may do what it needs and nothing else, and a client
 * may not write into its own reply or notify topics (they belong to the connectors). Every client
 * is mosquitto_pub or mosquitto_sub. The negatives are closed by a sentinel each subscriber does
 * get after the refused messages. The real stack with mallory trying to act as alice is BrokerAclIT
 * in connect-entity-sync-it.
 */
class AclExampleIT {

  private static final Map<String, String> USERS =
      Map.of("alice", "alice-pw", "entity-sync", "sync-pw", "entity-notify", "notify-pw");

  /** The options of mosquitto_pub and mosquitto_sub for {@code user} at QoS 1. */
  private static List<String> clientOptions(TestBroker broker, String user, String clientId) {
    return new ArrayList<>(
        List.of(
            "-V",
            broker.mqtt5() ? "5" : "mqttv311",
            "-u",
            user,
            "-P",
            USERS.get(user),
            "-i",
            clientId,
            "-q",
            "1"));
  }

  private static MosquittoSubscriber subscriber(
      TestBroker broker, String user, String clientId, String... filters) {
    List<String> args = clientOptions(broker, user, clientId);
    for (String filter : filters) {
      args.add("-t");
      args.add(filter);
    }
    return MosquittoSubscriber.start(broker.port(), args.toArray(String[]::new))
        .awaitSubscribeHandled(Duration.ofSeconds(20));
  }

  /**
   * mosquitto_pub at QoS 1 as {@code user}; returns what it printed (a refusal is not an error
   * here).
   */
  private static String publish(
      TestBroker broker, String user, String clientId, String topic, String payload) {
    List<String> args = clientOptions(broker, user, clientId);
    args.addAll(List.of("-t", topic, "-m", payload));
    return MosquittoBroker.attemptPublishTo(broker.port(), args.toArray(String[]::new)).output();
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Broker.class,
      names = {"MOSQUITTO", "RABBITMQ"})
  void eachUserMayDoWhatItNeedsAndNothingElse(Broker kind) {
    kind.assumeSelected();
    MosquittoBroker.assumeAvailable();
    try (TestBroker broker =
            kind.start(
                BrokerOptions.DEFAULTS
                    .withPersistence(false)
                    .withAccessControl(USERS, kind.shippedAcl()));
        MosquittoSubscriber alice =
            subscriber(
                broker, "alice", "alice.app", "spec/alice/response/#", "spec/alice/notify/#");
        // As entity sync subscribes with tasks.max > 1, where the broker has shared subscriptions.
        MosquittoSubscriber sync =
            subscriber(
                broker,
                "entity-sync",
                "entity-sync-0",
                (broker.sharedSubscriptions() ? "$share/entity-sync/" : "") + "spec/+/request");
        // Each refused subscription on its own connection: RabbitMQ closes the connection on the
        // first.
        MosquittoSubscriber syncNotify =
            subscriber(broker, "entity-sync", "entity-sync-1", "spec/+/notify/#");
        MosquittoSubscriber notifyRequests =
            subscriber(broker, "entity-notify", "entity-notify-0", "spec/+/request");
        MosquittoSubscriber notifyReplies =
            subscriber(broker, "entity-notify", "entity-notify-1", "spec/+/response")) {
      // Refused: entity sync writing notifications or requests, the notify sink writing replies or
      // requests, and alice writing into her own reply and notify topics.
      List<String> refused =
          List.of(
              publish(
                  broker, "entity-sync", "entity-sync-9", "spec/alice/notify/s1", "forged-by-sync"),
              publish(
                  broker, "entity-sync", "entity-sync-9", "spec/alice/request", "forged-by-sync"),
              publish(
                  broker,
                  "entity-notify",
                  "entity-notify-9",
                  "spec/alice/response",
                  "forged-by-notify"),
              publish(
                  broker,
                  "entity-notify",
                  "entity-notify-9",
                  "spec/alice/request",
                  "forged-by-notify"),
              publish(broker, "alice", "alice.pub", "spec/alice/response", "forged-by-alice"),
              publish(broker, "alice", "alice.pub", "spec/alice/notify/s1", "forged-by-alice"));
      assertThat(refused).allSatisfy(output -> assertThat(output).contains("received CONNACK (0)"));
      if (kind == Broker.MOSQUITTO) {
        assertThat(refused).allSatisfy(output -> assertThat(output).contains("Not authorized"));
      }
      // Allowed, and the sentinels of the refusals above: what each needs.
      publish(broker, "alice", "alice.pub", "spec/alice/request", "request-by-alice");
      publish(broker, "entity-sync", "entity-sync-9", "spec/alice/response", "reply-by-sync");
      publish(
          broker,
          "entity-sync",
          "entity-sync-9",
          "spec/alice/response/list",
          "response-topic-by-sync");
      publish(
          broker,
          "entity-notify",
          "entity-notify-9",
          "spec/alice/notify/s1",
          "notification-by-notify");

      Awaitility.await("alice's reply, Response Topic and notification")
          .atMost(Duration.ofSeconds(20))
          .until(() -> alice.received().size() >= 3);
      Awaitility.await("alice's request at entity sync")
          .atMost(Duration.ofSeconds(20))
          .until(() -> !sync.received().isEmpty());
      assertThat(alice.received())
          .as("alice gets the connectors' reply and notification, nothing forged")
          // Three topics from two publishers: MQTT orders none of them before another.
          .containsExactlyInAnyOrder(
              "spec/alice/response reply-by-sync",
              "spec/alice/response/list response-topic-by-sync",
              "spec/alice/notify/s1 notification-by-notify");
      assertThat(sync.received())
          .as("entity sync reads alice's request, nothing forged")
          .containsExactly("spec/alice/request request-by-alice");
      for (MosquittoSubscriber refusedSubscriber :
          List.of(syncNotify, notifyRequests, notifyReplies)) {
        assertThat(refusedSubscriber.connected()).as(refusedSubscriber.output()).isTrue();
        assertThat(refusedSubscriber.received()).as(refusedSubscriber.toString()).isEmpty();
      }
    }
  }
}
