package io.connectmqtt.entitysync;

import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.entitysync.hooks.RequestHook;
import io.connectmqtt.testkit.H2Database;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An in-memory H2 database with one table, its pool and catalog, for unit tests that drive a {@link
 * RequestProcessor} directly (no MQTT, no Kafka).
 */
final class TestBackend implements AutoCloseable {

  final H2Database h2;
  final HikariDataSource dataSource;
  final Map<String, String> props;
  private final Catalog catalog;

  private TestBackend(
      H2Database h2, HikariDataSource dataSource, Map<String, String> props, Catalog catalog) {
    this.h2 = h2;
    this.dataSource = dataSource;
    this.props = props;
    this.catalog = catalog;
  }

  /**
   * Creates {@code public.<table>} with {@code columns} and a pool with {@code extraProps} on top
   * of the basics.
   */
  static TestBackend start(
      String name, String table, String columns, Map<String, String> extraProps) throws Exception {
    H2Database h2 = H2Database.start(name);
    try (Connection connection = h2.connection();
        Statement statement = connection.createStatement()) {
      statement.execute("create table public." + table + " (" + columns + ")");
    }
    Map<String, String> props = new HashMap<>();
    props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
    props.put("entities", "public." + table);
    props.put("database.url", h2.jdbcUrl());
    props.put("database.user", "sa");
    props.putAll(extraProps);
    HikariDataSource dataSource = EntitySyncConnector.dataSource(new EntitySyncConfig(props), name);
    Catalog catalog = new Catalog(dataSource, Dialect.H2, List.of("public." + table), "public");
    catalog.refresh();
    return new TestBackend(h2, dataSource, props, catalog);
  }

  /**
   * A processor with these settings (the backend's and {@code extraProps}) and hooks, its state
   * tables created.
   */
  RequestProcessor processor(Map<String, String> extraProps, List<RequestHook> hooks)
      throws Exception {
    Map<String, String> all = new HashMap<>(props);
    all.putAll(extraProps);
    RequestProcessor processor =
        new RequestProcessor(dataSource, Dialect.H2, catalog, new EntitySyncConfig(all), hooks);
    processor.createStateTable();
    return processor;
  }

  @Override
  public void close() {
    dataSource.close();
    h2.close();
  }
}
