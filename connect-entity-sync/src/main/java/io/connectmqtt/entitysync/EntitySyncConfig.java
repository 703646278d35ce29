package io.connectmqtt.entitysync;

import io.connectmqtt.common.MqttConnectionConfig;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Configuration of {@link EntitySyncConnector}: MQTT connection, protocol, database, entities,
 * limits.
 */
public final class EntitySyncConfig extends AbstractConfig {

  private static final String GROUP_PROTOCOL = "Protocol";
  private static final String GROUP_DATABASE = "Database";
  private static final String GROUP_LIMITS = "Limits";

  public static final String PREFIX_CONFIG = "entity.sync.topic.prefix";
  public static final String SHARED_GROUP_CONFIG = "entity.sync.shared.subscription.group";
  public static final String REPLY_QOS_CONFIG = "entity.sync.reply.qos";
  public static final String CHANGES_TOPIC_CONFIG = "entity.sync.changes.topic";
  public static final String SUBSCRIPTIONS_TOPIC_CONFIG = "entity.sync.subscriptions.topic";
  public static final String DATABASE_URL_CONFIG = "database.url";
  public static final String DATABASE_USER_CONFIG = "database.user";
  public static final String DATABASE_PASSWORD_CONFIG = "database.password";
  public static final String DATABASE_POOL_SIZE_CONFIG = "database.pool.size";
  public static final String STATEMENT_TIMEOUT_CONFIG = "entity.sync.statement.timeout.ms";
  public static final String DEFAULT_SCHEMA_CONFIG = "database.default.schema";
  public static final String ENTITIES_CONFIG = "entities";
  public static final String STATE_TABLE_CONFIG = "entity.sync.state.table";
  public static final String STATE_RETENTION_CONFIG = "entity.sync.state.retention.seconds";
  public static final String SUBSCRIPTION_TTL_CONFIG = "entity.sync.subscription.ttl.seconds";
  public static final String PASS_THROUGH_TOPIC_CONFIG = "entity.sync.passthrough.topic";
  public static final String WORKERS_CONFIG = "entity.sync.workers";
  public static final String LIMIT_DEFAULT_CONFIG = "read.limit.default";
  public static final String LIMIT_MAX_CONFIG = "read.limit.max";
  public static final String REQUEST_MAX_BYTES_CONFIG = "request.max.bytes";
  public static final String DATA_VALUE_MAX_BYTES_CONFIG = "entity.sync.data.value.max.bytes";
  public static final String OUTBOX_TABLE_CONFIG = "entity.sync.outbox.table";
  public static final String OUTBOX_LEASE_MS_CONFIG = "entity.sync.outbox.lease.ms";
  public static final String OUTBOX_MAX_IN_FLIGHT_CONFIG = "entity.sync.outbox.max.in.flight";
  public static final String QUEUE_CAPACITY_CONFIG = "queue.capacity";
  public static final String SUBSCRIPTIONS_MAX_PER_CLIENT_CONFIG = "subscriptions.max.per.client";
  public static final String HOOKS_CONFIG = "entity.sync.hooks";
  public static final String AUTH_CONFIG = "entity.sync.auth";
  public static final String JWT_SECRET_CONFIG = "entity.sync.jwt.hs256.secret";
  public static final String JWT_JWKS_FILE_CONFIG = "entity.sync.jwt.jwks.file";
  public static final String JWT_ISSUER_CONFIG = "entity.sync.jwt.issuer";
  public static final String JWT_AUDIENCE_CONFIG = "entity.sync.jwt.audience";
  public static final String JWT_CLIENT_ID_CLAIM_CONFIG = "entity.sync.jwt.client.id.claim";
  public static final String TENANT_COLUMN_CONFIG = "entity.sync.tenant.column";
  public static final String TENANT_SOURCE_CONFIG = "entity.sync.tenant.source";
  public static final String TENANT_CLAIM_CONFIG = "entity.sync.tenant.jwt.claim";
  public static final String TENANT_PATTERN_CONFIG = "entity.sync.tenant.client.id.pattern";
  public static final String ROLES_RULES_CONFIG = "entity.sync.roles.rules";
  public static final String ROLES_CLAIM_CONFIG = "entity.sync.roles.claim";
  public static final String AUDIT_TABLE_CONFIG = "entity.sync.audit.table";
  private static final String GROUP_HOOKS = "Hooks and security";

