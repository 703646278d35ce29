package io.connectmqtt.common.publish;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Where Connect read a sink record, which is what it passes to and takes from {@code preCommit}: a
 * transform such as RegexRouter may have renamed the record's topic. {@code SinkRecord.original*}
 * came with Kafka 3.6 (KIP-793); older workers hand over the record as read, topic and all.
 */
final class SinkRecordPositions {

  private static final boolean HAS_ORIGINALS = hasOriginals();

  private SinkRecordPositions() {}

  static TopicPartition partitionOf(SinkRecord record) {
    return HAS_ORIGINALS
        ? new TopicPartition(record.originalTopic(), record.originalKafkaPartition())
        : new TopicPartition(record.topic(), record.kafkaPartition());
  }

  static long offsetOf(SinkRecord record) {
    return HAS_ORIGINALS ? record.originalKafkaOffset() : record.kafkaOffset();
  }

  /** The record as log lines and errors name it: as the task saw it. */
  static String describe(SinkRecord record) {
    return "record " + record.topic() + "-" + record.kafkaPartition() + "@" + record.kafkaOffset();
  }

  private static boolean hasOriginals() {
    try {
      SinkRecord.class.getMethod("originalTopic");
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
