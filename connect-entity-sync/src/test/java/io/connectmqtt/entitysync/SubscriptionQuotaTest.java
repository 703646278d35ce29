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

/**
 * subscriptions.max.per.client holds when one client's subscribes reach several tasks at the same
 * instant.
 */
class SubscriptionQuotaTest {

  static final int MAX = 2;
  static final int TASKS = 4;
  static final int ROUNDS = 25;

  /** What simultaneous subscribes did to the quota: subscriptions beyond it, and refusals. */
  record Race(int over, int refused) {}

  @Test
  void concurrentSubscribesOfOneClientOnSeveralTasksNeverExceedTheQuota() throws Exception {
    try (TestBackend backend =
        TestBackend.start(
            "quota",
            "notes",
            "id integer primary key, body varchar(100)",
            Map.of("subscriptions.max.per.client", String.valueOf(MAX)))) {
      List<RequestProcessor> tasks = new ArrayList<>();
      for (int i = 0; i < TASKS; i++) {
        tasks.add(backend.processor(Map.of(), List.of()));
      }
      assertWithinQuota("h2", race(tasks, "notes"));
    }
  }

  static void assertWithinQuota(String database, Race race) {
    System.out.printf(
        "QUOTA %s: %d rounds of %d simultaneous subscribes of one client (max %d): %d over the quota, "
            + "%d refused%n",
        database, ROUNDS, TASKS, MAX, race.over(), race.refused());
    assertThat(race.over()).as("subscriptions beyond subscriptions.max.per.client").isZero();
    assertThat(race.refused())
        .as("each round, all but the quota refused")
        .isEqualTo(ROUNDS * (TASKS - MAX));
  }

  /**
   * {@link #ROUNDS} rounds, each a new client whose {@link #TASKS} subscribes to {@code entity}
   * start together, one on each of {@code tasks} (processors over one database, as tasks of one
   * connector), with a quota of {@link #MAX}.
   */
  static Race race(List<RequestProcessor> tasks, String entity) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(tasks.size());
    int over = 0;
    int refused = 0;
    try {
      for (int round = 0; round < ROUNDS; round++) {
        String client = "client-" + round;
        CyclicBarrier together = new CyclicBarrier(tasks.size());
        List<Future<Boolean>> subscribed = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
          RequestProcessor task = tasks.get(i);
          byte[] request =
              ("{\"id\":\"s"
                      + i
                      + "\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                      + "\"entity\":\""
                      + entity
                      + "\"}")
                  .getBytes(StandardCharsets.UTF_8);
          subscribed.add(
              threads.submit(
                  () -> {
                    together.await();
                    return task.handle(client, request, Map.of(), Optional.empty())
                        .reply()
                        .path("success")
                        .asBoolean();
                  }));
        }
        int ok = 0;
        for (Future<Boolean> result : subscribed) {
          ok += result.get() ? 1 : 0;
        }
        over += Math.max(0, ok - MAX);
        refused += tasks.size() - ok;
      }
    } finally {
      threads.shutdownNow();
    }
    return new Race(over, refused);
  }
}
