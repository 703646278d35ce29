package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** subscriptions.max.per.client holds when one client's subscribes reach several tasks at the same instant. */
class SubscriptionQuotaTest {

  private static final int MAX = 2;
  private static final int TASKS = 4;
  private static final int ROUNDS = 25;

  @Test
  void concurrentSubscribesOfOneClientOnSeveralTasksNeverExceedTheQuota() throws Exception {
    try (TestBackend backend = TestBackend.start("quota", "notes", "id integer primary key, body varchar(100)",
        Map.of("subscriptions.max.per.client", String.valueOf(MAX)))) {
      List<RequestProcessor> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        tasks.add(backend.processor(Map.of(), List.of()));
      }
      ExecutorService threads = Executors.newFixedThreadPool(TASKS);
      int over = 0;
      int refused = 0;
      try {
        for (int round = 0; round < ROUNDS; round++) {
          String client = "client-" + round;
          CyclicBarrier together = new CyclicBarrier(TASKS);
          List<Future<Boolean>> subscribed = new ArrayList<>();
          for (int i = 0; i < TASKS; i++) {
            RequestProcessor task = tasks.get(i);
            byte[] request = ("{\"id\":\"s" + i + "\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                + "\"entity\":\"notes\"}").getBytes(StandardCharsets.UTF_8);
            subscribed.add(threads.submit(() -> {
              together.await();
              return task.handle(client, request, Map.of(), Optional.empty()).reply().path("success").asBoolean();
            }));
          }
          int ok = 0;
          for (Future<Boolean> result : subscribed) {
            ok += result.get() ? 1 : 0;
          }
          over += Math.max(0, ok - MAX);
          refused += TASKS - ok;
        }
      } finally {
        threads.shutdownNow();
      }
      System.out.printf("QUOTA: %d rounds of %d simultaneous subscribes of one client (max %d): %d over the quota, "
          + "%d refused%n", ROUNDS, TASKS, MAX, over, refused);
      assertThat(over).as("subscriptions beyond subscriptions.max.per.client").isZero();
      assertThat(refused).as("each round, all but the quota refused").isEqualTo(ROUNDS * (TASKS - MAX));
    }
  }
}
