package io.connectmqtt.common;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * The QoS key every plugin has (a one-key config fragment): the subscriptions' maximum QoS in a
 * source, the QoS of what a sink publishes. Each says which in its own documentation.
 */
public final class QosConfig {

  public static final String QOS_CONFIG = "mqtt.qos";

  private QosConfig() {}

  /** Adds {@link #QOS_CONFIG} to {@code def} in {@code group} at {@code order}; returns it. */
  public static ConfigDef define(ConfigDef def, String group, int order, String doc) {
    return def.define(
        QOS_CONFIG,
        Type.INT,
        1,
        Range.between(0, 2),
        Importance.HIGH,
        doc,
        group,
        order,
        Width.SHORT,
        "QoS");
  }

  public static int qos(AbstractConfig config) {
    return config.getInt(QOS_CONFIG);
  }
}
