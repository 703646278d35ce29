package io.connectmqtt.entitysync;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Entity sync at scale on two Connect workers: Kafka and the first worker are the module's {@link
 * SharedFixtures}; the second worker, HiveMQ and PostgreSQL are the test's own. The test's
 * connectors are deleted while the first worker runs, then the second worker is killed whatever
 * happened (unless the test killed it already).
 */
final class TwoWorkers {

  /** What a test does once everything runs. */
  interface Scenario {
    void run(ProcessStack stack, HiveMqBroker hivemq, PostgresDatabase postgres) throws Exception;
  }

  private TwoWorkers() {}

  /**
   * Runs {@code scenario} with a HiveMQ queueing up to {@code maxQueuedMessages} per client, then
   * deletes {@code connectors}.
   */
  static void run(int maxQueuedMessages, List<String> connectors, Scenario scenario)
      throws Exception {
    ProcessStack stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-entity-sync")));
    // Worker 2 starts while HiveMQ and PostgreSQL do: after them it added about 4 s.
    CompletableFuture<Void> secondWorker = CompletableFuture.runAsync(() -> stack.startWorker(2));
    try (HiveMqBroker.OutgoingWindow window =
            HiveMqBroker.outgoingWindowUntilClosed(HiveMqBroker.RAISED_OUTGOING_WINDOW);
        HiveMqBroker hivemq = HiveMqBroker.startForPublishers(1_000, maxQueuedMessages, false);
        PostgresDatabase postgres = PostgresDatabase.start()) {
      secondWorker.join();
      try (ConnectRest.Deletion deleted =
          stack.rest().deletingOnClose(connectors.toArray(String[]::new))) {
        scenario.run(stack, hivemq, postgres);
      }
    } finally {
      secondWorker.exceptionally(failed -> null).join();
      stack.killWorker(2);
    }
  }
}
