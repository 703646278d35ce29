package io.connectmqtt.source;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.Versions;
import io.connectmqtt.common.connect.MqttConnectAtStart;
import io.connectmqtt.source.presence.Presence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Hands MQTT messages over to Kafka. The task's MQTT connections ({@link SourceConnections}: one,
 * or several members of one shared subscription group) put each message into the task's {@link
 * MqttIntake} on their client's thread, which {@link #poll()} drains into records; the message is
 * acknowledged on MQTT only in {@link #commitRecord} once Kafka has acknowledged the record.
 * Unacknowledged messages stay in the broker's persistent session and are redelivered after a
 * crash: at least once, end to end. The intake holds at most {@code queue.capacity} unacknowledged
 * messages, so memory and the duplicates after a crash stay bounded on every broker.
 */
public class MqttSourceTask extends SourceTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSourceTask.class);
  static final String METRICS_GROUP = "mqtt-source-task-metrics";
  private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final MqttConnectionFactory connectionFactory;
  private MqttSourceConfig config;
  private String connectorName;
  private int taskIndex;
  private MqttIntake intake;
  private SourceConnections connections;
  private TopicMapper topicMapper;
  private PayloadConverter payloadConverter;

  /** For record.value.format=sparkplug, else null. */
  private SparkplugConverter sparkplug;

  /** The device presence stream; null when presence.topic is empty. */
  private Presence presence;

  private List<String> subscriptionFilters;
  private int qos;
  private int batchSize;
  private int pollTimeoutMs;

  /** The metadata headers to write; null: none. */
  private MetadataHeaders metadataHeaders;

  private boolean toleratesErrors;
  private String deadLetterTopic;

  private TaskMetrics metrics;
  private Sensor received;
  private Sensor written;
  private Sensor acknowledged;
  private Sensor errors;
  private Sensor deadLettered;
  private Sensor latency;
  private long nextSummaryNanos;

  public MqttSourceTask() {
    this(MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: a task whose MQTT connections {@code connectionFactory} makes. */
  MqttSourceTask(MqttConnectionFactory connectionFactory) {
    this.connectionFactory = connectionFactory;
  }

  @Override
  public String version() {
    return Versions.version(MqttSourceTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    config = new MqttSourceConfig(props);
    connectorName = TaskConfigs.connectorName(props, MqttSourceConfig.DEFAULT_NAME);
    taskIndex = TaskConfigs.index(props);
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");

    topicMapper = RecordMappingConfig.topicMapper(config);
    payloadConverter =
        new PayloadConverter(
            config.valueFormat(),
            config.getBoolean(RecordMappingConfig.VALUE_SCHEMAS_ENABLE_CONFIG),
            config.jsonSchemaText());
    qos = QosConfig.qos(config);
    batchSize = IntakeConfig.batchSize(config);
    pollTimeoutMs = IntakeConfig.pollTimeoutMs(config);
    metadataHeaders = RecordMappingConfig.metadataHeaders(config);
    toleratesErrors = config.toleratesErrors();
    deadLetterTopic = ErrorToleranceConfig.deadLetterTopic(config);
    intake = new MqttIntake(IntakeConfig.queueCapacity(config));
    presence =
        Presence.start(
            config.presence(),
            context == null ? null : context.offsetStorageReader(),
            System::currentTimeMillis);

    List<String> assigned = MqttSourceConfig.assignedFilters(props);
    subscriptionFilters =
        assigned != null
            ? assigned
            : MqttSourceConnector.assignFilters(config, connectorName, 1).get(0);

    metrics = new TaskMetrics(METRICS_GROUP, connectorName, taskIndex);
    received = metrics.counter("messages-received", "MQTT messages received");
    written = metrics.counter("records-written", "records handed to Kafka Connect");
    acknowledged =
        metrics.counter("messages-acknowledged", "MQTT messages acknowledged after Kafka had them");
    errors = metrics.counter("errors", "messages whose payload could not be converted");
    deadLettered = metrics.counter("dead-lettered", "messages written to the dead letter topic");
    latency =
        metrics.latency(
            "receive-to-kafka-latency", "time from MQTT receipt to Kafka acknowledgement");
    if (config.valueFormat() == PayloadConverter.Format.SPARKPLUG) {
      sparkplug = sparkplugConverter();
    }
    metrics.gauge(
        "queue-depth", "Messages waiting between the MQTT client and poll()", intake::queued);

    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    int receiveMaximum = config.getInt(SubscriptionConfig.RECEIVE_MAXIMUM_CONFIG);
    connections =
        new SourceConnections(
            connectionFactory,
            settings,
            receiveMaximum,
            intake,
            subscriptionFilters,
            config.sharedGroup(connectorName),
            qos,
            config.connections());
    metrics.gauge("connections", "MQTT connections of this task", () -> connections.count());
    metrics.gauge(
        "idle-member-wake-ups",
        "Times a connection the broker left idle while others were busy was made "
            + "to subscribe again (HiveMQ CE's shared queue)",
        () -> connections.wakeUps());
    metrics.gauge(
        "reconnects",
        "Times an MQTT connection was lost and re-established",
        () -> connections.sum(MqttConnection::reconnects));
    metrics.gauge(
        "receive-maximum",
        "The MQTT 5 Receive Maximum the task's first connection asks the broker for now",
        () -> connections.first().receiveMaximum());
    metrics.gauge(
        "receive-maximum-violations",
        "Connections closed because the broker sent more unacknowledged "
            + "messages than the Receive Maximum allows",
        () -> connections.sum(MqttConnection::receiveMaximumViolations));
    metrics.gauge(
        "unacknowledged",
        "Messages received and not yet acknowledged (queued or on their way to Kafka)",
        intake::unacknowledged);

    log.info(
        "Starting MQTT source task {} of {} as client '{}' on {}, filters {}",
        taskIndex,
        connectorName,
        clientId,
        settings.serverUris(),
        subscriptionFilters);
    MqttConnectAtStart.await(
            connections.connect(), settings, connections::fatalError, this::stopQuietly)
        .ifPresent(
            sessionPresent ->
                log.info(
                    "MQTT client '{}' connected ({}); {}",
                    clientId,
                    connections.first().version(),
                    sessionPresent
                        ? "the broker resumed its session (unacknowledged messages are redelivered)"
                        : "new session"));
    nextSummaryNanos = System.nanoTime() + SUMMARY_INTERVAL_NANOS;
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    connections
        .fatalError()
        .ifPresent(
            error -> {
              throw new ConnectException(
                  "MQTT broker refused the connection for good: " + error, error);
            });
    Throwable refused = connections.subscribeFailure();
    if (refused != null) {
      throw new ConnectException(
          "MQTT subscription failed: "
              + refused.getMessage()
              + ". Check the broker's permissions for "
              + connections.filters(),
          refused);
    }
    connections.wakeIdleMembers();
    InboundMessage first = intake.poll(pollTimeoutMs);
    flushCounts();
    logSummaryIfDue();
    List<InboundMessage> messages = new ArrayList<>(Math.min(batchSize, intake.queued() + 1));
    if (first != null) {
      messages.add(first);
      intake.drainTo(messages, batchSize - 1);
    }
    // Polled even without messages: the silence rule needs a clock tick.
    Presence.Batch presenceRecords = presence == null ? null : presence.process(messages);
    if (messages.isEmpty() && (presenceRecords == null || presenceRecords.silence().isEmpty())) {
      return null;
    }
    List<SourceRecord> records = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      SourceRecord record = toRecord(messages.get(i));
      if (presenceRecords != null) {
        // The message is acknowledged only once Kafka has its presence records too.
        presenceRecords
            .of(i)
            .forEach(
                r -> records.add(record instanceof MessageRecord data ? data.alongside(r) : r));
      }
      if (record != null) {
        records.add(record);
      }
    }
    if (presenceRecords != null) {
      records.addAll(presenceRecords.silence());
    }
    written.record(records.size());
    return records;
  }

  private SourceRecord toRecord(InboundMessage message) {
    String kafkaTopic = topicMapper.kafkaTopic(message.topic());
    ConnectHeaders headers =
        metadataHeaders != null ? metadataHeaders.of(message) : new ConnectHeaders();
    if (sparkplug != null) {
      SparkplugConverter.Converted converted;
      try {
        converted = sparkplug.convert(message);
      } catch (PayloadConverter.PayloadException e) {
        return badPayload(message, kafkaTopic, e);
      }
      converted.headers().forEach(headers::add);
      return new MessageRecord(
          message,
          converted.partition(),
          converted.offset(),
          kafkaTopic,
          keySchema(),
          key(message.topic()),
          converted.value().schema(),
          converted.value().value(),
          headers);
    }
    SchemaAndValue value;
    try {
      value = payloadConverter.convert(message.payload());
    } catch (PayloadConverter.PayloadException e) {
      return badPayload(message, kafkaTopic, e);
    }
    return new MessageRecord(
        message,
        kafkaTopic,
        keySchema(),
        key(message.topic()),
        value.schema(),
        value.value(),
        headers);
  }

  /**
   * The Sparkplug converter: BIRTH certificates kept in Connect's source offsets, rebirth requests
   * published on the task's first MQTT connection, counts into the task's metrics.
   */
  private SparkplugConverter sparkplugConverter() {
    Sensor missed =
        metrics.counter("sparkplug-seq-missed", "Sparkplug messages missed, by gaps in seq");
    Sensor unresolved =
        metrics.counter(
            "sparkplug-unresolved-aliases",
            "Sparkplug metrics written without a name: aliases no kept BIRTH declares");
    Sensor rebirths =
        metrics.counter(
            "sparkplug-rebirth-requests", "Sparkplug rebirth requests (NCMD) published");
    SparkplugConverter.Counts counts =
        new SparkplugConverter.Counts() {
          @Override
          public void seqMissed(int messages) {
            missed.record(messages);
          }

          @Override
          public void unresolved(int count) {
            unresolved.record(count);
          }

          @Override
          public void rebirthRequested() {
            rebirths.record();
          }
        };
    return new SparkplugConverter(
        partition -> context == null ? null : context.offsetStorageReader().offset(partition),
        config.getBoolean(RecordMappingConfig.SPARKPLUG_REBIRTH_CONFIG),
        request ->
            connections
                .first()
                .publish(request)
                .exceptionally(
                    error -> {
                      log.warn(
                          "Sparkplug rebirth request on {} failed: {}",
                          request.topic(),
                          error.toString());
                      return null;
                    }),
        counts);
  }

  private SourceRecord badPayload(
      InboundMessage message, String kafkaTopic, PayloadConverter.PayloadException e) {
    errors.record();
    String reason =
        "MQTT message on '"
            + message.topic()
            + "' (for Kafka topic '"
            + kafkaTopic
            + "'): "
            + e.getMessage();
    if (!toleratesErrors) {
      throw new ConnectException(
          reason
              + ". Set errors.tolerance=all (and "
              + ErrorToleranceConfig.DLQ_TOPIC_CONFIG
              + ") to route such messages to a dead letter topic instead of failing.",
          e);
    }
    if (deadLetterTopic == null || deadLetterTopic.isBlank()) {
      log.warn("Skipping {}", reason);
      intake.acknowledge(message);
      return null;
    }
    log.debug("Dead-lettering {}", reason);
    deadLettered.record();
    ConnectHeaders headers = headers(message);
    headers.addString("__connect.errors.topic", kafkaTopic);
    headers.addString("__connect.errors.exception.class.name", e.getClass().getName());
    headers.addString("__connect.errors.exception.message", e.getMessage());
    headers.addString("__connect.errors.connector.name", connectorName);
    headers.addInt("__connect.errors.task.id", taskIndex);
    headers.addString("__connect.errors.stage", "MQTT_PAYLOAD_CONVERSION");
    return new MessageRecord(
        message,
        deadLetterTopic,
        keySchema(),
        key(message.topic()),
        Schema.OPTIONAL_BYTES_SCHEMA,
        message.payload(),
        headers);
  }

  private Schema keySchema() {
    return RecordMappingConfig.KEY_NONE.equals(config.keyMode())
        ? null
        : Schema.OPTIONAL_STRING_SCHEMA;
  }

  private String key(String topic) {
    return switch (config.keyMode()) {
      case RecordMappingConfig.KEY_NONE -> null;
      case RecordMappingConfig.KEY_LEVEL -> {
        String[] levels = topic.split("/", -1);
        int level = config.getInt(RecordMappingConfig.RECORD_KEY_LEVEL_CONFIG);
        yield level <= levels.length ? levels[level - 1] : null;
      }
      default -> topic;
    };
  }

  /** Every metadata header of a message. */
  static ConnectHeaders headers(InboundMessage message) {
    return MetadataHeaders.ALL.of(message);
  }

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    if (record instanceof MessageRecord messageRecord && messageRecord.lastWritten()) {
      intake.acknowledge(messageRecord.message);
      latency.record((System.nanoTime() - messageRecord.message.receivedNanos()) / 1_000_000.0);
    }
  }

  private void flushCounts() {
    long receivedCount = intake.receivedSinceLastCall();
    if (receivedCount > 0) {
      received.record(receivedCount);
    }
    long acknowledgedCount = intake.acknowledgedSinceLastCall();
    if (acknowledgedCount > 0) {
      acknowledged.record(acknowledgedCount);
    }
  }

  private void logSummaryIfDue() {
    long now = System.nanoTime();
    if (now >= nextSummaryNanos) {
      nextSummaryNanos = now + SUMMARY_INTERVAL_NANOS;
      log.info(
          "MQTT source task {} ({} connection(s)): received {}, written {}, acknowledged {}, errors {}, "
              + "queue {}, p99 {} ms",
          taskIndex,
          connections.count(),
          (long) metrics.value("messages-received-total"),
          (long) metrics.value("records-written-total"),
          (long) metrics.value("messages-acknowledged-total"),
          (long) metrics.value("errors-total"),
          intake.queued(),
          metrics.value("receive-to-kafka-latency-p99"));
    }
  }

  @Override
  public void stop() {
    if (intake != null) {
      intake.stop();
    }
    log.info("Stopping MQTT source task {} of {}", taskIndex, connectorName);
    stopQuietly();
  }

  private void stopQuietly() {
    // Messages still queued or in flight are not acknowledged: the broker redelivers them to the
    // next session.
    if (connections != null) {
      connections.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  /**
   * A record that remembers its MQTT message, so that {@link #commitRecord} can acknowledge it once
   * Kafka has every record the message caused.
   */
  static final class MessageRecord extends SourceRecord {
    final InboundMessage message;

    /** Records of this message not yet in Kafka (shared by them all). */
    private final AtomicInteger unwritten;

    MessageRecord(
        InboundMessage message,
        String topic,
        Schema keySchema,
        Object key,
        Schema valueSchema,
        Object value,
        ConnectHeaders headers) {
      this(message, null, null, topic, keySchema, key, valueSchema, value, headers);
    }

    /**
     * With a source partition and offset: Sparkplug BIRTH and DEATH records keep the node's aliases
     * in them.
     */
    MessageRecord(
        InboundMessage message,
        Map<String, ?> partition,
        Map<String, ?> offset,
        String topic,
        Schema keySchema,
        Object key,
        Schema valueSchema,
        Object value,
        ConnectHeaders headers) {
      super(partition, offset, topic, null, keySchema, key, valueSchema, value, null, headers);
      this.message = message;
      this.unwritten = new AtomicInteger(1);
    }

    private MessageRecord(MessageRecord of, SourceRecord other) {
      super(
          other.sourcePartition(),
          other.sourceOffset(),
          other.topic(),
          other.kafkaPartition(),
          other.keySchema(),
          other.key(),
          other.valueSchema(),
          other.value(),
          other.timestamp(),
          other.headers());
      this.message = of.message;
      this.unwritten = of.unwritten;
    }

    /** {@code other} as a record of this record's message: the message waits for both. */
    MessageRecord alongside(SourceRecord other) {
      unwritten.incrementAndGet();
      return new MessageRecord(this, other);
    }

    /**
     * Counts this record as in Kafka; true when it was the message's last one, so the message may
     * be acknowledged.
     */
    boolean lastWritten() {
      return unwritten.decrementAndGet() == 0;
    }
  }
}
