package io.connectmqtt.source;

import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The load publisher's sequence numbers found in a Kafka topic: which arrived ({@link #seen}), how
 * many records carried them, and when ({@link System#nanoTime()}) the topic held them all.
 */
record SequencesInKafka(BitSet seen, int records, long heldAtNanos) {

  /** {@code records} as read now. */
  static SequencesInKafka of(List<ConsumerRecord<byte[], byte[]>> records) {
    return of(records, System.nanoTime());
  }

  private static SequencesInKafka of(List<ConsumerRecord<byte[], byte[]>> records, long heldAt) {
    BitSet seen = new BitSet();
    records.forEach(r -> seen.set((int) MqttLoadPublisher.sequence(r.value())));
    return new SequencesInKafka(seen, records.size(), heldAt);
  }

  /**
   * Waits until sequences 0 to {@code messages - 1} are all in {@code topic}, for up to {@code
   * timeout}: by its end offsets (cheap to poll) until it holds as many records as are still
   * needed, then one read from the beginning; duplicates can fill the offsets while a sequence is
   * still missing, and then the wait goes on for the missing ones. {@link #heldAtNanos} is when the
   * end offsets reached the records of the last read, before that read (which takes a second).
   */
  static SequencesInKafka awaitAll(
      KafkaTopics topics, String topic, int messages, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long needed = messages;
    while (true) {
      topics.awaitEndOffsets(
          topic, needed, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      long heldAt = System.nanoTime();
      SequencesInKafka read =
          of(topics.readAll(topic, topics.endOffsetSum(topic), Duration.ofSeconds(60)), heldAt);
      int missing = messages - read.seen.cardinality();
      if (missing == 0) {
        return read;
      }
      needed = read.records + (long) missing;
    }
  }

  /** Records beyond one per sequence number. */
  int duplicates() {
    return records - seen.cardinality();
  }
}
