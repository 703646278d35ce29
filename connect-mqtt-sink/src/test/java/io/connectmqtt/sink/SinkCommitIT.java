package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * After a burst, the offsets of what the broker acknowledged are committed within about the commit
 * interval ({@code acknowledged.offsets.commit.interval.ms}, 1 s by default) even when no further
 * record arrives, with the worker's periodic commit at its default of 60 s: a crash after a burst
 * then repeats about a second of traffic, not everything since the last periodic commit.
 */
class SinkCommitIT {

  private static final int RECORDS = 5_000;

  @Test
  void
      acknowledgedOffsetsAreCommittedWithinAboutASecondOfTheLastAcknowledgementWithoutNewRecords() {
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        ConnectStack stack = ConnectStack.start(1, Map.of("offset.flush.interval.ms", "60000"));
        MqttRecorder subscriber =
            MqttRecorder.subscribe("commit-subscriber", hivemq.port(), "commit/#")) {
      stack.topics().create("commit.sink", 3);
      Map<String, String> config =
          SinkConfigs.json("commit.sink", hivemq.uri(), "commit/${partition}");
      config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      stack.rest().createOrReplace("commit-sink", config);
      stack.rest().awaitRunning("commit-sink", 1, Duration.ofSeconds(60));
      // The worker's first periodic commit is 60 s after the task started: the burst and its commit
      // come before.
      List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(RECORDS);
      for (int i = 0; i < RECORDS; i++) {
        records.add(new ProducerRecord<>("commit.sink", null, new byte[64]));
      }
      stack.topics().send(records);
      subscriber.awaitAtLeast(RECORDS, Duration.ofSeconds(60));
      long allDelivered = System.nanoTime();
      try {
        Awaitility.await("offsets of all " + RECORDS + " records committed")
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> stack.topics().committedOffsetSum("connect-commit-sink") >= RECORDS);
      } catch (ConditionTimeoutException e) {
        // The assertion below says how far the commit got.
      }
      double seconds = (System.nanoTime() - allDelivered) / 1e9;
      long committed = stack.topics().committedOffsetSum("connect-commit-sink");
      System.out.printf(
          "COMMIT: %d records published; %d committed %.2f s after the subscriber had all; %d messages the broker dropped%n",
          RECORDS, committed, seconds, hivemq.droppedMessages());
      assertThat(hivemq.droppedMessages()).as("messages the broker dropped").isZero();
      assertThat(committed).as("offsets committed without further records").isEqualTo(RECORDS);
      // The commit interval (1 s), one more bounded poll for acknowledgements still on the way, and
      // Connect's own asynchronous commit: about a second here (printed above), and a few on a
      // loaded machine, against the worker's 60 s.
      assertThat(seconds).as("seconds from the last delivery to the commit").isLessThan(5.0);
    }
  }
}
