package io.connectmqtt.common.connect;

import io.connectmqtt.common.TaskMetrics;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A step of a task's start that needs another system (a database, say) and is tried again from
 * {@code poll} while that system is away. Connect retries a {@code RetriableException} from {@code
 * poll} or {@code put}, never an exception from {@code start}: a start that throws leaves the task
 * FAILED until someone restarts it over REST (Kafka's {@code WorkerTask.doRun}). So the task calls
 * {@link #attempt} once in {@code start} and {@link #ready} at the top of every {@code poll}; a
 * transient failure ({@link ErrorClassifier}) is logged and tried again after a backoff that
 * doubles up to a bound, for as long as it lasts; any other failure fails the task. The metrics
 * {@code <name>-connect-failures} (failed attempts since the task started) and {@code
 * <name>-waiting} (1 while the step has not succeeded) tell an operator what the task waits for.
 */
public final class DeferredStart {

  private static final Logger log = LoggerFactory.getLogger(DeferredStart.class);

  /** The work that needs the other system; it cleans up after itself when it throws. */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  private final String name;
  private final Step step;
  private final long initialBackoffMs;
  private final long maxBackoffMs;
  private final LongSupplier nanoTime;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean done;
  private volatile long failures;
  private int failuresInARow;
  private long nextAttemptNanos;

  public DeferredStart(
      String name,
      Step step,
      long initialBackoffMs,
      long maxBackoffMs,
      TaskMetrics metrics,
      LongSupplier nanoTime) {
    this.name = name;
    this.step = step;
    this.initialBackoffMs = initialBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.nanoTime = nanoTime;
    metrics.gauge(
        name + "-connect-failures",
        "Failed attempts to reach the " + name + " since the task started",
        () -> failures);
    metrics.gauge(
        name + "-waiting",
        "1 while the task waits for the " + name + " to start",
        () -> done ? 0 : 1);
  }

  /**
   * Runs the step now; true when it succeeded, false when it failed for a transient reason and will
   * be tried again. Throws the {@link ConnectException} that fails the task for any other reason.
   */
  public boolean attempt() {
    try {
      step.run();
    } catch (Exception e) {
      if (!ErrorClassifier.isRetriable(e)) {
        throw e instanceof ConnectException connect
            ? connect
            : ErrorClassifier.toConnectException("Cannot open the " + name, e);
      }
      failures++;
      failuresInARow++;
      long backoff = Math.min(maxBackoffMs, initialBackoffMs << Math.min(failuresInARow - 1, 20));
      nextAttemptNanos = nanoTime.getAsLong() + TimeUnit.MILLISECONDS.toNanos(backoff);
      log.warn(
          "The {} is not available ({}); the task waits and tries again in {} ms (attempt {})",
          name,
          ErrorClassifier.describe(e),
          backoff,
          failuresInARow);
      return false;
    }
    if (failuresInARow > 0) {
      log.info("The {} is available after {} failed attempts", name, failuresInARow);
    }
    done = true;
    return true;
  }

  /**
   * Whether the step has succeeded; when not, tries it if the backoff has passed, or else waits at
   * most {@code maxWaitMs} (less when the task stops) and returns false, so that poll returns
   * nothing and Connect calls it again.
   */
  public boolean ready(long maxWaitMs) throws InterruptedException {
    if (done) {
      return true;
    }
    long untilNextNanos = nextAttemptNanos - nanoTime.getAsLong();
    if (untilNextNanos > 0) {
      long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(maxWaitMs), untilNextNanos);
      stopped.await(wait, TimeUnit.NANOSECONDS);
      return false;
    }
    return !isStopped() && attempt();
  }

  /**
   * No attempt follows, and a {@link #ready} waiting on another thread returns. Connect 3.6 to 4.1
   * call the task's stop on the task thread once poll has returned, which is why {@link #ready}
   * waits at most {@code maxWaitMs}.
   */
  public void stop() {
    stopped.countDown();
  }

  private boolean isStopped() {
    return stopped.getCount() == 0;
  }
}
