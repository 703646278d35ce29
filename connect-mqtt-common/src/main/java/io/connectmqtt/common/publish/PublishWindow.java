package io.connectmqtt.common.publish;

import io.connectmqtt.common.TaskMetrics;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * The bounded window of publishes awaiting the broker's acknowledgement ({@code
 * mqtt.max.in.flight}), and what {@code put()} does when it stays full: it waits up to {@code
 * mqtt.publish.timeout.ms}, then fails the batch with a {@link RetriableException} (Connect
 * redelivers it after {@code mqtt.retry.backoff.ms}), and after {@code mqtt.retries.max} such
 * failures in a row without progress with a {@link ConnectException} that fails the task.
 */
final class PublishWindow {

  /** How often a wait for room gives the caller a turn (to resend a publish the broker dropped). */
  private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final int size;
  private final Semaphore room;
  private final long publishTimeoutMs;
  private final int maxRetries;
  private final long retryBackoffMs;
  private final SinkTaskContext context;
  private final Sensor retries;
  private int retriesInARow;

  PublishWindow(DeliveryConfig delivery, SinkTaskContext context, TaskMetrics metrics) {
    this.size = delivery.maxInFlight();
    this.room = new Semaphore(size);
    this.publishTimeoutMs = delivery.publishTimeoutMs();
    this.maxRetries = delivery.maxRetries();
    this.retryBackoffMs = delivery.retryBackoffMs();
    this.context = context;
    this.retries = metrics.counter("retries", "retriable failures (broker unavailable)");
  }

  /**
   * Room for one more publish, waited for up to the publish timeout, running {@code whileWaiting}
   * every half second; false when the time is up.
   */
  boolean acquire(Runnable whileWaiting) {
    try {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(publishTimeoutMs);
      for (long left = deadline - System.nanoTime();
          left > 0;
          left = deadline - System.nanoTime()) {
        if (room.tryAcquire(Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS)) {
          return true;
        }
        whileWaiting.run();
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while waiting for the MQTT broker", e);
    }
  }

  /** The broker answered a publish; any thread. */
  void release() {
    room.release();
  }

  /** A batch went through: the retries in a row start again from none. */
  void batchAccepted() {
    retriesInARow = 0;
  }

  /**
   * What {@code put()} throws when {@link #acquire} timed out: a retriable failure with the
   * backoff, or after too many in a row without {@code progress} a failure of the task; {@code
   * connected} says which of the two ways the broker is away.
   */
  RuntimeException stayedFull(boolean progress, boolean connected) {
    retries.record();
    retriesInARow = progress ? 1 : retriesInARow + 1;
    String state = connected ? "connected but not acknowledging" : "not connected";
    if (retriesInARow > maxRetries) {
      return new ConnectException(
          "The MQTT broker ("
              + state
              + ") acknowledged none of "
              + size
              + " messages in flight for "
              + (retriesInARow * (publishTimeoutMs + retryBackoffMs) / 1000)
              + " s; giving up after "
              + maxRetries
              + " retries ("
              + DeliveryConfig.RETRIES_CONFIG
              + "). Check that "
              + "the broker runs and accepts this client's publishes.");
    }
    context.timeout(retryBackoffMs);
    return new RetriableException(
        "MQTT broker "
            + state
            + ": "
            + size
            + " messages await acknowledgement; "
            + "retry "
            + retriesInARow
            + " of "
            + maxRetries);
  }

  /** Waits up to {@code timeoutMs} until nothing awaits an acknowledgement. */
  void awaitEmpty(long timeoutMs) {
    try {
      if (room.tryAcquire(size, timeoutMs, TimeUnit.MILLISECONDS)) {
        room.release(size);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
