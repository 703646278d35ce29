package io.connectmqtt.sink;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttSession;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.Versions;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Publishes records asynchronously within a bounded window of unacknowledged messages, in order per partition (one
 * connection), and reports in {@link #preCommit} only offsets whose messages the broker acknowledged.
 */
public class MqttSinkTask extends SinkTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSinkTask.class);
  static final String METRICS_GROUP = "mqtt-sink-task-metrics";

  /** The task's MQTT QoS for messages it builds itself. */
  protected int defaultQos() {
    return config.getInt(MqttSinkConfig.QOS_CONFIG);
  }

  private MqttSinkConfig config;
  private String connectorName;
  private int taskIndex;
  private MqttSession session;
  private MessageBuilder builder;
  private Semaphore window;
  private int windowSize;
  private long publishTimeoutMs;
  private int maxRetries;
  private long retryBackoffMs;
  private int retriesInARow;
  private long commitIntervalNanos;
  private long nextCommitRequestNanos;
  private long progressAtLastCommitRequest;
  private ErrantRecordReporter reporter;
  private final OffsetTracker tracker = new OffsetTracker();
  private final AtomicReference<Throwable> asyncFailure = new AtomicReference<>();

  private TaskMetrics metrics;
  private Sensor recordsIn;
  private Sensor published;
  private Sensor acknowledged;
  private Sensor retries;
  private Sensor errors;
  private Sensor refused;
  private Sensor latency;

  @Override
  public String version() {
    return Versions.version(MqttSinkTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    config = new MqttSinkConfig(props);
    connectorName = props.getOrDefault(MqttSinkConfig.CONNECTOR_NAME_CONFIG, "mqtt-sink");
    taskIndex = Integer.parseInt(props.getOrDefault(MqttSinkConfig.TASK_INDEX_CONFIG, "0"));
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
    builder = new MessageBuilder(config);
    windowSize = config.getInt(MqttSinkConfig.MAX_IN_FLIGHT_CONFIG);
    window = new Semaphore(windowSize);
    publishTimeoutMs = config.getLong(MqttSinkConfig.PUBLISH_TIMEOUT_CONFIG);
    maxRetries = config.getInt(MqttSinkConfig.RETRIES_CONFIG);
    retryBackoffMs = config.getLong(MqttSinkConfig.RETRY_BACKOFF_CONFIG);
    commitIntervalNanos = TimeUnit.MILLISECONDS.toNanos(config.getLong(MqttSinkConfig.COMMIT_INTERVAL_CONFIG));
    nextCommitRequestNanos = System.nanoTime() + commitIntervalNanos;
    try {
      reporter = context.errantRecordReporter();
    } catch (NoSuchMethodError | NoClassDefFoundError e) {
      reporter = null;
    }

    metrics = new TaskMetrics(METRICS_GROUP, connectorName, taskIndex);
    recordsIn = metrics.counter("records-in", "records received from Kafka");
    published = metrics.counter("messages-published", "messages handed to the MQTT client");
    acknowledged = metrics.counter("messages-acknowledged", "messages the broker acknowledged");
    retries = metrics.counter("retries", "retriable failures (broker unavailable)");
    errors = metrics.counter("errors", "bad records (reported, skipped or failing the task)");
    refused = metrics.counter("messages-refused", "messages the broker refused with an MQTT 5 reason code");
    latency = metrics.latency("publish-latency", "time from publish to the broker's acknowledgement");
    metrics.gauge("in-flight", "Messages awaiting the broker's acknowledgement", tracker::inFlight);

    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    session = MqttSession.create(settings, 10);
    metrics.gauge("reconnects", "Times the MQTT connection was lost and re-established", session::reconnects);
    log.info("Starting MQTT sink task {} of {} as client '{}' on {}, topic template '{}'", taskIndex, connectorName,
        clientId, settings.serverUris(), config.getString(MqttSinkConfig.TOPIC_CONFIG));
    try {
      session.connect().get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while connecting to MQTT", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (MqttSession.isPermanent(cause)) {
        session.close();
        throw new ConnectException("MQTT broker refused the connection for client '" + clientId + "': " + cause
            + ". Check " + MqttConnectionConfig.USERNAME_CONFIG + ", " + MqttConnectionConfig.PASSWORD_CONFIG
            + " and the TLS settings.", cause);
      }
      log.warn("MQTT broker not reachable yet ({}); publishes wait for the reconnect", cause.toString());
    }
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    throwIfFailed();
    boolean progress = false;
    for (SinkRecord record : records) {
      TopicPartition partition = new TopicPartition(record.topic(), record.kafkaPartition());
      if (tracker.alreadyAccepted(partition, record.kafkaOffset())) {
        continue;
      }
      recordsIn.record();
      List<OutboundMessage> messages;
      try {
        messages = messagesFor(record);
      } catch (MessageBuilder.BadRecordException e) {
        badRecord(record, partition, e);
        progress = true;
        continue;
      }
      tracker.accept(partition, record.kafkaOffset());
      if (messages.isEmpty()) {
        tracker.done(partition, record.kafkaOffset());
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
    retriesInARow = 0;
    requestCommitIfDue();
  }

  /**
   * Connect commits sink offsets every offset.flush.interval.ms (60 s by default) and a crash repeats everything
   * since; asking for a commit once the broker acknowledged more keeps that to about one commit interval.
   */
  private void requestCommitIfDue() {
    if (commitIntervalNanos == 0) {
      return;
    }
    long now = System.nanoTime();
    if (now - nextCommitRequestNanos < 0) {
      return;
    }
    long progress = tracker.progress();
    if (progress != progressAtLastCommitRequest) {
      progressAtLastCommitRequest = progress;
      nextCommitRequestNanos = now + commitIntervalNanos;
      context.requestCommit();
    }
  }

  /** The MQTT messages for one record: none (skipped), one (this connector), or several (notifications). */
  protected List<OutboundMessage> messagesFor(SinkRecord record) throws MessageBuilder.BadRecordException {
    OutboundMessage message = builder.build(record, session.maximumPacketSize());
    return message == null ? List.of() : List.of(message);
  }

  protected MqttSinkConfig config() {
    return config;
  }

  /**
   * Whether a record that cannot become messages, or a message the broker refuses, is skipped with a WARN when
   * {@code errors.tolerance} is not {@code all}, instead of failing the task. The MQTT sink fails: its records are
   * the user's own data, and a silent gap would go unnoticed. The notify sink skips: clients write its input, and
   * one client must not stop notifications for everyone.
   */
  protected boolean skipsBadRecords() {
    return false;
  }

  /** This task's metrics, for subclasses that add their own. */
  protected TaskMetrics metrics() {
    return metrics;
  }

  /** The largest PUBLISH packet the broker accepts (its MQTT 5 Maximum Packet Size, else the protocol's limit). */
  protected int maximumPacketSize() {
    return session.maximumPacketSize();
  }

  /**
   * Connect's errant record reporter when bad records are to be reported (a reporter and
   * {@code errors.tolerance=all}: without tolerance Connect's reporter fails the task); null otherwise.
   */
  protected ErrantRecordReporter errantRecordReporter() {
    return reporter != null && toleratesErrors() ? reporter : null;
  }

  private void acquireWindow(SinkRecord record, boolean progress) {
    try {
      if (window.tryAcquire(publishTimeoutMs, TimeUnit.MILLISECONDS)) {
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while waiting for the MQTT broker", e);
    }
    retries.record();
    // Not accepted after all: Connect redelivers it (and the rest of the batch) after the backoff.
    TopicPartition partition = new TopicPartition(record.topic(), record.kafkaPartition());
    tracker.forgetAcceptanceOf(partition, record.kafkaOffset());
    retriesInARow = progress ? 1 : retriesInARow + 1;
    String state = session.isConnected() ? "connected but not acknowledging" : "not connected";
    if (retriesInARow > maxRetries) {
      throw new ConnectException("The MQTT broker (" + state + ") acknowledged none of " + windowSize
          + " messages in flight for " + (retriesInARow * (publishTimeoutMs + retryBackoffMs) / 1000)
          + " s; giving up after " + maxRetries + " retries (" + MqttSinkConfig.RETRIES_CONFIG + "). Check that "
          + "the broker runs and accepts this client's publishes.");
    }
    context.timeout(retryBackoffMs);
    throw new RetriableException("MQTT broker " + state + ": " + windowSize + " messages await acknowledgement; "
        + "retry " + retriesInARow + " of " + maxRetries);
  }

  private void publish(SinkRecord record, TopicPartition partition, OutboundMessage message,
      AtomicInteger remaining) {
    long start = System.nanoTime();
    published.record();
    session.publish(message).whenComplete((ok, error) -> {
      window.release();
      if (error == null) {
        acknowledged.record();
        latency.record((System.nanoTime() - start) / 1_000_000.0);
        if (remaining.decrementAndGet() == 0) {
          tracker.done(partition, record.kafkaOffset());
        }
        return;
      }
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      if (cause instanceof MqttSession.MqttPublishRefusedException refusal) {
        refused.record();
        if (skipsBadRecords()) {
          // Sending it again cannot help: the record is done once its other messages are.
          log.warn("Skipping a message of {}: {}", describe(record), refusal.getMessage());
          if (remaining.decrementAndGet() == 0) {
            tracker.done(partition, record.kafkaOffset());
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
    if (skipsBadRecords()) {
      log.warn("Skipping {}: {}", describe(record), e.getMessage());
    }
    if (reporter != null && toleratesErrors()) {
      tracker.accept(partition, record.kafkaOffset());
      reportAsync(record, partition, e);
      return;
    }
    errors.record();
    if (skipsBadRecords()) {
      tracker.accept(partition, record.kafkaOffset());
      tracker.done(partition, record.kafkaOffset());
      return;
    }
    throw new ConnectException("Cannot publish " + describe(record) + ": " + e.getMessage()
        + ". Fix the record or the template, or set errors.tolerance=all with errors.deadletterqueue.topic.name "
        + "to route such records to a dead letter topic.", e);
  }

  private void reportAsync(SinkRecord record, TopicPartition partition, Exception e) {
    if (reporter == null || !toleratesErrors()) {
      asyncFailure.compareAndSet(null, new ConnectException("The broker refused " + describe(record) + ": "
          + e.getMessage(), e));
      return;
    }
    errors.record();
    // Connect waits for reported records to be written before it commits offsets (KIP-610).
    reporter.report(record, e);
    tracker.done(partition, record.kafkaOffset());
  }

  private boolean toleratesErrors() {
    Object tolerance = config.originals().get("errors.tolerance");
    return tolerance != null && "all".equalsIgnoreCase(tolerance.toString().trim());
  }

  private static String describe(SinkRecord record) {
    return "record " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
  }

  private void throwIfFailed() {
    Throwable failure = asyncFailure.get();
    if (failure != null) {
      throw failure instanceof ConnectException connect ? connect
          : new ConnectException("Publishing to MQTT failed: " + failure, failure);
    }
    session.fatalError().ifPresent(error -> {
      throw new ConnectException("MQTT broker refused the connection for good: " + error, error);
    });
  }

  /** Only offsets whose messages the broker acknowledged; nothing for partitions without such progress. */
  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    Map<TopicPartition, OffsetAndMetadata> committable = tracker.committable();
    committable.keySet().retainAll(currentOffsets.keySet());
    return committable;
  }

  @Override
  public void close(Collection<TopicPartition> partitions) {
    partitions.forEach(tracker::forget);
  }

  @Override
  public void stop() {
    log.info("Stopping MQTT sink task {} of {} ({} messages in flight)", taskIndex, connectorName,
        tracker == null ? 0 : tracker.inFlight());
    if (window != null) {
      try {
        // Give in-flight publishes a moment; unacknowledged ones are redelivered by Kafka anyway.
        if (window.tryAcquire(windowSize, 5, TimeUnit.SECONDS)) {
          window.release(windowSize);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (session != null) {
      session.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
