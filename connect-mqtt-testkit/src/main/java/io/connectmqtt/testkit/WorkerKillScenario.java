package io.connectmqtt.testkit;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

/**
 * A source connector's worker killed with SIGKILL while it drains a backlog, shared by {@code
 * BrokerMatrixCrashIT} and the broker benchmark. The connector (with {@code
 * mqtt.topics=backlog/<id>/#}) is created and subscribes; the connector is stopped (its task
 * disconnects and keeps its session) so that the whole backlog of QoS 1 messages waits in the
 * task's persistent session; the connector resumes and, once Kafka holds a third of the backlog,
 * the worker is killed mid-stream with SIGKILL and started again. Then Kafka is read until every
 * message is there or {@code deadline} passes. Nothing is asserted here.
 *
 * <p>The Kafka topic is created with log append time, so the drain time is exact: from the
 * restarted worker's launch to the append of the last message that was still missing.
 */
public final class WorkerKillScenario {

  /**
   * @param inKafkaAtKill records in Kafka (duplicates included) when the worker was killed
   *     mid-stream
   * @param drainSeconds from the launch of the restarted worker to the last missing message's
   *     append to Kafka; NaN if messages were still missing at the deadline
   * @param lostConnections "lost its connection" lines of this connector's clients in the worker
   *     log (a reconnect loop shows hundreds)
   * @param connections the MQTT connections (client ids) the task connected after the last restart
   * @param resumedSessions how many of them the broker resumed the persistent session of
   */
  public record Result(
      int backlog,
      int distinct,
      int records,
      long inKafkaAtKill,
      double drainSeconds,
      long lostConnections,
      int connections,
      int resumedSessions) {
    public int lost() {
      return backlog - distinct;
    }

    public int duplicates() {
      return records - distinct;
    }
  }

  private WorkerKillScenario() {}

  /**
   * Runs the scenario with {@code config} (the connector's config; {@code mqtt.topics} and {@code
   * kafka.topic} are set here) and deletes the connector afterwards.
   */
  public static Result run(
      ProcessStack stack,
      TestBroker broker,
      String id,
      Map<String, String> config,
      int backlog,
      int payloadSize,
      Duration deadline)
      throws Exception {
    String topic = "crash." + id;
    String name = "crash-" + id;
    stack.topics().createWithLogAppendTime(topic, 3);
    Map<String, String> connector = new java.util.HashMap<>(config);
    connector.put("mqtt.topics", "backlog/" + id + "/#");
    connector.put("kafka.topic", topic);
    try {
      long logStart = stack.workerLogSize();
      stack.rest().createOrReplace(name, connector);
      stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      Awaitility.await("the task subscribed")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> SourceLog.allSubscribed(stack.workerLog(logStart), "backlog/" + id + "/#"));

      // The task is stopped while the backlog is published, so all of it waits in the broker's
      // session. Stopping the connector rather than killing the worker spares a worker start; the
      // SIGKILL below is the one under test.
      stack.rest().stopAndAwaitStopped(name, Duration.ofSeconds(60));
      try (MqttLoadPublisher publisher =
          new MqttLoadPublisher("backlog-publisher-" + id, broker.port(), broker.mqtt5())) {
        publisher.publish(
            0, backlog, payloadSize, 0, seq -> "backlog/" + id + "/device-" + (seq % 10));
      }
      stack.rest().resume(name);
      KafkaTopics topics = stack.topics();
      topics.awaitEndOffsets(topic, backlog / 3, Duration.ofSeconds(300));
      stack.killConnect();
      long inKafkaAtKill = topics.endOffsetSum(topic);
      long relaunchMillis = System.currentTimeMillis();
      long relaunchLog = stack.workerLogSize();
      stack.startConnect();

      BitSet seen = new BitSet(backlog);
      int[] counts = {0, 0};
      long[] lastFirstAppend = {0};
      long stop = System.nanoTime() + deadline.toNanos();
      // A read of fewer records than the backlog waits its whole timeout: the cheap end offsets say
      // when a read can find every message.
      while (topics.endOffsetSum(topic) < backlog && System.nanoTime() < stop) {
        Thread.sleep(200);
      }
      while (true) {
        List<ConsumerRecord<byte[], byte[]>> records =
            topics.readAll(topic, backlog, Duration.ofSeconds(5));
        seen.clear();
        lastFirstAppend[0] = 0;
        records.sort(java.util.Comparator.comparingLong(ConsumerRecord::timestamp));
        for (ConsumerRecord<byte[], byte[]> record : records) {
          int seq = (int) MqttLoadPublisher.sequence(record.value());
          if (!seen.get(seq)) {
            seen.set(seq);
            lastFirstAppend[0] = record.timestamp();
          }
        }
        counts[0] = seen.cardinality();
        counts[1] = records.size();
        if (counts[0] == backlog || System.nanoTime() > stop) {
          break;
        }
        Thread.sleep(2_000);
      }
      // Late duplicates (acknowledgements lost with the killed connection) may still come: one
      // last, quiet read.
      counts[1] = topics.readAll(topic, counts[1], Duration.ofSeconds(10)).size();
      double drainSeconds =
          counts[0] == backlog ? (lastFirstAppend[0] - relaunchMillis) / 1e3 : Double.NaN;
      // Task 0's client ids: <name>-0, and <name>-0-c1, -c2, ... where the task opens several
      // connections.
      String ids = java.util.regex.Pattern.quote(name) + "-0(?:-c\\d+)?";
      java.util.regex.Pattern connected =
          java.util.regex.Pattern.compile("MQTT client '(" + ids + ")' connected\\b");
      long lostConnections = SourceLog.lostConnections(stack.workerLog(logStart), name);
      java.util.Set<String> connections = new java.util.TreeSet<>();
      java.util.Set<String> resumed = new java.util.TreeSet<>();
      stack
          .workerLog(relaunchLog)
          .lines()
          .forEach(
              line -> {
                java.util.regex.Matcher m = connected.matcher(line);
                if (m.find()) {
                  connections.add(m.group(1));
                  if (line.contains("resumed its session")) {
                    resumed.add(m.group(1));
                  }
                }
              });
      stack.rest().delete(name);
      // Deleting returns before the task stopped; a broker closed earlier would make it reconnect
      // meanwhile. (The log before the relaunch has the stop of the backlog already.)
      Awaitility.await(name + " stopped")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  stack.workerLog(relaunchLog).contains("Stopping MQTT source task 0 of " + name));
      return new Result(
          backlog,
          counts[0],
          counts[1],
          inKafkaAtKill,
          drainSeconds,
          lostConnections,
          connections.size(),
          resumed.size());
    } catch (Exception | AssertionError e) {
      // The module's shared worker serves the next rows and classes: not dead, and not draining
      // this row's backlog for them.
      try {
        if (stack.connectPid() < 0) {
          stack.startConnect();
        }
        stack.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }
}