  static final String TASK_INDEX_CONFIG = io.connectmqtt.common.TaskConfigs.TASK_INDEX;
  static final String TASK_COUNT_CONFIG = io.connectmqtt.common.TaskConfigs.TASK_COUNT;

  public static final ConfigDef CONFIG_DEF = configDef();

  public EntitySyncConfig(Map<String, String> props) {
    super(CONFIG_DEF, props);
  }

  public static ConfigDef configDef() {
    ConfigDef def = MqttConnectionConfig.define(new ConfigDef());
    int order = 0;
    def.define(
            PREFIX_CONFIG,
            Type.STRING,
            "spec",
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Topic prefix p: clients publish requests to p/<client id>/request and get replies on "
                + "p/<client id>/response.",
            GROUP_PROTOCOL,
            ++order,
            Width.SHORT,
            "Topic prefix")
        .define(
            SHARED_GROUP_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Shared subscription group of the tasks ($share/<group>/<prefix>/+/request), so each request is "
                + "handled by exactly one task. Empty: the connector name.",
            GROUP_PROTOCOL,
            ++order,
            Width.MEDIUM,
            "Shared subscription group")
        .define(
            REPLY_QOS_CONFIG,
            Type.INT,
            1,
            Range.between(0, 2),
            Importance.MEDIUM,
            "QoS of replies.",
            GROUP_PROTOCOL,
            ++order,
            Width.SHORT,
            "Reply QoS")
        .define(
            CHANGES_TOPIC_CONFIG,
            Type.STRING,
            "entity-changes",
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Kafka topic of change events (one per successful create, update, delete), key "
                + "'<schema>.<entity>:<record id>'.",
            GROUP_PROTOCOL,
            ++order,
            Width.MEDIUM,
            "Changes topic")
        .define(
            SUBSCRIPTIONS_TOPIC_CONFIG,
            Type.STRING,
            "entity-subscriptions",
            new ConfigDef.NonEmptyString(),
            Importance.MEDIUM,
            "Compacted Kafka topic of live subscriptions: key = subscription id, value = owner, "
                + "entity, filters and notify topic; a tombstone when it is cancelled or its client disconnects. "
                + "Create it with cleanup.policy=compact.",
            GROUP_PROTOCOL,
            ++order,
            Width.MEDIUM,
            "Subscriptions topic")
        .define(
            SUBSCRIPTION_TTL_CONFIG,
            Type.LONG,
            0L,
            Range.atLeast(0),
            Importance.MEDIUM,
            "Lifetime of a subscription that is not renewed, in seconds; 0: until unsubscribed or disconnected. A "
                + "client renews by sending subscribe with its subscription_id. Expired subscriptions notify nobody "
                + "and are removed (a tombstone on the subscriptions topic) within a minute.",
            GROUP_PROTOCOL,
            ++order,
            Width.SHORT,
            "Subscription lifetime")
        .define(
            PASS_THROUGH_TOPIC_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Kafka topic for messages whose 'type' is none of the protocol's (an application's own messages): each "
                + "is written there as its JSON document, key = client id, headers mqtt.topic and mqtt.client.id, "
                + "and acknowledged with {\"forwarded\":true} once Kafka has it. Empty: such messages get "
                + "invalid_message_type.",
            GROUP_PROTOCOL,
            ++order,
            Width.MEDIUM,
            "Pass-through topic");
    order = 0;
    def.define(
            DATABASE_URL_CONFIG,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "JDBC URL: jdbc:postgresql://host:5432/db, jdbc:mariadb://host:3306/db (MariaDB 10.5 or "
                + "later) or jdbc:h2:... The dialect follows from it; MySQL (jdbc:mysql:) is not supported.",
            GROUP_DATABASE,
            ++order,
            Width.LONG,
            "JDBC URL")
        .define(
            DATABASE_USER_CONFIG,
            Type.STRING,
            null,
            Importance.HIGH,
            "Database user.",
            GROUP_DATABASE,
            ++order,
            Width.MEDIUM,
            "User")
        .define(
            DATABASE_PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.HIGH,
            "Database password.",
            GROUP_DATABASE,
            ++order,
            Width.MEDIUM,
            "Password")
        .define(
            DATABASE_POOL_SIZE_CONFIG,
            Type.INT,
            4,
            Range.between(1, 200),
            Importance.LOW,
            "Connections in each task's pool (HikariCP).",
            GROUP_DATABASE,
            ++order,
            Width.SHORT,
            "Pool size")
        .define(
            STATEMENT_TIMEOUT_CONFIG,
            Type.LONG,
            10_000L,
            Range.between(100, 3_600_000),
            Importance.MEDIUM,
            "Longest time one SQL statement may run, waiting for locks included, in milliseconds. Set on every "
                + "pooled connection as the server's own limit (PostgreSQL statement_timeout, MariaDB "
                + "max_statement_time, H2 QUERY_TIMEOUT and LOCK_TIMEOUT), so it covers every statement entity sync "
                + "and its hooks run. A request whose statement runs longer is rolled back and answered with the error "
                + "code timeout; the task serves on. The driver's socket timeout is set to this plus 15 s, unless "
                + "the URL sets socketTimeout, so a database host that stops answering cannot stall a task either.",
            GROUP_DATABASE,
            ++order,
            Width.SHORT,
            "Statement timeout")
        .define(
            WORKERS_CONFIG,
            Type.INT,
            4,
            Range.between(1, 64),
            Importance.LOW,
            "Requests of different clients a task serves at once (a client's own requests are always served one "
                + "after another, in order). Custom hooks must be thread-safe when this is above 1. More than "
                + "database.pool.size only adds waiting for connections.",
            GROUP_DATABASE,
            ++order,
            Width.SHORT,
            "Workers per task")
        .define(
            DEFAULT_SCHEMA_CONFIG,
            Type.STRING,
            "public",
            Importance.MEDIUM,
            "Schema of requests that name none, and of entities listed without one.",
            GROUP_DATABASE,
            ++order,
            Width.SHORT,
            "Default schema")
        .define(
            ENTITIES_CONFIG,
            Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            Importance.HIGH,
            "The reachable tables: 'schema.table' names, or 'schema.*' for every table of a schema. Each needs a "
                + "single-column primary key. Nothing else in the database can be reached.",
            GROUP_DATABASE,
            ++order,
            Width.LONG,
            "Entities")
        .define(
            STATE_TABLE_CONFIG,
            Type.STRING,
            "entity_sync_requests",
            Importance.LOW,
            "Table (created if missing, in the default schema) where each write request's id, a SHA-256 of its "
                + "content and its reply are recorded in the same transaction as the write, so a redelivered request "
                + "is not executed twice, and an id reused for another request is refused (request_id_reused).",
            GROUP_DATABASE,
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
            GROUP_DATABASE,
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
            GROUP_DATABASE,
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
                + "within half of it, or two tasks may relay at once (more duplicates, never a loss).",
            GROUP_DATABASE,
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
            GROUP_DATABASE,
            ++order,
            Width.SHORT,
            "Outbox records in flight");
    order = 0;
    def.define(
            LIMIT_DEFAULT_CONFIG,
            Type.INT,
            100,
            Range.between(1, 100_000),
            Importance.LOW,
            "Rows a list read returns when it sets no limit.",
            GROUP_LIMITS,
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
            GROUP_LIMITS,
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
            GROUP_LIMITS,
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
            GROUP_LIMITS,
            ++order,
            Width.SHORT,
            "Max data value size")
        .define(
            QUEUE_CAPACITY_CONFIG,
            Type.INT,
            1_000,
            Range.between(1, 60_000),
            Importance.LOW,
            "Most requests the task holds unacknowledged, waiting or being served. At the limit the MQTT client stops "
                + "reading, so a flood of requests waits in the broker, not in this JVM's heap.",
            GROUP_LIMITS,
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
            GROUP_LIMITS,
            ++order,
            Width.SHORT,
            "Subscriptions per client");
    order = 0;
    def.define(
            AUTH_CONFIG,
            Type.STRING,
            AuthenticationRequirement.REQUIRED,
            ConfigDef.CaseInsensitiveValidString.in(
                AuthenticationRequirement.REQUIRED, AuthenticationRequirement.NONE),
            Importance.HIGH,
            "required: the connector does not start unless "
                + HOOKS_CONFIG
                + " has a hook that authenticates "
                + "every request (io.connectmqtt.entitysync.hooks.JwtAuthenticationHook, or a custom hook whose "
                + "authenticates() is true). none: start without authentication on purpose, so that anyone who can "
                + "publish to <prefix>/+/request can read, change and delete every row of the entities; each task "
                + "logs a WARN saying so.",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "Authentication")
        .define(
            HOOKS_CONFIG,
            Type.LIST,
            "",
            Importance.MEDIUM,
            "Request hooks, by class name, run in this order: implementations of "
                + "io.connectmqtt.entitysync.hooks.RequestHook in the plugin. Built in: "
                + "io.connectmqtt.entitysync.hooks.JwtAuthenticationHook (list it first), "
                + "io.connectmqtt.entitysync.hooks.TenantIsolationHook and "
                + "io.connectmqtt.entitysync.hooks.RoleRulesHook.",
            GROUP_HOOKS,
            ++order,
            Width.LONG,
            "Hooks")
        .define(
            JWT_SECRET_CONFIG,
            Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Shared secret (at least 32 characters) that HS256 tokens are signed with, for the JWT hook.",
            GROUP_HOOKS,
            ++order,
            Width.MEDIUM,
            "JWT HS256 secret")
        .define(
            JWT_JWKS_FILE_CONFIG,
            Type.STRING,
            null,
            Importance.MEDIUM,
            "JSON Web Key Set file (RFC 7517, RSA keys with 'kid') that RS256 tokens are verified with, for the JWT "
                + "hook. Read again when it changes, so keys can be rotated without a restart. Set this, the HS256 "
                + "secret, or both.",
            GROUP_HOOKS,
            ++order,
            Width.LONG,
            "JWT JWKS file")
        .define(
            JWT_ISSUER_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "When set, tokens must carry this 'iss' claim.",
            GROUP_HOOKS,
            ++order,
            Width.MEDIUM,
            "JWT issuer")
        .define(
            JWT_AUDIENCE_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "When set, tokens must name this audience in their 'aud' claim (a string or an array).",
            GROUP_HOOKS,
            ++order,
            Width.MEDIUM,
            "JWT audience")
        .define(
            JWT_CLIENT_ID_CLAIM_CONFIG,
            Type.STRING,
            "sub",
            new ConfigDef.NonEmptyString(),
            Importance.MEDIUM,
            "JWT claim that must equal the client id of the request topic (<prefix>/<client id>/request); a token "
                + "naming another client id, or none, is forbidden. This binds the topic's client id, which any "
                + "MQTT connection may choose, to the authenticated identity.",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "JWT client id claim")
        .define(
            TENANT_COLUMN_CONFIG,
            Type.STRING,
            "tenant_id",
            Importance.LOW,
            "Column holding a row's tenant, for the tenant isolation hook.",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "Tenant column")
        .define(
            TENANT_SOURCE_CONFIG,
            Type.STRING,
            "client-id",
            ConfigDef.CaseInsensitiveValidString.in("client-id", "jwt"),
            Importance.LOW,
            "Where the tenant isolation hook takes the tenant from: the client id (see "
                + TENANT_PATTERN_CONFIG
                + ") or a claim of the verified JWT (see "
                + TENANT_CLAIM_CONFIG
                + ").",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "Tenant source")
        .define(
            TENANT_CLAIM_CONFIG,
            Type.STRING,
            "tenant",
            Importance.LOW,
            "JWT claim naming the tenant.",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "Tenant claim")
        .define(
            TENANT_PATTERN_CONFIG,
            Type.STRING,
            "^([A-Za-z0-9_]+)-",
            Importance.LOW,
            "Regular expression whose first group, found in the client id, is the tenant: 'acme-device-7' gives "
                + "'acme' by default.",
            GROUP_HOOKS,
            ++order,
            Width.MEDIUM,
            "Tenant from client id")
        .define(
            ROLES_RULES_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "For io.connectmqtt.entitysync.hooks.RoleRulesHook: role:entity:operations entries separated by ';', "
                + "'*' for any entity or operation, e.g. 'admin:*:*;viewer:*:read,meta;operator:devices:read,update'. "
                + "Operations: read, create, update, delete, meta, subscribe (renewing included), unsubscribe, and "
                + "forward (pass-through, where the entity is the message's type).",
            GROUP_HOOKS,
            ++order,
            Width.LONG,
            "Role rules")
        .define(
            ROLES_CLAIM_CONFIG,
            Type.STRING,
            "role",
            Importance.LOW,
            "JWT claim with the caller's role (a string or an array of strings), for the role rules hook.",
            GROUP_HOOKS,
            ++order,
            Width.SHORT,
            "Role claim")
        .define(
            AUDIT_TABLE_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Table (created if missing, in the default schema) that gets one row per request: when, client id, "
                + "request id, operation, outcome (ok or the error code) and the request as sent (at most 4000 "
                + "characters). Empty: no audit log.",
            GROUP_HOOKS,
            ++order,
            Width.MEDIUM,
            "Audit log table");
    return def;
  }
}
