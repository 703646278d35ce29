package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * A record that remembers its MQTT message, so that {@link MqttSourceTask#commitRecord} can
 * acknowledge it once Kafka has every record the message caused.
 */
final class MessageRecord extends SourceRecord {
  final InboundMessage message;

  /** Records of this message not yet in Kafka (shared by them all). */
  private final AtomicInteger unwritten;

  /**
   * {@code partition} and {@code offset} are null but for Sparkplug BIRTH and DEATH records, which
   * keep the node's aliases in them.
   */
  MessageRecord(
      InboundMessage message,
      Map<String, ?> partition,
      Map<String, ?> offset,
      String topic,
      SchemaAndValue key,
      SchemaAndValue value,
      ConnectHeaders headers) {
    super(
        partition,
        offset,
        topic,
        null,
        key.schema(),
        key.value(),
        value.schema(),
        value.value(),
        null,
        headers);
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
   * Counts this record as in Kafka; true when it was the message's last one, so the message may be
   * acknowledged.
   */
  boolean lastWritten() {
    return unwritten.decrementAndGet() == 0;
  }
}
