package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttLoadPublisher;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Scale-out through a shared subscription, and backpressure while Kafka is away. */
class SourceFlowControlIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures =
      BrokerWithConnect.of(() -> HiveMqBroker.start(200_000, false));

  private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

  private static Map<String, String> config(String topicFilter, String kafkaTopic, int tasks) {
    Map<String, String> config = SourceConfigs.source(fixtures.broker().uri(), topicFilter);
    config.put("tasks.max", Integer.toString(tasks));
    config.put("mqtt.receive.maximum", "50");
    config.put("queue.capacity", "200");
    config.put("kafka.topic", kafkaTopic);
    config.put("producer.override.linger.ms", "0");
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    return config;
  }

  static double metric(String connector, int task, String name) throws Exception {
    ObjectName object =
        new ObjectName(
            "connect-mqtt:type=mqtt-source-task-metrics,connector=" + connector + ",task=" + task);
    return ((Number) JMX.getAttribute(object, name)).doubleValue();
  }

  @Test
  void threeTasksShareOneWildcardStreamExactlyOnce() throws Exception {
    fixtures.topics().create("scale.test", 3);
    fixtures.rest().createOrReplace("scale-source", config("scale/#", "scale.test", 3));
    fixtures.rest().awaitRunning("scale-source", 3, Duration.ofSeconds(60));
    // The tasks join the shared subscription after Connect reports RUNNING, and REST shows no sign
    // of it; a message published before any of them has would reach no one.
    Thread.sleep(1_000);
    int messages = 30_000;
    try (MqttLoadPublisher publisher =
        new MqttLoadPublisher("scale-publisher", fixtures.broker().port())) {
      publisher.publish(
          0, messages, 128, 10_000, seq -> "scale/line-" + (seq % 7) + "/machine-" + (seq % 13));
    }
    List<ConsumerRecord<byte[], byte[]>> records =
        fixtures.topics().readAll("scale.test", messages, Duration.ofSeconds(120));
    BitSet seen = SequencesInKafka.of(records).seen();
    long[] perTask = new long[3];
    for (int task = 0; task < 3; task++) {
      perTask[task] = (long) metric("scale-source", task, "messages-received-total");
    }
    System.out.printf(
        "tasks.max=3: %d records, %d distinct; per task %s; broker dropped %d%n",
        records.size(),
        seen.cardinality(),
        java.util.Arrays.toString(perTask),
        fixtures.broker().droppedMessages());
    assertThat(seen.cardinality()).as("distinct messages").isEqualTo(messages);
    assertThat(records).as("no duplicates in steady state").hasSize(messages);
    assertThat(java.util.Arrays.stream(perTask).sum())
        .as("the group received each message once")
        .isEqualTo(messages);
    assertThat(fixtures.broker().droppedMessages()).isZero();
    fixtures.rest().delete("scale-source");
  }

  @Test
  void kafkaAwayKeepsTheBacklogInTheBrokerNotTheHeapAndLosesNothing() throws Exception {
    fixtures.topics().create("backpressure.test", 1);
    fixtures.rest().createOrReplace("backpressure-source", config("bp/#", "backpressure.test", 1));
    fixtures.rest().awaitRunning("backpressure-source", 1, Duration.ofSeconds(60));
    int messages = 20_000;
    try (MqttLoadPublisher publisher =
        new MqttLoadPublisher("bp-publisher", fixtures.broker().port())) {
      publisher.publish(0, 1_000, 1024, 0, seq -> "bp/d");
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> metric("backpressure-source", 0, "messages-acknowledged-total") >= 1_000);

      fixtures.stack().kafka().stopOnlyBrokers();
      CompletableFuture<Void> publishing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  publisher.publish(1_000, messages, 1024, 0, seq -> "bp/d");
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      // Sampled while the backlog builds up. The worker may stop the task once it gives up on
      // Kafka's group
      // coordinator (its metrics then vanish): the samples taken until then must show the bound,
      // and there must be
      // enough of them to mean something.
      long maxUnacknowledged = 0;
      long maxQueue = 0;
      int connections = 0;
      int samples = 0;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while ((System.nanoTime() < until || !publishing.isDone()) && System.nanoTime() < deadline) {
        // The sampling interval of this polling loop, not a wait for an event.
        Thread.sleep(100);
        try {
          maxUnacknowledged =
              Math.max(
                  maxUnacknowledged, (long) metric("backpressure-source", 0, "unacknowledged"));
          connections = (int) metric("backpressure-source", 0, "connections");
          maxQueue = Math.max(maxQueue, (long) metric("backpressure-source", 0, "queue-depth"));
          samples++;
        } catch (InstanceNotFoundException stoppedByTheWorker) {
          break;
        }
      }
      publishing.get();
      System.out.printf(
          "Kafka away: %d messages published and owned by the broker; the task's %d connections "
              + "held at most %d unacknowledged (queue at most %d) in %d samples%n",
          publisher.acknowledged(), connections, maxUnacknowledged, maxQueue, samples);
      assertThat(samples).as("samples taken while Kafka was away").isGreaterThanOrEqualTo(10);
      // Each connection (mqtt.connections=auto: several members of one shared group on HiveMQ CE)
      // has its own Receive Maximum of 50; a shared group may hand any member its full window.
      assertThat(maxUnacknowledged)
          .as(
              "in flight while Kafka is away: %d connections' receive maximum, not the backlog",
              connections)
          .isLessThanOrEqualTo(50L * connections);
      assertThat(maxQueue).isLessThanOrEqualTo(200);

      fixtures.stack().kafka().restartOnlyBrokers();
      List<ConsumerRecord<byte[], byte[]>> records =
          fixtures.topics().readAll("backpressure.test", messages, Duration.ofSeconds(180));
      BitSet seen = SequencesInKafka.of(records).seen();
      System.out.printf(
          "Kafka back: %d records, %d distinct of %d; broker dropped %d%n",
          records.size(), seen.cardinality(), messages, fixtures.broker().droppedMessages());
      assertThat(seen.cardinality()).isEqualTo(messages);
      assertThat(fixtures.broker().droppedMessages()).isZero();
    }
    fixtures.rest().delete("backpressure-source");
  }
}
