package io.connectmqtt.entitysync;

import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;

/** A pass-through message that completes its request's acknowledgement once Kafka has it. */
final class AckingRecord extends SourceRecord {
  final Runnable done;

  AckingRecord(String topic, String key, Map<String, Object> value, Runnable done) {
    super(null, null, topic, null, Schema.STRING_SCHEMA, key, null, value);
    this.done = done;
  }
}
