package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MosquittoBroker;
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

  private static Map<String, String> config(
      String brokerUri, String topicFilter, String kafkaTopic, int tasks) {
    Map<String, String> config = SourceConfigs.source(brokerUri, topicFilter);
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
    fixtures
        .rest()
        .createOrReplace(
            "scale-source", config(fixtures.broker().uri(), "scale/#", "scale.test", 3));
    fixtures.rest().awaitRunning("scale-source", 3, Duration.ofSeconds(60));
    // The tasks join the shared subscription after Connect reports RUNNING; a message published
    // before any of them has would reach no one.
    Awaitility.await("all three tasks subscribed")
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptionsInstanceOf(InstanceNotFoundException.class)
        .until(
            () -> {
              for (int task = 0; task < 3; task++) {
                if (metric("scale-source", task, "subscriptions-ready") != 1) {
                  return false;
                }
              }
              return true;
            });
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

  /**
   * On mosquitto 2.0, which pushes a backlog at a subscriber as fast as the window lets it, so that
   * the task's own bound is what keeps the backlog out of the heap. HiveMQ CE sends a subscriber
   * its next batch only once the last is acknowledged: with Kafka away it left the task 1 to 10
   * messages in flight (measured, with four shared members and with one connection), and the bound
   * went untested; its shared group's in-memory queue also made the drain afterwards more than half
   * of this class's CPU (a scan of the backlog per acknowledgement, docs/brokers.md). mosquitto
   * 2.0.11 overruns the Receive Maximum of 50 and the task reconnects without one
   * (docs/troubleshooting.md): measured, 100 in flight, which come again after the reconnect.
   */
  @Test
  void kafkaAwayKeepsTheBacklogInTheBrokerNotTheHeapAndLosesNothing() throws Exception {
    MosquittoBroker.assumeAvailable();
    try (MosquittoBroker mosquitto = MosquittoBroker.start()) {
      kafkaAwayKeepsTheBacklogInTheBroker(mosquitto);
    }
  }

  private void kafkaAwayKeepsTheBacklogInTheBroker(MosquittoBroker mosquitto) throws Exception {
    fixtures.topics().create("backpressure.test", 1);
    fixtures
        .rest()
        .createOrReplace(
            "backpressure-source", config(mosquitto.uri(), "bp/#", "backpressure.test", 1));
    fixtures.rest().awaitRunning("backpressure-source", 1, Duration.ofSeconds(60));
    int messages = 20_000;
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("bp-publisher", mosquitto.port())) {
      publisher.publish(0, 1_000, 1024, 0, seq -> "bp/d");
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> metric("backpressure-source", 0, "messages-acknowledged-total") >= 1_000);

      fixtures.stack().kafka().stopOnlyBrokers();
      // Sampled while the backlog builds up. The worker stops the task once it has missed Kafka's
      // group coordinator for heartbeat.interval.ms (10 s in the test stack; its metrics then
      // vanish): the samples taken until then must show the bound, and there must be enough of them
      // to mean something.
      long maxUnacknowledged = 0;
      long maxQueue = 0;
      int connections = 0;
      int samples = 0;
      try {
        CompletableFuture<Void> publishing =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    publisher.publish(1_000, messages, 1024, 0, seq -> "bp/d");
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((System.nanoTime() < until || !publishing.isDone())
            && System.nanoTime() < deadline) {
          // The sampling interval of this polling loop, not a wait for an event.
          Thread.sleep(100);
          try {
            maxUnacknowledged =
                Math.max(
                    maxUnacknowledged, (long) metric("backpressure-source", 0, "unacknowledged"));
            // The most seen: a sample taken while the task reconnects reads 0.
            connections =
                Math.max(connections, (int) metric("backpressure-source", 0, "connections"));
            maxQueue = Math.max(maxQueue, (long) metric("backpressure-source", 0, "queue-depth"));
            samples++;
          } catch (InstanceNotFoundException stoppedByTheWorker) {
            break;
          }
        }
        publishing.get();
      } finally {
        fixtures.stack().kafka().restartOnlyBrokers();
      }
      System.out.printf(
          "Kafka away: %d messages published and owned by the broker; the task's %d connections "
              + "held at most %d unacknowledged (queue at most %d) in %d samples%n",
          publisher.acknowledged(), connections, maxUnacknowledged, maxQueue, samples);
      assertThat(samples).as("samples taken while Kafka was away").isGreaterThanOrEqualTo(10);
      assertThat(connections).as("the task's connections while Kafka was away").isPositive();
      // The broker pushed at least a full window (Receive Maximum 50 per connection; mosquitto
      // 2.0.11 overruns it, and the task reconnects without one, docs/troubleshooting.md), and the
      // task held no more than its intake bound (queue.capacity, 200): the rest of the backlog
      // stayed in the broker.
      assertThat(maxUnacknowledged)
          .as("in flight while Kafka is away (%d connections)", connections)
          .isBetween(50L * connections, 200L);
      assertThat(maxQueue).as("the task's intake queue").isLessThanOrEqualTo(200);

      List<ConsumerRecord<byte[], byte[]>> records =
          fixtures.topics().readAll("backpressure.test", messages, Duration.ofSeconds(180));
      BitSet seen = SequencesInKafka.of(records).seen();
      long dropped = mosquitto.droppedMessageCount().orElseThrow();
      System.out.printf(
          "Kafka back: %d records, %d distinct of %d, %d duplicates; broker dropped %d%n",
          records.size(),
          seen.cardinality(),
          messages,
          records.size() - seen.cardinality(),
          dropped);
      assertThat(seen.cardinality()).isEqualTo(messages);
      assertThat(dropped).as("messages mosquitto dropped").isZero();
    }
    fixtures.rest().delete("backpressure-source");
  }
}
