package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The distributed engine as users run it: three Connect workers in separate JVMs, the source with
 * {@code tasks.max=3} on one shared subscription. The worker that runs task 0 is killed with
 * SIGKILL mid-stream: its task moves to a surviving worker, and every message reaches Kafka.
 */
class SourceClusterIT {

  private static final int MESSAGES = 60_000;

  /**
   * 12 s for all messages, the second half after the kill ({@link StreamAroundFault}); a rate the
   * group drains as it comes. At 10,000/s a backlog built up in HiveMQ CE's in-memory shared queue,
   * whose every acknowledgement scans it (docs/brokers.md): 60% of the test JVM's CPU samples.
   */
  private static final int RATE = 5_000;

  private static final String TOPIC = "cluster.test";

  private HiveMqBroker hivemq;
  private ProcessStack stack;

  @AfterEach
  void stop() {
    if (stack != null) {
      stack.close();
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  @Test
  void aWorkerKilledMidStreamHandsItsTasksOnAndNothingIsLost() throws Exception {
    hivemq = HiveMqBroker.start(MESSAGES * 2, false);
    stack =
        ProcessStack.start(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")), Map.of());
    stack.startWorker(2);
    stack.startWorker(3);
    stack.topics().create(TOPIC, 3);
    Map<String, String> config = SourceConfigs.source(hivemq.uri(), "cluster/#");
    config.put("tasks.max", "3");
    config.put("kafka.topic", TOPIC);
    stack.rest().createOrReplace("cluster-source", config);
    stack.rest().awaitRunning("cluster-source", 3, Duration.ofSeconds(90));
    Awaitility.await("tasks on all three workers")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> workersOfTasks().size() == 3);

    StreamAroundFault stream;
    try (MqttLoadPublisher publisher = new MqttLoadPublisher("cluster-publisher", hivemq.port())) {
      stream =
          StreamAroundFault.start(publisher, MESSAGES, RATE, seq -> "cluster/device-" + (seq % 20));
      awaitKafkaHolds(MESSAGES / 3);
      String victim = taskWorker(0);
      int worker = workerNumber(victim);
      stack.killWorker(worker);
      long publishedAtKill = stream.faultInjected();
      System.out.printf(
          "SIGKILLed worker %d (%s), which ran task 0, after >= %d records, %d messages published%n",
          worker, victim, MESSAGES / 3, publishedAtKill);
      int survivor = worker == 1 ? 2 : 1;
      Awaitility.await("task 0 reassigned to a surviving worker")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                JsonNode status = stack.rest(survivor).status("cluster-source");
                for (JsonNode task : status.path("tasks")) {
                  if (!"RUNNING".equals(task.path("state").asText())
                      || task.path("worker_id").asText().equals(victim)) {
                    return false;
                  }
                }
                return status.path("tasks").size() == 3;
              });
      stream.awaitPublished();
    }

    SequencesInKafka inKafka =
        SequencesInKafka.awaitAll(stack.topics(), TOPIC, MESSAGES, Duration.ofSeconds(180));
    BitSet seen = inKafka.seen();
    int duplicates = inKafka.duplicates();
    System.out.printf(
        "three workers, one SIGKILLed: %d messages, %d records %.1f s after the kill, %d"
            + " duplicates, broker dropped %d%n",
        MESSAGES,
        inKafka.records(),
        stream.secondsFromFaultTo(inKafka.heldAtNanos()),
        duplicates,
        hivemq.droppedMessages());
    assertThat(hivemq.droppedMessages()).as("messages the broker dropped").isZero();
    assertThat(seen.cardinality()).isEqualTo(MESSAGES);
    // The killed task's unacknowledged messages come again: its window (queue.capacity, 1,000) at
    // most.
    assertThat(duplicates).as("duplicates").isBetween(0, 1_000);
  }

  private Set<String> workersOfTasks() {
    Set<String> workers = new HashSet<>();
    stack
        .rest()
        .status("cluster-source")
        .path("tasks")
        .forEach(t -> workers.add(t.path("worker_id").asText()));
    return workers;
  }

  private String taskWorker(int task) {
    for (JsonNode t : stack.rest().status("cluster-source").path("tasks")) {
      if (t.path("id").asInt() == task) {
        return t.path("worker_id").asText();
      }
    }
    throw new IllegalStateException("no task " + task);
  }

  private int workerNumber(String workerId) {
    for (int n = 1; n <= 3; n++) {
      if (workerId.endsWith(":" + stack.restPort(n))) {
        return n;
      }
    }
    throw new IllegalStateException("unknown worker " + workerId);
  }

  private void awaitKafkaHolds(int records) {
    stack.topics().awaitEndOffsets(TOPIC, records, Duration.ofSeconds(120));
  }
}
