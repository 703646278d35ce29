package io.connectmqtt.common.publish;

import static io.connectmqtt.common.publish.SinkRecordPositions.describe;
import static io.connectmqtt.common.publish.SinkRecordPositions.offsetOf;
import static io.connectmqtt.common.publish.SinkRecordPositions.partitionOf;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery side of a sink task: publishes the messages made from records asynchronously within
 * a bounded window of unacknowledged publishes, in order per partition (one connection), and offers
 * for commit only offsets whose messages the broker acknowledged. A publish left unacknowledged
 * longer than {@code mqtt.publish.ack.timeout.ms} while connected is sent again by resuming the
 * session ({@link AckTimeoutResend}). When the window stays full the batch fails with a retriable
 * error, a bounded number of times in a row ({@link PublishWindow}); bad records and refused
 * publishes follow the {@link BadRecords} policy and Connect's {@code errors.tolerance}. Tasks
 * compose it: {@link #put} from {@code put()}, {@link #committable} from {@code preCommit()},
 * {@link #close} from {@code close()}.
 */
public final class AcknowledgedPublisher {

  private static final Logger log = LoggerFactory.getLogger(AcknowledgedPublisher.class);

  /** The MQTT messages made from one record: none (nothing to publish), one, or several. */
  @FunctionalInterface
  public interface Messages {
    List<OutboundMessage> of(SinkRecord record) throws BadRecordException;
  }

  /**
   * What happens, without {@code errors.tolerance=all}, to a record that cannot become messages or
   * a message the broker refuses: {@code FAIL} the task (the record is the user's own data, and a
   * silent gap would go unnoticed), or {@code SKIP} it with a WARN (clients wrote it, and one
   * client must not stop the task for everyone).
   */
  public enum BadRecords {
    FAIL,
    SKIP
  }

  private final PublishConnection connection;
  private final SinkTaskContext context;
  private final BadRecords badRecords;
  private final boolean toleratesErrors;
  private final ErrantRecordReporter reporter;
  private final PublishWindow window;
  private final long commitIntervalNanos;
  private final AckTimeoutResend ackTimeout;
  private final OffsetTracker tracker = new OffsetTracker();
  private final AtomicReference<Throwable> asyncFailure = new AtomicReference<>();
  private long nextCommitRequestNanos;
  private long progressAtLastCommitRequest;

  private final Sensor recordsIn;
  private final Sensor published;
  private final Sensor acknowledged;
  private final Sensor errors;
  private final Sensor refused;
  private final Sensor latency;

  public AcknowledgedPublisher(
      DeliveryConfig delivery,
      PublishConnection connection,
      SinkTaskContext context,
      TaskMetrics metrics,
      BadRecords badRecords) {
    this.connection = connection;
    this.context = context;
    this.badRecords = badRecords;
    this.toleratesErrors = delivery.toleratesErrors();
    this.reporter = reporterOf(context);
    this.window = new PublishWindow(delivery, context, metrics);
    this.commitIntervalNanos = delivery.commitIntervalNanos();
    this.ackTimeout = new AckTimeoutResend(connection, delivery.ackTimeoutNanos(), metrics);
    this.nextCommitRequestNanos = System.nanoTime() + commitIntervalNanos;
    recordsIn = metrics.counter("records-in", "records received from Kafka");
    published = metrics.counter("messages-published", "messages handed to the MQTT client");
    acknowledged = metrics.counter("messages-acknowledged", "messages the broker acknowledged");
    errors = metrics.counter("errors", "bad records (reported, skipped or failing the task)");
    refused =
        metrics.counter(
            "messages-refused", "messages the broker refused with an MQTT 5 reason code");
    latency =
        metrics.latency("publish-latency", "time from publish to the broker's acknowledgement");
    metrics.gauge("in-flight", "Messages awaiting the broker's acknowledgement", tracker::inFlight);
  }

  private static ErrantRecordReporter reporterOf(SinkTaskContext context) {
    try {
      return context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      // A worker older than Kafka 2.6.
      return null;
    }
  }

  /**
   * Publishes the messages of every record not accepted before (Connect redelivers a batch after a
   * retriable failure); throws what failed asynchronously since the last call.
   */
  public void put(Collection<SinkRecord> records, Messages messagesOf) {
    throwIfFailed();
    ackTimeout.resendIfDue();
    boolean progress = false;
    for (SinkRecord record : records) {
      TopicPartition partition = partitionOf(record);
      if (tracker.alreadyAccepted(partition, offsetOf(record))) {
        continue;
      }
      recordsIn.record();
      List<OutboundMessage> messages;
      try {
        messages = messagesOf.of(record);
      } catch (BadRecordException e) {
        badRecord(record, partition, e);
        progress = true;
        continue;
      }
      tracker.accept(partition, offsetOf(record));
      if (messages.isEmpty()) {
        tracker.done(partition, offsetOf(record));
        progress = true;
        continue;
      }
      // The record is done when the broker acknowledged every message made from it.
      AtomicInteger remaining = new AtomicInteger(messages.size());
      for (OutboundMessage message : messages) {
        acquireWindow(record, progress);
        progress = true;
        publish(record, partition, message, remaining);
      }
    }
    window.batchAccepted();
    requestCommitIfDue();
  }

  /**
   * Only offsets whose messages the broker acknowledged, and Connect's own offset where nothing
   * awaits an acknowledgement (it covers records a transform dropped, which never reach put()).
   */
  public Map<TopicPartition, OffsetAndMetadata> committable(
      Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    ackTimeout.resendIfDue();
    return tracker.committable(currentOffsets);
  }

  /** Forgets partitions the task no longer owns. */
  public void close(Collection<TopicPartition> partitions) {
    partitions.forEach(tracker::forget);
  }

  /** Messages awaiting the broker's acknowledgement. */
  public int inFlight() {
    return tracker.inFlight();
  }

  /**
   * Waits up to {@code timeoutMs} for the publishes in flight, on stop; unacknowledged ones are
   * redelivered by Kafka anyway.
   */
  public void awaitInFlight(long timeoutMs) {
    window.awaitEmpty(timeoutMs);
  }

  /**
   * Connect's errant record reporter when bad records are to be reported (a reporter and {@code
   * errors.tolerance=all}: without tolerance Connect's reporter fails the task); null otherwise.
   */
  public ErrantRecordReporter errantRecordReporter() {
    return reporter != null && toleratesErrors ? reporter : null;
  }

  /**
   * Connect commits sink offsets every offset.flush.interval.ms (60 s by default) and a crash
   * repeats everything since; asking for a commit once the broker acknowledged more keeps that to
   * about one commit interval.
   *
   * <p>Connect reads the request only between two polls of its consumer, and with no new records a
   * poll waits until the next periodic commit: acknowledgements that arrive after a burst's last
   * put() would wait that long. So while acknowledgements are awaited or not yet asked to be
   * committed, the task bounds the next poll with {@link SinkTaskContext#timeout} (WorkerSinkTask
   * uses it for one poll, then calls put() again, with no records if none came); with nothing
   * pending the poll waits as Connect likes.
   */
  private void requestCommitIfDue() {
    if (commitIntervalNanos == 0) {
      return;
    }
    long now = System.nanoTime();
    long progress = tracker.progress();
    if (now - nextCommitRequestNanos >= 0 && progress != progressAtLastCommitRequest) {
      progressAtLastCommitRequest = progress;
      nextCommitRequestNanos = now + commitIntervalNanos;
      context.requestCommit();
    }
    if (tracker.inFlight() > 0 || tracker.progress() != progressAtLastCommitRequest) {
      long untilDue = Math.max(nextCommitRequestNanos - now, commitIntervalNanos / 10);
      context.timeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(untilDue)));
    }
  }

  private void acquireWindow(SinkRecord record, boolean progress) {
    // In slices: a full window may be a publish the broker dropped, resent once the
    // acknowledgement timeout passed.
    if (window.acquire(ackTimeout::resendIfDue)) {
      return;
    }
    // Not accepted after all: Connect redelivers it (and the rest of the batch) after the backoff.
    tracker.forgetAcceptanceOf(partitionOf(record), offsetOf(record));
    throw window.stayedFull(progress, connection.isConnected());
  }

  private void publish(
      SinkRecord record,
      TopicPartition partition,
      OutboundMessage message,
      AtomicInteger remaining) {
    long start = System.nanoTime();
    long sequence = ackTimeout.sent(start);
    published.record();
    connection
        .publish(message)
        .whenComplete(
            (ok, error) -> {
              ackTimeout.settled(sequence);
              window.release();
              if (error == null) {
                acknowledged.record();
                latency.record((System.nanoTime() - start) / 1_000_000.0);
                if (remaining.decrementAndGet() == 0) {
                  tracker.done(partition, offsetOf(record));
                }
                return;
              }
              Throwable cause = ErrorClassifier.unwrapCompletion(error);
              if (cause instanceof MqttConnection.MqttPublishRefusedException refusal) {
                refused.record();
                if (badRecords == BadRecords.SKIP) {
                  // Sending it again cannot help: the record is done once its other messages are.
                  log.warn("Skipping a message of {}: {}", describe(record), refusal.getMessage());
                  if (remaining.decrementAndGet() == 0) {
                    tracker.done(partition, offsetOf(record));
                  }
                  return;
                }
                reportAsync(record, partition, refusal);
              } else {
                log.error("Publishing {} failed: {}", describe(record), cause.toString());
                asyncFailure.compareAndSet(null, cause);
              }
            });
  }

  private void badRecord(SinkRecord record, TopicPartition partition, Exception e) {
    boolean skips = badRecords == BadRecords.SKIP;
    if (skips) {
      log.warn("Skipping {}: {}", describe(record), e.getMessage());
    }
    if (reporter != null && toleratesErrors) {
      tracker.accept(partition, offsetOf(record));
      reportAsync(record, partition, e);
      return;
    }
    errors.record();
    if (skips) {
      tracker.accept(partition, offsetOf(record));
      tracker.done(partition, offsetOf(record));
      return;
    }
    throw new ConnectException(
        "Cannot publish "
            + describe(record)
            + ": "
            + e.getMessage()
            + ". Fix the record or the template, or set errors.tolerance=all with errors.deadletterqueue.topic.name "
            + "to route such records to a dead letter topic.",
        e);
  }

  private void reportAsync(SinkRecord record, TopicPartition partition, Exception e) {
    if (reporter == null || !toleratesErrors) {
      asyncFailure.compareAndSet(
          null,
          new ConnectException(
              "The broker refused " + describe(record) + ": " + e.getMessage(), e));
      return;
    }
    errors.record();
    // Connect waits for reported records to be written before it commits offsets (KIP-610).
    reporter.report(record, e);
    tracker.done(partition, offsetOf(record));
  }

  private void throwIfFailed() {
    Throwable failure = asyncFailure.get();
    if (failure != null) {
      throw failure instanceof ConnectException connect
          ? connect
          : new ConnectException("Publishing to MQTT failed: " + failure, failure);
    }
    connection
        .fatalError()
        .ifPresent(
            error -> {
              throw new ConnectException(
                  "MQTT broker refused the connection for good: " + error, error);
            });
  }
}
