package io.connectmqtt.source;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.InboundMessage;
import java.util.function.Consumer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an MQTT message into its Kafka record: the Kafka topic ({@link TopicMapper}), the key
 * ({@code record.key}), the metadata headers, and the value ({@link PayloadConverter}, or {@link
 * SparkplugConverter} for {@code record.value.format=sparkplug}). A payload that cannot be
 * converted fails the task, or with {@code errors.tolerance=all} is skipped (acknowledged at once)
 * or written to the dead letter topic. Runs on the poll thread only.
 */
final class RecordBuilder {

  // The task's logger: skipped and dead-lettered messages are the task's to report.
  private static final Logger log = LoggerFactory.getLogger(MqttSourceTask.class);
  static final String DLQ_STAGE = "MQTT_PAYLOAD_CONVERSION";

  private final TopicMapper topicMapper;
  private final PayloadConverter payloadConverter;

  /** For record.value.format=sparkplug, else null. */
  private final SparkplugConverter sparkplug;

  /** The metadata headers to write; null: none. */
  private final MetadataHeaders metadataHeaders;

  private final String keyMode;
  private final int keyLevel;
  private final boolean toleratesErrors;
  private final String deadLetterTopic;
  private final String connectorName;
  private final int taskIndex;
  private final SourceTaskMetrics metrics;
  private final Consumer<InboundMessage> skipped;

  /**
   * {@code sparkplug} converts values where {@code record.value.format=sparkplug} (else null, and
   * {@code payloadConverter} does); {@code skipped} acknowledges a message that is skipped without
   * a record.
   */
  RecordBuilder(
      MqttSourceConfig config,
      String connectorName,
      int taskIndex,
      PayloadConverter payloadConverter,
      SparkplugConverter sparkplug,
      SourceTaskMetrics metrics,
      Consumer<InboundMessage> skipped) {
    this.topicMapper = RecordMappingConfig.topicMapper(config);
    this.payloadConverter = payloadConverter;
    this.sparkplug = sparkplug;
    this.metadataHeaders = RecordMappingConfig.metadataHeaders(config);
    this.keyMode = config.keyMode();
    this.keyLevel = config.getInt(RecordMappingConfig.RECORD_KEY_LEVEL_CONFIG);
    this.toleratesErrors = config.toleratesErrors();
    this.deadLetterTopic = ErrorToleranceConfig.deadLetterTopic(config);
    this.connectorName = connectorName;
    this.taskIndex = taskIndex;
    this.metrics = metrics;
    this.skipped = skipped;
  }

  /** The record of {@code message}; null when it is skipped (bad payload, no dead letter topic). */
  MessageRecord record(InboundMessage message) {
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
          key(message.topic()),
          converted.value(),
          headers);
    }
    SchemaAndValue value;
    try {
      value = payloadConverter.convert(message.payload());
    } catch (PayloadConverter.PayloadException e) {
      return badPayload(message, kafkaTopic, e);
    }
    return new MessageRecord(message, null, null, kafkaTopic, key(message.topic()), value, headers);
  }

  private MessageRecord badPayload(
      InboundMessage message, String kafkaTopic, PayloadConverter.PayloadException e) {
    metrics.badPayload();
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
      skipped.accept(message);
      return null;
    }
    log.debug("Dead-lettering {}", reason);
    metrics.deadLettered();
    ConnectHeaders headers = headers(message);
    headers.addString("__connect.errors.topic", kafkaTopic);
    headers.addString("__connect.errors.exception.class.name", e.getClass().getName());
    headers.addString("__connect.errors.exception.message", e.getMessage());
    headers.addString("__connect.errors.connector.name", connectorName);
    headers.addInt("__connect.errors.task.id", taskIndex);
    headers.addString("__connect.errors.stage", DLQ_STAGE);
    return new MessageRecord(
        message,
        null,
        null,
        deadLetterTopic,
        key(message.topic()),
        new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, message.payload()),
        headers);
  }

  /** The key of a message on {@code topic}, as {@code record.key} says; no schema for none. */
  private SchemaAndValue key(String topic) {
    return switch (keyMode) {
      case RecordMappingConfig.KEY_NONE -> new SchemaAndValue(null, null);
      case RecordMappingConfig.KEY_LEVEL -> {
        String[] levels = topic.split("/", -1);
        yield new SchemaAndValue(
            Schema.OPTIONAL_STRING_SCHEMA, keyLevel <= levels.length ? levels[keyLevel - 1] : null);
      }
      default -> new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, topic);
    };
  }

  /** Every metadata header of a message: what a dead-lettered record carries. */
  static ConnectHeaders headers(InboundMessage message) {
    return MetadataHeaders.ALL.of(message);
  }
}
