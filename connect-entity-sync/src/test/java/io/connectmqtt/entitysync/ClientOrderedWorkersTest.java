package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ClientOrderedWorkersTest {

  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @Test
  void aClientsWorkRunsInOrderAndAnotherClientsBesideIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (ClientOrderedWorkers workers = new ClientOrderedWorkers(2, Thread::new, failures::add)) {
      workers.submit("slow", () -> await(release));
      workers.submit("slow", () -> ran.add("slow-2"));
      workers.submit("other", () -> ran.add("other-1"));
      workers.submit("other", () -> ran.add("other-2"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
      assertThat(ran)
          .as("while the slow client's first waits")
          .containsExactly("other-1", "other-2");
      release.countDown();
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 3);
      assertThat(ran).endsWith("slow-2");
    }
    assertThat(failures).isEmpty();
  }

  /** An Error (a hook's) is reported, and the client's later work still runs. */
  @Test
  void workThatThrowsAnErrorIsReportedAndTheClientGoesOn() {
    try (ClientOrderedWorkers workers = new ClientOrderedWorkers(1, Thread::new, failures::add)) {
      workers.submit(
          "c1",
          () -> {
            throw new AssertionError("a hook's");
          });
      workers.submit("c1", () -> ran.add("c1-2"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 1);
    }
    assertThat(failures).singleElement().isInstanceOf(AssertionError.class);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
