package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Another consumer in the source's shared group that stops acknowledging (a hung process, a debug
 * client) does not stall the source on HiveMQ CE with its default file persistence. HiveMQ offers a
 * group's queue to every member only when the queue turns from empty to non-empty, and counts the
 * messages in flight to the hung consumer in it: once the task's members drained the queue, they
 * would get nothing more, however long it grew (HiveMqSharedGroupStallIT, in fixtures-it, shows the
 * broker's side with plain clients). The task's silent group subscribes again: every message but
 * the one the hung consumer holds reaches Kafka, that one too once the consumer leaves the group,
 * and none twice.
 */
@ExtendWith(SharedFixtures.class)
class SharedGroupStuckMemberIT {

  private static final String GROUP = "stuck-group";
  private static final int MESSAGES = 3_000;

  @Test
  void aConsumerHoldingAMessageInTheGroupDoesNotStallTheSource() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
    String topic = "stuck-member";
    stack.topics().create(topic, 3);
    try (HiveMqBroker hivemq = HiveMqBroker.start(MESSAGES * 2, true);
        MqttLoadPublisher publisher = new MqttLoadPublisher("stuck-publisher", hivemq.port());
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("stuck-member-source")) {
      AtomicInteger held = new AtomicInteger();
      Mqtt5AsyncClient hung =
          MqttClients.builder("hung-consumer", hivemq.port()).useMqttVersion5().buildAsync();
      hung.publishes(MqttGlobalPublishFilter.ALL, publish -> held.incrementAndGet(), true);
      hung.connectWith().cleanStart(true).send().get(30, TimeUnit.SECONDS);
      hung.subscribeWith()
          .topicFilter("$share/" + GROUP + "/stuck/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .get(30, TimeUnit.SECONDS);
      publisher.publish(0, 1, 64, 0, seq -> "stuck/device");
      Awaitility.await("the hung consumer holds message 0")
          .atMost(Duration.ofSeconds(30))
          .until(() -> held.get() == 1);

      Map<String, String> config = SourceConfigs.source(hivemq.uri(), "stuck/#");
      config.put("mqtt.qos", "1");
      config.put("mqtt.shared.subscription.group", GROUP);
      config.put("kafka.topic", topic);
      stack.rest().createOrReplace("stuck-member-source", config);
      stack.rest().awaitRunning("stuck-member-source", 1, Duration.ofSeconds(60));

      publisher.publish(1, MESSAGES, 64, 1_000, seq -> "stuck/device-" + seq % 10);
      // Without the task's wake-up its members get nothing after their first empty read.
      stack.topics().awaitEndOffsets(topic, MESSAGES - 1, Duration.ofSeconds(60));
      SequencesInKafka whileHung =
          SequencesInKafka.of(stack.topics().readAll(topic, MESSAGES - 1, Duration.ofSeconds(60)));
      assertThat(whileHung.seen().cardinality()).isEqualTo(MESSAGES - 1);
      assertThat(whileHung.seen().get(0)).as("message 0, held by the hung consumer").isFalse();
      assertThat(held).as("messages the hung consumer got").hasValue(1);

      hung.disconnect().get(30, TimeUnit.SECONDS);
      SequencesInKafka all =
          SequencesInKafka.awaitAll(stack.topics(), topic, MESSAGES, Duration.ofSeconds(60));
      assertThat(all.seen().cardinality()).isEqualTo(MESSAGES);
      assertThat(all.duplicates()).as("records beyond one per message").isZero();
      assertThat(hivemq.droppedMessages()).as("messages the broker dropped").isZero();
    }
  }
}
