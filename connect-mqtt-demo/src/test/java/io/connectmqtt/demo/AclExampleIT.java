package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/acl/mosquitto.acl on Debian's mosquitto: a client may only use its own request, response and notify
 * topics, bound to its client id, and the connectors' user may serve everyone.
 */
class AclExampleIT {

  private static MosquittoBroker broker;

  @BeforeAll
  static void startBroker() {
    MosquittoBroker.assumeAvailable();
    broker = MosquittoBroker.startWithAcl(ProjectLayout.root().resolve("examples/acl/mosquitto.acl"),
        "connect-mqtt", "connector-secret");
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static Mqtt5BlockingClient client(String clientId, String user, String password) {
    var builder = MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1")
        .serverPort(broker.port());
    Mqtt5BlockingClient client = builder.buildBlocking();
    if (user == null) {
      client.connect();
    } else {
      client.connectWith().simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth().send();
    }
    return client;
  }

  private static void notAuthorized(Mqtt5PubAckException refused) {
    assertThat(refused.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
  }

  @Test
  void aClientUsesItsOwnTopicsAndTheConnectorServesIt() throws Exception {
    Mqtt5BlockingClient connector = client("entity-sync-task-0", "connect-mqtt", "connector-secret");
    Mqtt5BlockingClient alice = client("alice", null, null);
    try (var requests = connector.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL);
        var aliceInbox = alice.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      connector.subscribeWith().topicFilter("$share/entity-sync/spec/+/request").qos(MqttQos.AT_LEAST_ONCE).send();
      alice.subscribeWith().topicFilter("spec/alice/response").qos(MqttQos.AT_LEAST_ONCE).send();
      alice.subscribeWith().topicFilter("spec/alice/notify/#").qos(MqttQos.AT_LEAST_ONCE).send();

      alice.publishWith().topic("spec/alice/request").qos(MqttQos.AT_LEAST_ONCE)
          .payload("{\"id\":\"1\",\"type\":\"ping\"}".getBytes(StandardCharsets.UTF_8)).send();
      Optional<Mqtt5Publish> request = requests.receive(10, TimeUnit.SECONDS);
      assertThat(request).isPresent();
      assertThat(request.get().getTopic().toString()).isEqualTo("spec/alice/request");

      connector.publishWith().topic("spec/alice/response").qos(MqttQos.AT_LEAST_ONCE)
          .payload("{\"id\":\"1\",\"type\":\"pong\",\"success\":true}".getBytes(StandardCharsets.UTF_8)).send();
      connector.publishWith().topic("spec/alice/notify/s1").qos(MqttQos.AT_LEAST_ONCE)
          .payload("{\"type\":\"notification\"}".getBytes(StandardCharsets.UTF_8)).send();
      assertThat(aliceInbox.receive(10, TimeUnit.SECONDS)).isPresent();
      assertThat(aliceInbox.receive(10, TimeUnit.SECONDS)).isPresent();
    } finally {
      connector.disconnect();
      alice.disconnect();
    }
  }

  @Test
  void aClientCannotActAsAnotherOrReadItsReplies() throws Exception {
    Mqtt5BlockingClient connector = client("entity-sync-task-1", "connect-mqtt", "connector-secret");
    Mqtt5BlockingClient mallory = client("mallory", null, null);
    try (var requests = connector.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
      connector.subscribeWith().topicFilter("$share/entity-sync/spec/+/request").qos(MqttQos.AT_LEAST_ONCE).send();

      assertThatThrownBy(() -> mallory.publishWith().topic("spec/alice/request").qos(MqttQos.AT_LEAST_ONCE)
          .payload("{\"id\":\"x\",\"type\":\"request\",\"operation\":\"delete\",\"entity\":\"users\",\"record_id\":1}"
              .getBytes(StandardCharsets.UTF_8)).send())
          .isInstanceOfSatisfying(Mqtt5PubAckException.class, AclExampleIT::notAuthorized);
      assertThat(requests.receive(2, TimeUnit.SECONDS)).as("no request reaches the connector").isEmpty();

      // mosquitto may grant the SUBSCRIBE, but it delivers nothing the ACL does not let the client read.
      try (var malloryInbox = mallory.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
        for (String stolen : new String[] {"spec/alice/response", "spec/alice/notify/#", "spec/+/response"}) {
          mallory.subscribeWith().topicFilter(stolen).qos(MqttQos.AT_LEAST_ONCE).send();
        }
        connector.publishWith().topic("spec/alice/response").qos(MqttQos.AT_LEAST_ONCE)
            .payload("{\"id\":\"2\",\"type\":\"response\",\"success\":true}".getBytes(StandardCharsets.UTF_8))
            .send();
        connector.publishWith().topic("spec/alice/notify/s1").qos(MqttQos.AT_LEAST_ONCE)
            .payload("{\"type\":\"notification\"}".getBytes(StandardCharsets.UTF_8)).send();
        assertThat(malloryInbox.receive(2, TimeUnit.SECONDS)).as("nothing of alice's reaches mallory").isEmpty();
      }
      assertThatThrownBy(() -> mallory.publishWith().topic("spec/alice/response").qos(MqttQos.AT_LEAST_ONCE)
          .payload("{}".getBytes(StandardCharsets.UTF_8)).send())
          .isInstanceOfSatisfying(Mqtt5PubAckException.class, AclExampleIT::notAuthorized);
    } finally {
      connector.disconnect();
      mallory.disconnect();
    }
  }
}
