package io.connectmqtt.entitysync;

import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.sql.SQLException;
import java.util.List;

/**
 * Request processors as a task builds them, over a real database: for tests that drive one
 * directly, without MQTT or Kafka.
 */
final class Processors {

  private Processors() {}

  /** The catalog of {@code config}'s entities, read from the database. */
  static Catalog catalog(HikariDataSource dataSource, Dialect dialect, EntitySyncConfig config)
      throws SQLException {
    Catalog catalog =
        new Catalog(
            dataSource,
            dialect,
            config.getList(DatabaseConfig.ENTITIES_CONFIG),
            config.getString(DatabaseConfig.DEFAULT_SCHEMA_CONFIG));
    catalog.refresh();
    return catalog;
  }

  /** A processor with {@code hooks}, its state tables created. */
  static RequestProcessor processor(
      HikariDataSource dataSource,
      Dialect dialect,
      Catalog catalog,
      EntitySyncConfig config,
      List<RequestHook> hooks)
      throws SQLException {
    RequestProcessor processor = new RequestProcessor(dataSource, dialect, catalog, config, hooks);
    processor.createStateTable();
    return processor;
  }
}
