package io.connectmqtt.common.publish;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.QosConfig;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The keys of acknowledged delivery (a config fragment, Aiven style): the QoS, the window of
 * unacknowledged publishes, how long and how often a sink retries when the broker does not
 * acknowledge, how long one publish may go unacknowledged before the session is resumed to send it
 * again, and how often acknowledged offsets are committed. Every sink of the suite that publishes
 * to MQTT adds them with {@link #update} and reads them here.
 */
public final class DeliveryConfig {

  public static final String GROUP = "Delivery";

  public static final String MAX_IN_FLIGHT_CONFIG = "mqtt.max.in.flight";
  public static final String PUBLISH_TIMEOUT_CONFIG = "mqtt.publish.timeout.ms";
  public static final String RETRIES_CONFIG = "mqtt.retries.max";
  public static final String RETRY_BACKOFF_CONFIG = "mqtt.retry.backoff.ms";
  public static final String COMMIT_INTERVAL_CONFIG = "acknowledged.offsets.commit.interval.ms";
  public static final String ACK_TIMEOUT_CONFIG = "mqtt.publish.ack.timeout.ms";

  private final AbstractConfig config;

  public DeliveryConfig(AbstractConfig config) {
    this.config = config;
  }

  /** Adds the delivery keys to {@code def}, in their own group, and returns it. */
  public static ConfigDef update(ConfigDef def) {
    int order = 0;
    def.define(
            MAX_IN_FLIGHT_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 65_535),
            Importance.MEDIUM,
            "Most publishes awaiting the broker's acknowledgement at once. When the window is full, put() waits: "
                + "memory stays bounded and the consumer slows down.",
            GROUP,
            ++order,
            Width.SHORT,
            "Max in flight")
        .define(
            PUBLISH_TIMEOUT_CONFIG,
            Type.LONG,
            30_000L,
            Range.between(100L, 290_000L),
            Importance.LOW,
            "How long put() waits for room in the window (the broker may be away) before giving up for now with a "
                + "retriable error; Connect then redelivers the batch after "
                + RETRY_BACKOFF_CONFIG
                + ".",
            GROUP,
            ++order,
            Width.SHORT,
            "Publish timeout (ms)")
        .define(
            RETRIES_CONFIG,
            Type.INT,
            10,
            Range.atLeast(0),
            Importance.LOW,
            "Retriable failures in a row (no progress at all) before the task fails with a message saying the "
                + "broker is unavailable.",
            GROUP,
            ++order,
            Width.SHORT,
            "Max retries")
        .define(
            RETRY_BACKOFF_CONFIG,
            Type.LONG,
            5_000L,
            Range.between(0L, 600_000L),
            Importance.LOW,
            "Wait before Connect redelivers a batch after a retriable failure.",
            GROUP,
            ++order,
            Width.SHORT,
            "Retry backoff (ms)")
        .define(
            COMMIT_INTERVAL_CONFIG,
            Type.LONG,
            1_000L,
            Range.between(0L, 3_600_000L),
            Importance.LOW,
            "How often the task asks Connect to commit the offsets the broker has acknowledged. A crash repeats "
                + "what was published since the last commit, so this bounds the duplicates after a worker crash "
                + "to about this much traffic. 0: leave it to the worker's offset.flush.interval.ms (60 s by "
                + "default).",
            GROUP,
            ++order,
            Width.SHORT,
            "Commit interval (ms)");
    return defineAckTimeout(
        def,
        GROUP,
        ++order,
        "would otherwise hold its record, and every offset after it, until the connection breaks for "
            + "another reason");
  }

  /**
   * Adds {@link #ACK_TIMEOUT_CONFIG} to {@code def}; {@code held} says what a dropped publish would
   * hold up without it.
   */
  public static ConfigDef defineAckTimeout(ConfigDef def, String group, int order, String held) {
    return def.define(
        ACK_TIMEOUT_CONFIG,
        Type.LONG,
        60_000L,
        Range.between(100L, 86_400_000L),
        Importance.LOW,
        "How long a publish may wait for the broker's acknowledgement while connected. Past it the task "
            + "reconnects, resuming its MQTT session, so that the client sends every unacknowledged publish "
            + "again (same packet identifier, DUP set): a broker that silently drops a PUBLISH "
            + held
            + ". Logged as a WARN naming the broker and counted in ack-timeout-reconnects-total; at most one "
            + "reconnect per this interval.",
        group,
        order,
        Width.SHORT,
        "Acknowledgement timeout (ms)");
  }

  /**
   * Adds {@link QosConfig#QOS_CONFIG}, the QoS of what a sink publishes, to {@code def} in the
   * publishing group of the sink; {@code exception} says what may override it (empty: nothing).
   */
  public static ConfigDef defineQos(ConfigDef def, String group, int order, String exception) {
    return QosConfig.define(
        def,
        group,
        order,
        "QoS of published messages"
            + exception
            + ". Use 1 or 2: offsets are committed only for acknowledged "
            + "messages, and QoS 0 is never acknowledged by the broker.");
  }

  public int qos() {
    return QosConfig.qos(config);
  }

  public int maxInFlight() {
    return config.getInt(MAX_IN_FLIGHT_CONFIG);
  }

  public long publishTimeoutMs() {
    return config.getLong(PUBLISH_TIMEOUT_CONFIG);
  }

  public int maxRetries() {
    return config.getInt(RETRIES_CONFIG);
  }

  public long retryBackoffMs() {
    return config.getLong(RETRY_BACKOFF_CONFIG);
  }

  public long ackTimeoutNanos() {
    return ackTimeoutNanos(config);
  }

  /** {@link #ACK_TIMEOUT_CONFIG} of any config that defines it (see {@link #defineAckTimeout}). */
  public static long ackTimeoutNanos(AbstractConfig config) {
    return TimeUnit.MILLISECONDS.toNanos(config.getLong(ACK_TIMEOUT_CONFIG));
  }

  public long commitIntervalNanos() {
    return TimeUnit.MILLISECONDS.toNanos(config.getLong(COMMIT_INTERVAL_CONFIG));
  }

  /** See {@link ErrorToleranceConfig#toleratesErrors}. */
  public boolean toleratesErrors() {
    return ErrorToleranceConfig.toleratesErrors(config);
  }
}
