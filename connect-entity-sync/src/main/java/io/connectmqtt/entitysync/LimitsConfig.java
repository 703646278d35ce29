package io.connectmqtt.entitysync;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Keys bounding what one request, one client and one task may take. Part of {@link
 * EntitySyncConfig}.
 */
public final class LimitsConfig {

  static final String GROUP = "Limits";

  public static final String LIMIT_DEFAULT_CONFIG = "read.limit.default";
  public static final String LIMIT_MAX_CONFIG = "read.limit.max";
  public static final String REQUEST_MAX_BYTES_CONFIG = "request.max.bytes";
  public static final String DATA_VALUE_MAX_BYTES_CONFIG = "entity.sync.data.value.max.bytes";
  public static final String QUEUE_CAPACITY_CONFIG = "queue.capacity";
  public static final String SUBSCRIPTIONS_MAX_PER_CLIENT_CONFIG = "subscriptions.max.per.client";

  private LimitsConfig() {}

  /** Defines this fragment's keys in {@code def}, after the keys of its group defined before. */
  static ConfigDef define(ConfigDef def) {
    int order = EntitySyncConfig.keysInGroup(def, GROUP);
    def.define(
            LIMIT_DEFAULT_CONFIG,
            Type.INT,
            100,
            Range.between(1, 100_000),
            Importance.LOW,
            "Rows a list read returns when it sets no limit.",
            GROUP,
            ++order,
            Width.SHORT,
            "Default limit")
        .define(
            LIMIT_MAX_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 100_000),
            Importance.MEDIUM,
            "Most rows a list read returns; larger limits are capped.",
            GROUP,
            ++order,
            Width.SHORT,
            "Max limit")
        .define(
            REQUEST_MAX_BYTES_CONFIG,
            Type.INT,
            64 * 1024,
            Range.between(256, 16 * 1024 * 1024),
            Importance.LOW,
            "Largest request payload; larger requests get a too_large error.",
            GROUP,
            ++order,
            Width.SHORT,
            "Max request size")
        .define(
            DATA_VALUE_MAX_BYTES_CONFIG,
            Type.INT,
            64 * 1024,
            Range.between(1, 16 * 1024 * 1024),
            Importance.LOW,
            "Largest value of one column in the 'data' of a create or update (UTF-8 bytes of a "
                + "string, the JSON text of anything else); a larger one gets a too_large error naming the column, "
                + "before any SQL runs. 'data' may also have no more keys than the entity has columns.",
            GROUP,
            ++order,
            Width.SHORT,
            "Max data value size")
        .define(
            QUEUE_CAPACITY_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 60_000),
            Importance.LOW,
            "Most requests the task holds unacknowledged, waiting or being served, and the Receive Maximum it sends: "
                + "an MQTT 5 broker sends no more, so a flood of requests waits in the broker, not in this JVM's heap. A "
                + "request beyond it (MQTT 3.1.1 has no flow control; some brokers overrun it) is answered 'unavailable' "
                + "at once: the task never stops reading, since its replies' acknowledgements come on the same "
                + "connection. Also the most slow "
                + "requests a task parks ("
                + StateTablesConfig.PARK_AFTER_MS_CONFIG
                + "); past it, a request of a client with requests waiting is answered at once with 'unavailable' "
                + "(counted in requests-refused-unavailable-total, not audited).",
            GROUP,
            ++order,
            Width.SHORT,
            "Queue capacity")
        .define(
            SUBSCRIPTIONS_MAX_PER_CLIENT_CONFIG,
            Type.INT,
            100,
            Range.between(1, 100_000),
            Importance.MEDIUM,
            "Most live subscriptions one client id may have; a subscribe beyond it is invalid_subscription until "
                + "the client unsubscribes (a repeated subscribe and a renewal do not count as new). Bounds what one "
                + "client can make the notify sink hold and match.",
            GROUP,
            ++order,
            Width.SHORT,
            "Subscriptions per client");
    return def;
  }
}
