package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.protocol.FilterOperator;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

/** What each dialect writes differently, and how database errors are read. */
class DialectTest {

  private static final Catalog.Column TEXT =
      new Catalog.Column("tenant", Types.VARCHAR, "VARCHAR", true, false);
  private static final Catalog.Column NUMBER =
      new Catalog.Column("age", Types.INTEGER, "INT", true, false);

  @Test
  void theUrlChoosesTheDialectAndMysqlIsRefusedWithWhatToUseInstead() {
    assertThat(Dialect.forUrl("jdbc:postgresql://db:5432/app")).isSameAs(Dialect.POSTGRESQL);
    assertThat(Dialect.forUrl("jdbc:h2:mem:x")).isSameAs(Dialect.H2);
    assertThat(Dialect.forUrl("JDBC:MARIADB://db:3306/app")).isSameAs(Dialect.MARIADB);
    assertThatThrownBy(() -> Dialect.forUrl("jdbc:mysql://db:3306/app"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MySQL is not supported")
        .hasMessageContaining("jdbc:mariadb://");
    assertThatThrownBy(() -> Dialect.forUrl("jdbc:oracle:thin:@db"))
        .hasMessageContaining("jdbc:postgresql:");
  }

  @Test
  void validateRefusesAMysqlUrlOnTheUrlKeyBeforeConnectingAnywhere() {
    Map<String, String> props = new HashMap<>();
    props.put("name", "mysql-refused");
    props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
    props.put("database.url", "jdbc:mysql://127.0.0.1:1/app");
    props.put("entities", "app.orders");
    props.put("entity.sync.auth", "none");
    ConfigValue url =
        new EntitySyncConnector()
            .validate(props).configValues().stream()
                .filter(v -> v.name().equals("database.url"))
                .findFirst()
                .orElseThrow();
    assertThat(url.errorMessages())
        .singleElement()
        .asString()
        .contains("MySQL is not supported")
        .contains("jdbc:mariadb://");
  }

  @Test
  void identifiersAreQuotedTheDatabasesWay() {
    assertThat(Dialect.POSTGRESQL.table("public", "my\"t")).isEqualTo("\"public\".\"my\"\"t\"");
    assertThat(Dialect.MARIADB.table("app", "my`t")).isEqualTo("`app`.`my``t`");
  }

  @Test
  void mariadbComparesTextInAnExactCollationAndLeavesOtherColumnsAlone() {
    assertThat(Dialect.MARIADB.parameter(TEXT)).isEqualTo("? COLLATE utf8mb4_nopad_bin");
    assertThat(Dialect.MARIADB.parameter(NUMBER)).isEqualTo("?");
    assertThat(Dialect.POSTGRESQL.parameter(TEXT)).isEqualTo("?");
    assertThat(FilterOperator.IN.sql("`tenant`", 2, Dialect.MARIADB.parameter(TEXT)))
        .isEqualTo("`tenant` IN (? COLLATE utf8mb4_nopad_bin, ? COLLATE utf8mb4_nopad_bin)");
    assertThat(FilterOperator.ILIKE.sql("`tenant`", 1, Dialect.MARIADB.parameter(TEXT)))
        .isEqualTo("LOWER(`tenant`) LIKE LOWER(? COLLATE utf8mb4_nopad_bin)");
    assertThat(FilterOperator.BETWEEN.sql("\"age\"", 2)).isEqualTo("\"age\" BETWEEN ? AND ?");
  }

  @Test
  void stateTablesUseTheDatabasesTypesAndAnExactCollationOnMariadb() {
    String maria =
        Dialect.MARIADB.createTableIfMissing(
            "`app`.`t`",
            List.of(
                "client_id VARCHAR(200) NOT NULL",
                "created_at " + Dialect.MARIADB.timestampType()));
    assertThat(maria)
        .isEqualTo(
            "CREATE TABLE IF NOT EXISTS `app`.`t` (client_id VARCHAR(200) NOT NULL, "
                + "created_at DATETIME(6)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin");
    assertThat(Dialect.POSTGRESQL.createTableIfMissing("\"public\".\"t\"", List.of("a INT")))
        .isEqualTo("CREATE TABLE IF NOT EXISTS \"public\".\"t\" (a INT)");
    assertThat(Dialect.MARIADB.addColumnIfMissing("`app`.`t`", "request_hash", "VARCHAR(64)"))
        .isEqualTo("ALTER TABLE `app`.`t` ADD COLUMN IF NOT EXISTS request_hash VARCHAR(64)");
    assertThat(Dialect.H2.createIndexIfMissing("t", "\"public\".\"t\"", "created_at"))
        .isEqualTo("CREATE INDEX IF NOT EXISTS \"t_created_at\" ON \"public\".\"t\" (created_at)");
    String longTable = "a_state_table_name_of_fifty_characters_for_tenants";
    String longIndex = Dialect.indexName(longTable + "_subscriptions_expires_at");
    assertThat(longIndex).hasSize(63).startsWith(longTable);
    assertThat(Dialect.indexName(longTable + "_subscriptions_client_id"))
        .as("another column, another name")
        .hasSize(63)
        .isNotEqualTo(longIndex);
    assertThat(Dialect.MARIADB.textType()).isEqualTo("MEDIUMTEXT");
  }

  @Test
  void theStatementTimeoutIsEachDatabasesOwnSessionLimit() {
    assertThat(Dialect.POSTGRESQL.statementTimeoutSql(2_500))
        .isEqualTo("SET statement_timeout = 2500");
    assertThat(Dialect.MARIADB.statementTimeoutSql(2_500))
        .isEqualTo("SET SESSION max_statement_time = 2.500");
    assertThat(Dialect.H2.statementTimeoutSql(2_500))
        .isEqualTo("SET QUERY_TIMEOUT 2500; SET LOCK_TIMEOUT 2500");
    assertThat(Dialect.POSTGRESQL.driverProperties("jdbc:postgresql://db/app", 2_500))
        .containsEntry("socketTimeout", "18");
    assertThat(Dialect.MARIADB.driverProperties("jdbc:mariadb://db/app", 2_500))
        .containsEntry("socketTimeout", "17500");
    assertThat(Dialect.MARIADB.driverProperties("jdbc:mariadb://db/app?socketTimeout=1000", 2_500))
        .isEmpty();
  }

  @Test
  void errorsAreReadTheSameWayOnEveryDatabase() {
    assertThat(
            Dialect.POSTGRESQL.classify(
                new SQLException("canceling statement due to statement timeout", "57014")))
        .isEqualTo(Dialect.Failure.TIMEOUT);
    assertThat(Dialect.H2.classify(new SQLTimeoutException("lock timeout", "HYT00", 50200)))
        .isEqualTo(Dialect.Failure.TIMEOUT);
    assertThat(
            Dialect.MARIADB.classify(
                new SQLException(
                    "Query execution was interrupted (max_statement_time " + "exceeded)",
                    "70100",
                    1969)))
        .isEqualTo(Dialect.Failure.TIMEOUT);
    assertThat(
            Dialect.MARIADB.classify(
                new SQLException("Field 'name' doesn't have a default value", "HY000", 1364)))
        .isEqualTo(Dialect.Failure.CONFLICT);
    assertThat(Dialect.MARIADB.classify(new SQLException("Duplicate entry", "23000", 1062)))
        .isEqualTo(Dialect.Failure.CONFLICT);
    assertThat(Dialect.POSTGRESQL.classify(new SQLException("connection refused", "08001")))
        .isEqualTo(Dialect.Failure.UNAVAILABLE);
    // What passes with time is unavailable (try again), as ErrorClassifier decides for tasks: H2's
    // broken TCP connection (state 90067, a java.net.ConnectException as cause), a deadlock, a
    // server shutting down.
    assertThat(
            Dialect.H2.classify(
                new java.sql.SQLNonTransientConnectionException(
                    "Connection is broken",
                    "90067",
                    new java.net.ConnectException("Connection refused"))))
        .isEqualTo(Dialect.Failure.UNAVAILABLE);
    assertThat(Dialect.POSTGRESQL.classify(new SQLException("deadlock detected", "40P01")))
        .isEqualTo(Dialect.Failure.UNAVAILABLE);
    assertThat(
            Dialect.POSTGRESQL.classify(
                new SQLException("terminating connection due to administrator command", "57P01")))
        .isEqualTo(Dialect.Failure.UNAVAILABLE);
    assertThat(Dialect.POSTGRESQL.classify(new SQLException("value too long", "22001")))
        .isEqualTo(Dialect.Failure.INVALID_VALUE);
    assertThat(Dialect.POSTGRESQL.classify(new SQLException("syntax", "42601")))
        .isEqualTo(Dialect.Failure.OTHER);
  }
}
