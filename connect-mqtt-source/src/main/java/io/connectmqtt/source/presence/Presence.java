package io.connectmqtt.source.presence;

import io.connectmqtt.common.InboundMessage;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.storage.OffsetStorageReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device presence stream of one source task: turns each poll's MQTT messages into presence
 * records (only where a device's state changes) and adds the offline records of the silence rule.
 * Every device's state travels in the Connect source offset of the last presence record of each
 * poll ({@link #STATE_PARTITION}), so a restarted task reads it back and neither forgets devices
 * nor announces them as first seen again.
 */
public final class Presence {

  private static final Logger log = LoggerFactory.getLogger(Presence.class);

  /**
   * The one source partition of the presence state; its offset holds every device's state as JSON
   * text.
   */
  public static final Map<String, String> STATE_PARTITION = Map.of("mqtt.presence", "devices");

  static final String STATE_FIELD = "devices";

  public static final Schema VALUE_SCHEMA =
      SchemaBuilder.struct()
          .name("io.connectmqtt.presence.DevicePresence")
          .field("device", Schema.STRING_SCHEMA)
          .field("state", Schema.STRING_SCHEMA)
          .field("reason", Schema.STRING_SCHEMA)
          .field("first_seen", Timestamp.SCHEMA)
          .field("last_seen", Timestamp.SCHEMA)
          .field("timestamp", Timestamp.SCHEMA)
          .field("mqtt_topic", Schema.OPTIONAL_STRING_SCHEMA)
          .build();

  /**
   * One poll's presence records: those each message caused, by its index in the poll, and the
   * silence ones.
   */
  public record Batch(List<List<SourceRecord>> perMessage, List<SourceRecord> silence) {
    public List<SourceRecord> of(int messageIndex) {
      return perMessage.get(messageIndex);
    }
  }

  private final String topic;
  private final PresenceTracker tracker;
  private final LongSupplier clock;

  Presence(String topic, PresenceTracker tracker, LongSupplier clock) {
    this.topic = topic;
    this.tracker = tracker;
    this.clock = clock;
  }

  /**
   * The task's presence stream, its state restored from the source offsets; null when presence is
   * off.
   */
  public static Presence start(
      PresenceConfig config, OffsetStorageReader offsets, LongSupplier clock) {
    if (!config.enabled()) {
      return null;
    }
    PresenceTracker tracker = new PresenceTracker(config.rules(), config.offlineAfterMs());
    Map<String, Object> kept = offsets == null ? null : offsets.offset(STATE_PARTITION);
    if (kept != null && kept.get(STATE_FIELD) instanceof String snapshot) {
      tracker.restore(snapshot, clock.getAsLong());
    }
    log.info(
        "Device presence to Kafka topic '{}': {} device(s) restored from the source offsets",
        config.topic(),
        tracker.size());
    return new Presence(config.topic(), tracker, clock);
  }

  /**
   * The presence records of one poll; the last one carries every device's state in its source
   * offset.
   */
  public Batch process(List<InboundMessage> messages) {
    long now = clock.getAsLong();
    List<List<PresenceEvent>> events = new ArrayList<>(messages.size());
    for (InboundMessage message : messages) {
      events.add(tracker.onMessage(message.topic(), message.payload(), now));
    }
    List<PresenceEvent> silence = tracker.expire(now);
    int last = silence.isEmpty() ? lastNonEmpty(events) : -1;
    boolean anyEvent = last >= 0 || !silence.isEmpty();
    String snapshot = anyEvent ? tracker.snapshot() : null;
    List<List<SourceRecord>> perMessage = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      perMessage.add(records(events.get(i), i == last ? snapshot : null));
    }
    return new Batch(perMessage, records(silence, silence.isEmpty() ? null : snapshot));
  }

  private static int lastNonEmpty(List<List<PresenceEvent>> events) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (!events.get(i).isEmpty()) {
        return i;
      }
    }
    return -1;
  }

  /** Records for events; with a snapshot, the last record carries it as its source offset. */
  private List<SourceRecord> records(List<PresenceEvent> events, String snapshot) {
    if (events.isEmpty()) {
      return List.of();
    }
    List<SourceRecord> records = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      boolean carriesState = snapshot != null && i == events.size() - 1;
      records.add(
          record(
              events.get(i),
              carriesState ? STATE_PARTITION : null,
              carriesState ? Map.of(STATE_FIELD, snapshot) : null));
    }
    return records;
  }

  private SourceRecord record(
      PresenceEvent event, Map<String, ?> partition, Map<String, ?> offset) {
    log.debug("Device '{}' {} ({})", event.device(), event.state(), event.reason());
    Struct value =
        new Struct(VALUE_SCHEMA)
            .put("device", event.device())
            .put("state", event.state())
            .put("reason", event.reason())
            .put("first_seen", new Date(event.firstSeen()))
            .put("last_seen", new Date(event.lastSeen()))
            .put("timestamp", new Date(event.timestamp()))
            .put("mqtt_topic", event.topic());
    return new SourceRecord(
        partition,
        offset,
        topic,
        null,
        Schema.STRING_SCHEMA,
        event.device(),
        VALUE_SCHEMA,
        value,
        event.timestamp());
  }
}
