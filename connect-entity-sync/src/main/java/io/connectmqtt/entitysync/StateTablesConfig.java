package io.connectmqtt.entitysync;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Keys of the tables entity sync keeps for itself: processed requests and the outbox with its
 * lease. Part of {@link EntitySyncConfig}.
 */
public final class StateTablesConfig {

  static final String GROUP = "Database";

  public static final String STATE_TABLE_CONFIG = "entity.sync.state.table";
  public static final String STATE_RETENTION_CONFIG = "entity.sync.state.retention.seconds";
  public static final String OUTBOX_TABLE_CONFIG = "entity.sync.outbox.table";
  public static final String OUTBOX_LEASE_MS_CONFIG = "entity.sync.outbox.lease.ms";
  public static final String OUTBOX_MAX_IN_FLIGHT_CONFIG = "entity.sync.outbox.max.in.flight";
  public static final String PARK_AFTER_MS_CONFIG = "entity.sync.request.park.ms";

  private StateTablesConfig() {}

  /** Defines this fragment's keys in {@code def}, after the keys of its group defined before. */
  static ConfigDef define(ConfigDef def) {
    int order = EntitySyncConfig.keysInGroup(def, GROUP);
    def.define(
            STATE_TABLE_CONFIG,
            Type.STRING,
            "entity_sync_requests",
            Importance.LOW,
            "Table (created if missing, in the default schema) where each write request's id, a SHA-256 of its "
                + "content and its reply are recorded in the same transaction as the write, so a redelivered request "
                + "is not executed twice, and an id reused for another request is refused (request_id_reused). Its "
                + "outbox and lease tables are named after it: two connectors on one database need one each, and a "
                + "task whose tables are another connector's fails, naming it.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Processed requests table")
        .define(
            STATE_RETENTION_CONFIG,
            Type.LONG,
            86_400L,
            Range.between(60, 365L * 86_400),
            Importance.LOW,
            "How long a write request's record is kept, in seconds (default one day). Within it a repeated request "
                + "gets its recorded reply and a reused id is refused; after it the id may be used again. Each task "
                + "deletes older records every five minutes, in batches of 1000 rows.",
            GROUP,
            ++order,
            Width.SHORT,
            "Processed requests retention")
        .define(
            OUTBOX_TABLE_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Table (created if missing, in the default schema, with a one-row '<name>_lease' table beside it; "
                + "empty: '<"
                + STATE_TABLE_CONFIG
                + ">_outbox', so connectors with their own state table have their "
                + "own outbox, relayed to their own topics) where every change event and subscription record is written in the transaction of "
                + "the change it describes. One task at a time (the holder of the lease) sends its rows to Kafka in "
                + "commit order and deletes each once Kafka acknowledged it, so a committed change always has its "
                + "event, whatever crashes: at least once, each record with a stable id in the header "
                + "'entity.sync.event.id'.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Outbox table")
        .define(
            OUTBOX_LEASE_MS_CONFIG,
            Type.LONG,
            10_000L,
            Range.between(1_000, 600_000),
            Importance.LOW,
            "How long the relaying task's lease on the outbox lasts without renewal (renewed at half its time). "
                + "When that task dies, another takes over after at most this long; the workers' clocks must agree "
                + "within half of it, or two tasks may relay at once (more duplicates, never a loss). Parked "
                + "requests ("
                + PARK_AFTER_MS_CONFIG
                + ") are leased the same way.",
            GROUP,
            ++order,
            Width.SHORT,
            "Outbox lease")
        .define(
            OUTBOX_MAX_IN_FLIGHT_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 100_000),
            Importance.LOW,
            "Most outbox records sent and not yet acknowledged by Kafka. A relaying task that dies leaves at most "
                + "this many to be sent again by the next one: the bound on duplicates per takeover.",
            GROUP,
            ++order,
            Width.SHORT,
            "Outbox records in flight")
        .define(
            PARK_AFTER_MS_CONFIG,
            Type.LONG,
            250L,
            Range.between(10, 60_000),
            Importance.LOW,
            "How long a request is served before it is parked: stored in the table '<"
                + STATE_TABLE_CONFIG
                + ">_parked' and acknowledged on MQTT before it is answered. MQTT acknowledges a "
                + "session's messages only in order, and HiveMQ sends nothing new until they are "
                + "acknowledged, so without it one request waiting for a lock or a costly read would "
                + "hold up every other client's requests for up to the statement timeout; this is "
                + "the most it holds them up. A parked request's row is deleted once it is answered; "
                + "if its task dies first, another task serves it again after the lease ("
                + OUTBOX_LEASE_MS_CONFIG
                + "), possibly after later requests of the same client.",
            GROUP,
            ++order,
            Width.SHORT,
            "Park slow requests after");
    return def;
  }
}
