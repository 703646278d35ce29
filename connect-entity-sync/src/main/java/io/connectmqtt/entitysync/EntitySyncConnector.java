package io.connectmqtt.entitysync;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.common.ConnectionValidation;
import io.connectmqtt.common.Versions;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connector-hosted request processor: MQTT clients publish CRUD requests to
 * {prefix}/{cid}/request, tasks run them against a JDBC database, reply on {prefix}/{cid}/response,
 * and write every change as an event to Kafka.
 */
public class EntitySyncConnector extends SourceConnector {

  private static final Logger log = LoggerFactory.getLogger(EntitySyncConnector.class);
  private Map<String, String> props;

  @Override
  public String version() {
    return Versions.version(EntitySyncConnector.class);
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    EntitySyncConfig config = new EntitySyncConfig(props);
    String unauthenticated = AuthenticationRequirement.problem(config, hooks(config));
    if (unauthenticated != null) {
      throw new org.apache.kafka.connect.errors.ConnectException(unauthenticated);
    }
    log.info("Starting entity sync connector {}", props.get("name"));
  }

  @Override
  public Class<? extends Task> taskClass() {
    return EntitySyncTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return io.connectmqtt.common.TaskConfigs.indexed(props, maxTasks);
  }

  @Override
  public void stop() {}

