package io.connectmqtt.common.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.TaskMetrics;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeferredStartTest {

  private final TaskMetrics metrics = new TaskMetrics("deferred-start-test", "t", 0);
  private final AtomicLong now = new AtomicLong();
  private final AtomicInteger runs = new AtomicInteger();
  private final Deque<Exception> failures = new ArrayDeque<>();

  @AfterEach
  void close() {
    metrics.close();
  }

  private DeferredStart start() {
    return new DeferredStart(
        "database",
        () -> {
          runs.incrementAndGet();
          Exception next = failures.poll();
          if (next != null) {
            throw next;
          }
        },
        1_000,
        4_000,
        metrics,
        now::get);
  }

  private static SQLException away() {
    return new SQLException("Connection to 127.0.0.1:5432 refused", "08001");
  }

  @Test
  void aTransientFailureIsTriedAgainAfterADoublingBoundedBackoff() throws Exception {
    for (int i = 0; i < 4; i++) {
      failures.add(away());
    }
    DeferredStart database = start();
    assertThat(database.attempt()).isFalse();
    assertThat(metrics.value("database-waiting")).isEqualTo(1);

    // Backoffs 1 s, 2 s, 4 s, then bounded at 4 s: no attempt before each is over.
    long[] backoffsMs = {1_000, 2_000, 4_000};
    for (long backoff : backoffsMs) {
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(backoff - 1));
      assertThat(database.ready(0)).isFalse();
      int before = runs.get();
      now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1));
      assertThat(database.ready(0)).isFalse();
      assertThat(runs.get()).isEqualTo(before + 1);
    }
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(4_000));
    assertThat(database.ready(0)).as("the database is back").isTrue();
    assertThat(runs.get()).isEqualTo(5);
    assertThat(metrics.value("database-connect-failures")).isEqualTo(4);
    assertThat(metrics.value("database-waiting")).isZero();
    assertThat(database.ready(0)).isTrue();
    assertThat(runs.get()).as("no run once it succeeded").isEqualTo(5);
  }

  @Test
  void aPermanentFailureFailsTheTaskWithItsReason() {
    failures.add(new RuntimeException("pool", new SQLException("password failed", "28P01")));
    assertThatThrownBy(() -> start().attempt())
        .isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessage("Cannot open the database: password failed (SQLState 28P01)");
  }

  @Test
  void anUnknownFailureFailsTheTaskAsItIs() {
    ConnectException mysql = new ConnectException("Entity sync cannot run on this database: MySQL");
    failures.add(mysql);
    assertThatThrownBy(() -> start().attempt()).isSameAs(mysql);
  }

  @Test
  void stopEndsAWaitAndNoAttemptFollows() throws Exception {
    failures.add(away());
    DeferredStart database = start();
    database.attempt();
    database.stop();
    long began = System.nanoTime();
    assertThat(database.ready(60_000)).isFalse();
    assertThat(System.nanoTime() - began).isLessThan(TimeUnit.SECONDS.toNanos(5));
    now.addAndGet(TimeUnit.SECONDS.toNanos(10));
    assertThat(database.ready(0)).isFalse();
    assertThat(runs.get()).isEqualTo(1);
  }
}
