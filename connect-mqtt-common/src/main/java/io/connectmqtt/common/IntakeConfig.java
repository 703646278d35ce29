package io.connectmqtt.common;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The keys of a source task's {@link MqttIntake} and its poll loop (a config fragment): how many
 * unacknowledged messages the task holds, how many records one poll returns, how long a poll waits.
 */
public final class IntakeConfig {

  public static final String GROUP = "Flow control";

  public static final String QUEUE_CAPACITY_CONFIG = "queue.capacity";
  public static final String BATCH_SIZE_CONFIG = "poll.batch.max.size";
  public static final String POLL_TIMEOUT_CONFIG = "poll.timeout.ms";

  /**
   * The largest queue capacity: below the 65,535 unacknowledged messages an MQTT 5 client
   * tolerates.
   */
  public static final int MAX_QUEUE_CAPACITY = 60_000;

  private IntakeConfig() {}

  /** Adds the keys to {@code def}, in their own group, and returns it. */
  public static ConfigDef update(ConfigDef def) {
    int order = 0;
    return def.define(
            QUEUE_CAPACITY_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, MAX_QUEUE_CAPACITY),
            Importance.LOW,
            "Most MQTT messages the task holds unacknowledged, queued for poll() or on their way to Kafka. At the "
                + "limit the MQTT client stops reading, so the broker holds the backlog, not this JVM's heap, on "
                + "every broker. It also bounds the duplicates after a crash. At most 60,000, below the 65,535 "
                + "unacknowledged messages an MQTT 5 client tolerates.",
            GROUP,
            ++order,
            Width.SHORT,
            "Queue capacity")
        .define(
            BATCH_SIZE_CONFIG,
            Type.INT,
            500,
            Range.between(1, 100_000),
            Importance.LOW,
            "Most records returned by one poll().",
            GROUP,
            ++order,
            Width.SHORT,
            "Batch size")
        .define(
            POLL_TIMEOUT_CONFIG,
            Type.INT,
            100,
            Range.between(1, 60_000),
            Importance.LOW,
            "How long poll() waits for a first message before returning none.",
            GROUP,
            ++order,
            Width.SHORT,
            "Poll timeout (ms)");
  }

  public static int queueCapacity(AbstractConfig config) {
    return config.getInt(QUEUE_CAPACITY_CONFIG);
  }

  public static int batchSize(AbstractConfig config) {
    return config.getInt(BATCH_SIZE_CONFIG);
  }

  public static int pollTimeoutMs(AbstractConfig config) {
    return config.getInt(POLL_TIMEOUT_CONFIG);
  }
}
