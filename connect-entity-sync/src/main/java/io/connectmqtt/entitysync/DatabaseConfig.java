package io.connectmqtt.entitysync;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/** Keys of the database connection and the reachable entities. Part of {@link EntitySyncConfig}. */
public final class DatabaseConfig {

  static final String GROUP = "Database";

  public static final String DATABASE_URL_CONFIG = "database.url";
  public static final String DATABASE_USER_CONFIG = "database.user";
  public static final String DATABASE_PASSWORD_CONFIG = "database.password";
  public static final String DATABASE_POOL_SIZE_CONFIG = "database.pool.size";
  public static final String STATEMENT_TIMEOUT_CONFIG = "entity.sync.statement.timeout.ms";
  public static final String WORKERS_CONFIG = "entity.sync.workers";
  public static final String DEFAULT_SCHEMA_CONFIG = "database.default.schema";
  public static final String ENTITIES_CONFIG = "entities";

  private DatabaseConfig() {}

  /** Defines this fragment's keys in {@code def}, after the keys of its group defined before. */
  static ConfigDef define(ConfigDef def) {
    int order = EntitySyncConfig.keysInGroup(def, GROUP);
    def.define(
            DATABASE_URL_CONFIG,
            Type.STRING,
            ConfigDef.NO_DEFAULT_VALUE,
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "JDBC URL: jdbc:postgresql://host:5432/db, jdbc:mariadb://host:3306/db (MariaDB 10.5 or "
                + "later) or jdbc:h2:... The dialect follows from it; MySQL (jdbc:mysql:) is not supported.",
            GROUP,
            ++order,
            Width.LONG,
            "JDBC URL")
        .define(
            DATABASE_USER_CONFIG,
            Type.STRING,
            null,
            Importance.HIGH,
            "Database user.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "User")
        .define(
            DATABASE_PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.HIGH,
            "Database password.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Password")
        .define(
            DATABASE_POOL_SIZE_CONFIG,
            Type.INT,
            4,
            Range.between(1, 200),
            Importance.LOW,
            "Connections in each task's pool for serving requests (HikariCP). Each task opens two more "
                + "for its own statements (outbox relay, held replies, parked requests), which requests "
                + "waiting for locks cannot take.",
            GROUP,
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
            GROUP,
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
            GROUP,
            ++order,
            Width.SHORT,
            "Workers per task")
        .define(
            DEFAULT_SCHEMA_CONFIG,
            Type.STRING,
            "public",
            Importance.MEDIUM,
            "Schema of requests that name none, and of entities listed without one.",
            GROUP,
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
            GROUP,
            ++order,
            Width.LONG,
            "Entities");
    return def;
  }
}
