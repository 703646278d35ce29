package io.connectmqtt.common;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * What a task does with a message or record it cannot handle (a config fragment). Connect owns
 * {@code errors.tolerance} and validates it; connectors read it from the originals. A source adds
 * its own dead letter topic with {@link #update}, since Connect has one only for sinks.
 */
public final class ErrorToleranceConfig {

  public static final String GROUP = "Errors";

  /** Connect's own key, read from the originals, since Connect defines it, not the connector. */
  public static final String ERRORS_TOLERANCE_CONFIG = "errors.tolerance";

  public static final String DLQ_TOPIC_CONFIG = "errors.deadletterqueue.topic.name";

  private ErrorToleranceConfig() {}

  /** Adds the source's dead letter topic to {@code def}, in its own group, and returns it. */
  public static ConfigDef update(ConfigDef def) {
    int order = 0;
    return def.define(
        DLQ_TOPIC_CONFIG,
        Type.STRING,
        "",
        Importance.MEDIUM,
        "With "
            + ERRORS_TOLERANCE_CONFIG
            + "=all, messages whose payload cannot be converted go to this Kafka topic, raw, with "
            + "headers __connect.errors.* saying why (the MQTT message is acknowledged once Kafka has it). "
            + "Empty: they are logged and skipped. With "
            + ERRORS_TOLERANCE_CONFIG
            + "=none the task fails instead.",
        GROUP,
        ++order,
        Width.LONG,
        "Dead letter topic");
  }

  /**
   * Whether Connect's {@code errors.tolerance} is {@code all}: bad input is reported, not fatal.
   */
  public static boolean toleratesErrors(AbstractConfig config) {
    Object tolerance = config.originals().get(ERRORS_TOLERANCE_CONFIG);
    return tolerance != null && "all".equalsIgnoreCase(tolerance.toString().trim());
  }

  /** The source's dead letter topic; empty: none. */
  public static String deadLetterTopic(AbstractConfig config) {
    return config.getString(DLQ_TOPIC_CONFIG);
  }
}