  @Override
  public ConfigDef config() {
    return EntitySyncConfig.CONFIG_DEF;
  }

  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.UNSUPPORTED;
  }

  /**
   * Instantiates and configures the hooks named in the configuration, from the plugin's class
   * loader.
   */
  static List<io.connectmqtt.entitysync.hooks.RequestHook> hooks(EntitySyncConfig config) {
    List<io.connectmqtt.entitysync.hooks.RequestHook> hooks = new ArrayList<>();
    HooksConfig settings = config.hooks();
    for (String className : settings.hookClasses()) {
      try {
        var hook =
            Class.forName(className.trim(), true, EntitySyncConnector.class.getClassLoader())
                .asSubclass(io.connectmqtt.entitysync.hooks.RequestHook.class)
                .getDeclaredConstructor()
                .newInstance();
        hook.configure(settings);
        hooks.add(hook);
      } catch (ClassNotFoundException | ClassCastException e) {
        throw new org.apache.kafka.common.config.ConfigException(
            HooksConfig.HOOKS_CONFIG,
            className,
            "not a class implementing io.connectmqtt.entitysync.hooks.RequestHook in this plugin");
      } catch (ReflectiveOperationException e) {
        throw new org.apache.kafka.common.config.ConfigException(
            HooksConfig.HOOKS_CONFIG,
            className,
            "cannot be instantiated (it needs a public no-argument constructor): " + e);
      }
    }
    return hooks;
  }

  /**
   * How long a request waits for a connection of its task's pool before it is answered {@code
   * unavailable}: all connections are busy, or the database is away.
   */
  private static final long REQUEST_CONNECTION_WAIT_MS = 10_000;

  /**
   * How long the task's own statements (outbox relay, held replies, parked requests) wait for one
   * of their two connections. Only they use them, so a longer wait means the database is away; the
   * poll thread, which also hands requests to the workers, must not wait out an outage.
   */
  static final long STATE_CONNECTION_WAIT_MS = 1_000;

  /** A connection pool that tries for up to 10 s to open its first connection. */
  static HikariDataSource dataSource(EntitySyncConfig config, String poolName) {
    return dataSource(config, poolName, 10_000);
  }

  /**
   * A pool of database.pool.size connections for serving requests, which wait up to {@link
   * #REQUEST_CONNECTION_WAIT_MS} for one; it tries for up to {@code initializationFailTimeoutMs} to
   * open its first connection.
   */
  static HikariDataSource dataSource(
      EntitySyncConfig config, String poolName, long initializationFailTimeoutMs) {
    return dataSource(
        config,
        poolName,
        initializationFailTimeoutMs,
        config.getInt(DatabaseConfig.DATABASE_POOL_SIZE_CONFIG),
        REQUEST_CONNECTION_WAIT_MS);
  }

  /**
   * A pool of {@code size} connections, each with the statement timeout set (see {@link
   * Dialect#statementTimeoutSql}) and a bounded socket timeout. It tries for up to {@code
   * initializationFailTimeoutMs} to open its first connection and throws when it cannot (HikariCP's
   * {@code initializationFailTimeout}); a caller waits up to {@code connectionWaitMs} for a
   * connection.
   */
  static HikariDataSource dataSource(
      EntitySyncConfig config,
      String poolName,
      long initializationFailTimeoutMs,
      int size,
      long connectionWaitMs) {
    String url = config.getString(DatabaseConfig.DATABASE_URL_CONFIG);
    Dialect dialect = Dialect.forUrl(url);
    long statementTimeout = config.getLong(DatabaseConfig.STATEMENT_TIMEOUT_CONFIG);
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(url);
    hikari.setConnectionInitSql(dialect.statementTimeoutSql(statementTimeout));
    dialect.driverProperties(url, statementTimeout).forEach(hikari::addDataSourceProperty);
    hikari.setUsername(config.getString(DatabaseConfig.DATABASE_USER_CONFIG));
    if (config.getPassword(DatabaseConfig.DATABASE_PASSWORD_CONFIG) != null) {
      hikari.setPassword(config.getPassword(DatabaseConfig.DATABASE_PASSWORD_CONFIG).value());
    }
    hikari.setMaximumPoolSize(size);
    hikari.setPoolName("entity-sync-" + poolName);
    hikari.setConnectionTimeout(connectionWaitMs);
    hikari.setInitializationFailTimeout(initializationFailTimeoutMs);
    return new HikariDataSource(hikari);
  }

  /** The configured entities, looked up in {@code dataSource}. */
  static Catalog catalog(EntitySyncConfig config, DataSource dataSource, Dialect dialect) {
    return new Catalog(
        dataSource,
        dialect,
        config.getList(DatabaseConfig.ENTITIES_CONFIG),
        config.getString(DatabaseConfig.DEFAULT_SCHEMA_CONFIG));
  }

  /**
   * Why entity sync cannot run on the database behind {@code dataSource} (e.g. a MySQL server), or
   * null.
   */
  static String serverProblem(javax.sql.DataSource dataSource, Dialect dialect)
      throws SQLException {
    try (java.sql.Connection connection = dataSource.getConnection()) {
      return dialect.serverProblem(connection.getMetaData());
    }
  }

  /** Field checks, then connection checks, then live probes of the broker and the database. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    if (config.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
      return config;
    }
    Map<String, ConfigValue> values = new HashMap<>();
    config.configValues().forEach(v -> values.put(v.name(), v));
    EntitySyncConfig parsed = new EntitySyncConfig(connectorConfigs);
    ConnectionValidation.crossFieldChecks(parsed, values);
    try {
      Dialect.forUrl(parsed.getString(DatabaseConfig.DATABASE_URL_CONFIG));
    } catch (IllegalArgumentException e) {
      values.get(DatabaseConfig.DATABASE_URL_CONFIG).addErrorMessage(e.getMessage());
    }
    try {
      String unauthenticated = AuthenticationRequirement.problem(parsed, hooks(parsed));
      if (unauthenticated != null) {
        values.get(HooksConfig.AUTH_CONFIG).addErrorMessage(unauthenticated);
      }
    } catch (org.apache.kafka.common.config.ConfigException | IllegalArgumentException e) {
      values.get(HooksConfig.HOOKS_CONFIG).addErrorMessage(e.getMessage());
    }
    if (ConnectionValidation.hasErrors(values)) {
      return config;
    }
    String name = connectorConfigs.getOrDefault("name", "entity-sync");
    ConnectionValidation.probe(parsed, name, values, session -> {});
    try (HikariDataSource dataSource = dataSource(parsed, name + "-validate")) {
      Dialect dialect = Dialect.forUrl(parsed.getString(DatabaseConfig.DATABASE_URL_CONFIG));
      Catalog catalog = catalog(parsed, dataSource, dialect);
      String serverProblem = serverProblem(dataSource, dialect);
      if (serverProblem != null) {
        values
            .get(DatabaseConfig.DATABASE_URL_CONFIG)
            .addErrorMessage("Entity sync cannot run on this database: " + serverProblem + ".");
        return config;
      }
      catalog.refresh();
      if (catalog.all().isEmpty()) {
        values
            .get(DatabaseConfig.ENTITIES_CONFIG)
            .addErrorMessage(
                "None of "
                    + parsed.getList(DatabaseConfig.ENTITIES_CONFIG)
                    + " is a table with a single-column primary key in this database; "
                    + "list existing tables as schema.table, or schema.* for all of a schema.");
      }
    } catch (SQLException | RuntimeException e) {
      values
          .get(DatabaseConfig.DATABASE_URL_CONFIG)
          .addErrorMessage(
              "Could not connect to the database: "
                  + e.getMessage()
                  + ". Check "
                  + DatabaseConfig.DATABASE_URL_CONFIG
                  + ", "
                  + DatabaseConfig.DATABASE_USER_CONFIG
                  + " and "
                  + DatabaseConfig.DATABASE_PASSWORD_CONFIG
                  + ".");
    }
    return config;
  }
}
