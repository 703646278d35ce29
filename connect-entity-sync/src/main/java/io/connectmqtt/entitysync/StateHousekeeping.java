package io.connectmqtt.entitysync;

import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a task's state tables small, on a thread of its own: expires subscriptions every 10
 * seconds, and deletes processed-request records past their retention every 5 minutes. Failures are
 * logged and tried again at the next turn. Not on the poll thread: while the database is away, each
 * sweep waits for a connection, and the poll thread hands requests to the workers.
 */
final class StateHousekeeping implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StateHousekeeping.class);

  private final RequestProcessor processor;
  private final long retentionSeconds;
  private final ScheduledExecutorService purger;

  StateHousekeeping(RequestProcessor processor, long retentionSeconds, ThreadFactory threads) {
    this.processor = processor;
    this.retentionSeconds = retentionSeconds;
    this.purger = Executors.newSingleThreadScheduledExecutor(threads);
    purger.scheduleWithFixedDelay(this::expireSubscriptions, 10, 10, TimeUnit.SECONDS);
    purger.scheduleWithFixedDelay(this::purgeProcessedRequests, 1, 5, TimeUnit.MINUTES);
  }

  /** Removes subscriptions whose lifetime ended (their tombstones go through the outbox). */
  private void expireSubscriptions() {
    try {
      int expired = processor.expireSubscriptions(Instant.now()).size();
      if (expired > 0) {
        log.info("{} subscriptions expired", expired);
      }
    } catch (SQLException | RuntimeException e) {
      // A scheduled run that throws ends the schedule.
      log.warn("Could not remove expired subscriptions (will retry): {}", e.toString());
    }
  }

  /** Deletes expired processed-request records, off the task's threads, in small batches. */
  private void purgeProcessedRequests() {
    try {
      int purged = processor.purgeExpiredRequests(Instant.now());
      if (purged > 0) {
        log.info("Deleted {} processed-request records older than {} s", purged, retentionSeconds);
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not delete expired processed-request records (will retry): {}", e.toString());
    }
  }

  @Override
  public void close() {
    purger.shutdownNow();
  }
}
