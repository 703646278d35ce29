package io.connectmqtt.source;

import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

/**
 * The load publisher's sequence numbers found in a Kafka topic: which arrived ({@link #seen}) and
 * how many records carried them.
 */
record SequencesInKafka(BitSet seen, int records) {

  static SequencesInKafka of(List<ConsumerRecord<byte[], byte[]>> records) {
    BitSet seen = new BitSet();
    records.forEach(r -> seen.set((int) MqttLoadPublisher.sequence(r.value())));
    return new SequencesInKafka(seen, records.size());
  }

  /**
   * Reads {@code topic} every 2 s (each read waiting up to {@code readTimeout}) until sequences 0
   * to {@code messages - 1} are all there, for up to 180 s.
   */
  static SequencesInKafka awaitAll(
      KafkaTopics topics, String topic, int messages, Duration readTimeout) {
    SequencesInKafka[] last = {null};
    Awaitility.await("all " + messages + " messages in Kafka")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofSeconds(2))
        .until(
            () -> {
              last[0] = of(topics.readAll(topic, messages, readTimeout));
              return last[0].seen.cardinality() == messages;
            });
    return last[0];
  }

  /** Records beyond one per sequence number. */
  int duplicates() {
    return records - seen.cardinality();
  }
}
