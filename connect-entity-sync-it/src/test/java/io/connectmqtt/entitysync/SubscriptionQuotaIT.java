package io.connectmqtt.entitysync;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SubscriptionQuotaTest}'s race on the real databases, whose locking the quota relies on.
 */
class SubscriptionQuotaIT {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"postgresql", "mariadb"})
  void concurrentSubscribesOfOneClientOnSeveralTasksNeverExceedTheQuota(String name)
      throws Exception {
    FilterAgreementPropertyIT.TestDatabase database =
        FilterAgreementPropertyIT.DATABASES.stream()
            .filter(d -> d.name().equals(name))
            .findFirst()
            .orElseThrow();
    FilterAgreementPropertyIT.Started started = database.start().get();
    Assumptions.assumeTrue(started != null, name + " cannot start here");
    try (AutoCloseable server = started.server()) {
      try (Connection connection =
              DriverManager.getConnection(started.url(), started.user(), started.password());
          Statement statement = connection.createStatement()) {
        statement.execute(
            "create table public.quota_notes (id integer primary key, body varchar(100))");
      }
      Map<String, String> props = new HashMap<>();
      props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
      props.put("database.url", started.url());
      props.put("database.user", started.user());
      props.put("database.password", started.password());
      props.put("entities", "public.quota_notes");
      props.put("subscriptions.max.per.client", String.valueOf(SubscriptionQuotaTest.MAX));
      EntitySyncConfig config = new EntitySyncConfig(props);
      List<HikariDataSource> pools = new ArrayList<>();
      List<RequestProcessor> tasks = new ArrayList<>();
      try {
        for (int i = 0; i < SubscriptionQuotaTest.TASKS; i++) {
          HikariDataSource pool = EntitySyncConnector.dataSource(config, "quota-" + name + "-" + i);
          pools.add(pool);
          Dialect dialect = Dialect.forUrl(started.url());
          tasks.add(
              Processors.processor(
                  pool, dialect, Processors.catalog(pool, dialect, config), config, List.of()));
        }
        SubscriptionQuotaTest.assertWithinQuota(
            name, SubscriptionQuotaTest.race(tasks, "quota_notes"));
      } finally {
        pools.forEach(HikariDataSource::close);
      }
    }
  }
}
