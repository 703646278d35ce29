package io.connectmqtt.common.publish;

import io.connectmqtt.common.TaskMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.metrics.Sensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resend after {@code mqtt.publish.ack.timeout.ms}: remembers when each publish awaiting its
 * acknowledgement was sent and, when the oldest has waited longer than the timeout while connected,
 * resumes the session so that the client sends the unacknowledged publishes again. A broker that
 * silently dropped a PUBLISH never acknowledges it on this connection, and what waits for it waits
 * for good: every later offset of a sink's partition, or an entity-sync request (unacknowledged
 * until its reply is, and HiveMQ CE sends no new request before it is). At most one reconnect per
 * timeout; nothing is settled but by an acknowledgement.
 */
public final class AckTimeoutResend {

  private static final Logger log = LoggerFactory.getLogger(AckTimeoutResend.class);

  private final PublishConnection connection;
  private final long ackTimeoutNanos;
  private final Sensor ackTimeoutReconnects;

  /**
   * Start time of each publish awaiting its acknowledgement, by publish sequence number: the first
   * is the oldest.
   */
  private final ConcurrentSkipListMap<Long, Long> unacknowledgedSince =
      new ConcurrentSkipListMap<>();

  /** Entity sync publishes replies from several worker threads at once. */
  private final AtomicLong publishSequence = new AtomicLong();

  private long lastResendNanos;

  public AckTimeoutResend(PublishConnection connection, long ackTimeoutNanos, TaskMetrics metrics) {
    this.connection = connection;
    this.ackTimeoutNanos = ackTimeoutNanos;
    this.lastResendNanos = System.nanoTime() - ackTimeoutNanos;
    ackTimeoutReconnects =
        metrics.counter(
            "ack-timeout-reconnects",
            "reconnects because a publish went "
                + "unacknowledged for "
                + DeliveryConfig.ACK_TIMEOUT_CONFIG);
  }

  /** A publish was sent at {@code startNanos}; its number, for {@link #settled}; any thread. */
  public long sent(long startNanos) {
    long sequence = publishSequence.getAndIncrement();
    unacknowledgedSince.put(sequence, startNanos);
    return sequence;
  }

  /** The broker answered the publish numbered {@code sequence}; any thread. */
  public void settled(long sequence) {
    unacknowledgedSince.remove(sequence);
  }

  /**
   * Resumes the session when the oldest publish has waited longer than the timeout; one thread
   * only.
   */
  public void resendIfDue() {
    Map.Entry<Long, Long> oldest = unacknowledgedSince.firstEntry();
    long now = System.nanoTime();
    if (oldest == null
        || now - oldest.getValue() < ackTimeoutNanos
        || now - lastResendNanos < ackTimeoutNanos
        || !connection.isConnected()) {
      return;
    }
    lastResendNanos = now;
    ackTimeoutReconnects.record();
    log.warn(
        "The MQTT broker {} has not acknowledged a publish for {} s ({} publishes await acknowledgement) although "
            + "connected: reconnecting, so that the client sends the unacknowledged publishes again in the resumed "
            + "session. A broker that drops publishes silently does this (e.g. Moquette 0.17 with a full session command "
            + "queue, see docs/troubleshooting.md); raise {} if it is only slow.",
        connection.broker(),
        TimeUnit.NANOSECONDS.toSeconds(now - oldest.getValue()),
        unacknowledgedSince.size(),
        DeliveryConfig.ACK_TIMEOUT_CONFIG);
    connection.resendUnacknowledged();
  }
}
