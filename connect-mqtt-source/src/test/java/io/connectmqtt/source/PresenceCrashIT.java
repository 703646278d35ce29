package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Presence keeps the source's guarantee: a backlog of QoS 1 messages, each from a new device, waits
 * in the task's session; the worker JVM is SIGKILLed while it drains it. Every device must have its
 * "online" record in the presence topic (an MQTT message is acknowledged only once Kafka has its
 * presence record too); repeated "online" records are counted (messages redelivered after the kill,
 * and state the killed worker had not flushed to the offsets yet).
 *
 * <p>Kafka and the worker (with Connect's defaults, on which the repeats depend) are the module's
 * {@link SharedFixtures}; HiveMQ CE is this test's.
 */
@ExtendWith(SharedFixtures.class)
class PresenceCrashIT {

  private static final int DEVICES = 3_000;

  @Test
  void workerKilledWhileDrainingLosesNoPresenceRecord() throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
    try (HiveMqBroker hivemq = HiveMqBroker.start(DEVICES * 2, false);
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose("fleet-source")) {
      killedWhileDraining(stack, hivemq);
    }
  }

  private static void killedWhileDraining(ProcessStack stack, HiveMqBroker hivemq)
      throws Exception {
    Map<String, String> config = SourceConfigs.source(hivemq.uri(), "fleet/#");
    config.put("kafka.topic", "fleet.data");
    config.put("presence.topic", "fleet.presence");
    config.put("presence.device.topics", "fleet/{device}/#");
    config.put("topic.creation.default.partitions", "1");
    config.put("topic.creation.default.replication.factor", "-1");
    config.put("topic.creation.groups", "presence");
    config.put("topic.creation.presence.include", "fleet.presence");
    config.put("topic.creation.presence.cleanup.policy", "compact");
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    // One value converter for both streams: presence records are Structs, data records bytes
    // (Base64 in JSON).
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("producer.override.linger.ms", "0");
    stack.rest().createOrReplace("fleet-source", config);
    stack.rest().awaitRunning("fleet-source", 1, Duration.ofSeconds(60));

    stack.killConnect();
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("fleet-publisher", hivemq.port())) {
      publisher.publish(0, DEVICES, 64, 0, seq -> "fleet/device-" + seq + "/temp");
    }
    stack.startConnect();
    KafkaTopics topics = stack.topics();
    // A third of the devices in the presence topic.
    topics.awaitEndOffsets("fleet.presence", DEVICES / 3, Duration.ofSeconds(180));
    stack.killConnect();
    long atKill = topics.endOffsetSum("fleet.presence");
    stack.startConnect();

    int[] online = new int[DEVICES];
    Awaitility.await("an online record for each of " + DEVICES + " devices")
        .atMost(Duration.ofSeconds(240))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              Arrays.fill(online, 0);
              List<ConsumerRecord<byte[], byte[]>> records =
                  topics.readAll("fleet.presence", DEVICES, Duration.ofSeconds(10));
              for (ConsumerRecord<byte[], byte[]> record : records) {
                String device = new String(record.key(), StandardCharsets.UTF_8);
                if (new String(record.value(), StandardCharsets.UTF_8)
                    .contains("\"state\":\"online\"")) {
                  online[Integer.parseInt(device.substring("device-".length()))]++;
                }
              }
              return Arrays.stream(online).allMatch(count -> count > 0);
            });
    long missing = Arrays.stream(online).filter(count -> count == 0).count();
    long repeated = Arrays.stream(online).filter(count -> count > 1).count();
    System.out.printf(
        "PRESENCE-CRASH: %d devices, %d presence records at the SIGKILL; %d without an online record, "
            + "%d announced more than once%n",
        DEVICES, atKill, missing, repeated);
    assertThat(atKill).as("the kill came while the backlog drained").isLessThan(DEVICES);
    assertThat(missing).isZero();
    // Announced again: devices whose state the killed worker had not flushed to the offsets, at
    // most those already in the presence topic at the kill.
    assertThat(repeated).isLessThanOrEqualTo(atKill);
  }
}
