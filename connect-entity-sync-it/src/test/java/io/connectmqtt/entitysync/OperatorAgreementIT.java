package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.testkit.H2Database;
import io.connectmqtt.testkit.PostgresDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two meanings of every filter operator agree: the rows a read selects in SQL (entity sync's
 * request processor on PostgreSQL and on H2) are exactly the rows the notify sink's in-memory
 * matcher accepts, for every operator of the protocol, over text, numbers, booleans, dates and
 * NULLs.
 */
class OperatorAgreementIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static PostgresDatabase postgres;
  private static H2Database h2;
  private static final Map<String, Backend> BACKENDS = new HashMap<>();

  /** A request processor over one database, and the table's rows as read replies render them. */
  record Backend(
      String name, HikariDataSource dataSource, RequestProcessor processor, List<JsonNode> rows) {}

  /** Each case: a description and a filters array; every operator appears at least once. */
  static Stream<Arguments> cases() {
    return Stream.of(
        c("eq text", "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"Ann\"}]"),
        c("eq decimal", "[{\"column\":\"score\",\"operator\":\"eq\",\"value\":70.25}]"),
        c(
            "eq decimal given as text",
            "[{\"column\":\"score\",\"operator\":\"eq\",\"value\":\"70.25\"}]"),
        c("eq integer zero", "[{\"column\":\"qty\",\"operator\":\"eq\",\"value\":0}]"),
        c("eq boolean", "[{\"column\":\"active\",\"operator\":\"eq\",\"value\":true}]"),
        c("eq boolean false", "[{\"column\":\"active\",\"operator\":\"eq\",\"value\":false}]"),
        c("eq date", "[{\"column\":\"born\",\"operator\":\"eq\",\"value\":\"1990-01-01\"}]"),
        c(
            "neq text skips NULL",
            "[{\"column\":\"status\",\"operator\":\"neq\",\"value\":\"active\"}]"),
        c("neq integer", "[{\"column\":\"qty\",\"operator\":\"neq\",\"value\":5}]"),
        c("gt decimal", "[{\"column\":\"score\",\"operator\":\"gt\",\"value\":50}]"),
        c("gte decimal boundary", "[{\"column\":\"score\",\"operator\":\"gte\",\"value\":95.5}]"),
        c("lt negative", "[{\"column\":\"qty\",\"operator\":\"lt\",\"value\":1}]"),
        c("lte integer", "[{\"column\":\"qty\",\"operator\":\"lte\",\"value\":5}]"),
        c("gt date", "[{\"column\":\"born\",\"operator\":\"gt\",\"value\":\"1989-12-31\"}]"),
        c("lt upper-case text", "[{\"column\":\"code\",\"operator\":\"lt\",\"value\":\"M\"}]"),
        c("like prefix", "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"A%\"}]"),
        c("like one character", "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"_nn\"}]"),
        c("like inner", "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"%o%\"}]"),
        c("ilike", "[{\"column\":\"name\",\"operator\":\"ilike\",\"value\":\"ann\"}]"),
        c("ilike non-ASCII", "[{\"column\":\"name\",\"operator\":\"ilike\",\"value\":\"ZOË\"}]"),
        c(
            "in text",
            "[{\"column\":\"status\",\"operator\":\"in\",\"value\":[\"active\",\"banned\"]}]"),
        c("in integers", "[{\"column\":\"qty\",\"operator\":\"in\",\"value\":[0,5,99]}]"),
        c(
            "nin skips NULL",
            "[{\"column\":\"status\",\"operator\":\"nin\",\"value\":[\"active\"]}]"),
        c("nin integers", "[{\"column\":\"qty\",\"operator\":\"nin\",\"value\":[5,7]}]"),
        c("isnull", "[{\"column\":\"status\",\"operator\":\"isnull\"}]"),
        c("notnull", "[{\"column\":\"score\",\"operator\":\"notnull\"}]"),
        c(
            "between decimals",
            "[{\"column\":\"score\",\"operator\":\"between\",\"value\":[40,95.5]}]"),
        c(
            "between dates",
            "[{\"column\":\"born\",\"operator\":\"between\",\"value\":[\"1985-01-01\",\"1995-01-01\"]}]"),
        c(
            "AND of two",
            "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"active\"},"
                + "{\"column\":\"qty\",\"operator\":\"gt\",\"value\":0}]"),
        c(
            "OR group AND filter",
            "[{\"column\":\"status\",\"operator\":\"eq\",\"value\":\"banned\"},"
                + "{\"column\":\"qty\",\"operator\":\"lt\",\"value\":1,\"logic_operator\":\"OR\"},"
                + "{\"column\":\"score\",\"operator\":\"notnull\"}]"),
        c(
            "case-insensitive operator name",
            "[{\"column\":\"qty\",\"operator\":\"GTE\",\"value\":7}]"),
        // Text compares as text, numbers as numbers (issue 11: '007' matched '7').
        c(
            "eq text that reads as a number",
            "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"7\"}]"),
        c(
            "eq text with leading zeros",
            "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"007\"}]"),
        c("eq text given a number", "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":7}]"),
        c(
            "in text given numbers",
            "[{\"column\":\"code\",\"operator\":\"in\",\"value\":[9,10.0]}]"),
        c("gt numeric-looking text", "[{\"column\":\"code\",\"operator\":\"gt\",\"value\":\"9\"}]"),
        c("lt numeric-looking text", "[{\"column\":\"code\",\"operator\":\"lt\",\"value\":\"9\"}]"),
        c(
            "eq integer given as padded text",
            "[{\"column\":\"qty\",\"operator\":\"eq\",\"value\":\"007\"}]"),
        c(
            "eq decimal given with zeros",
            "[{\"column\":\"score\",\"operator\":\"eq\",\"value\":7.000}]"),
        c(
            "eq text with a huge exponent",
            "[{\"column\":\"name\",\"operator\":\"eq\",\"value\":\"1e999999999\"}]"),
        c("lt a huge number", "[{\"column\":\"score\",\"operator\":\"lt\",\"value\":1e300}]"),
        c("gt a tiny number", "[{\"column\":\"score\",\"operator\":\"gt\",\"value\":1e-300}]"),
        c(
            "like escaped percent",
            "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"100\\\\%\"}]"),
        c(
            "like escaped underscore",
            "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"Bob\\\\_1\"}]"),
        c(
            "like many percent signs",
            "[{\"column\":\"name\",\"operator\":\"like\",\"value\":\"%0%0%7%\"}]"),
        c(
            "ilike one character",
            "[{\"column\":\"name\",\"operator\":\"ilike\",\"value\":\"_OB%\"}]"));
  }

  private static Arguments c(String description, String filters) {
    return Arguments.of(description, filters);
  }

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresDatabase.start();
    h2 = H2Database.start("operators");
    BACKENDS.put(
        "postgresql", backend("postgresql", postgres.jdbcUrl(), "postgres", postgres.connection()));
    BACKENDS.put("h2", backend("h2", h2.jdbcUrl(), "sa", h2.connection()));
  }

  private static Backend backend(String name, String url, String user, Connection connection)
      throws Exception {
    try (connection;
        Statement statement = connection.createStatement()) {
      statement.execute(
          "create table public.agree (id integer primary key, name varchar(40), code varchar(10), "
              + "status varchar(20), score numeric(6,2), qty integer, active boolean, born date)");
      statement.execute(
          "insert into public.agree values "
              + "(1, 'Ann', 'ALPHA', 'active', 95.50, 10, true, date '1990-01-01'), "
              + "(2, 'ann', 'BRAVO', 'inactive', 40, 5, false, date '1985-06-30'), "
              + "(3, 'Bob_1', 'MIKE', null, 70.25, null, null, null), "
              + "(4, 'Zoë', 'ZULU', 'active', null, 0, true, date '2000-02-29'), "
              + "(5, '100%', 'KILO', 'banned', 100, -3, false, date '1970-01-01'), "
              + "(6, 'Joe', 'LIMA', 'active', 0, 7, null, date '2024-12-31'), "
              + "(7, '007', '9', 'active', 7.00, 7, true, date '1999-09-09'), "
              + "(8, '7', '10', 'inactive', 0.01, 70, false, date '2001-01-01'), "
              + "(9, '1e999999999', '1e9', null, null, null, null, null)");
    }
    Map<String, String> props = new HashMap<>();
    props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
    props.put("database.url", url);
    props.put("database.user", user);
    props.put("entities", "public.agree");
    EntitySyncConfig config = new EntitySyncConfig(props);
    HikariDataSource dataSource = EntitySyncConnector.dataSource(config, "operators-" + name);
    Catalog catalog =
        new Catalog(
            dataSource,
            Dialect.forUrl(url),
            config.getList(DatabaseConfig.ENTITIES_CONFIG),
            config.getString(DatabaseConfig.DEFAULT_SCHEMA_CONFIG));
    catalog.refresh();
    RequestProcessor processor =
        new RequestProcessor(dataSource, Dialect.forUrl(url), catalog, config, List.of());
    processor.createStateTable();
    List<JsonNode> rows = new ArrayList<>();
    read(processor, "[]").path("data").forEach(rows::add);
    assertThat(rows).hasSize(9);
    return new Backend(name, dataSource, processor, rows);
  }

  @AfterAll
  static void stop() {
    BACKENDS.values().forEach(b -> b.dataSource().close());
    if (postgres != null) {
      postgres.close();
    }
    if (h2 != null) {
      h2.close();
    }
  }

  private static JsonNode read(RequestProcessor processor, String filters) {
    byte[] request =
        ("{\"id\":\"r\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"agree\","
                + "\"options\":{\"filters\":"
                + filters
                + ",\"sort\":[{\"column\":\"id\",\"direction\":\"asc\"}]}}")
            .getBytes(StandardCharsets.UTF_8);
    return processor.handle("agreement", request, Map.of(), java.util.Optional.empty()).reply();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void sqlAndInMemoryMatchingSelectTheSameRows(String description, String filtersJson)
      throws Exception {
    List<Filter> filters = Filter.parseAll(JSON.readTree(filtersJson));
    for (Backend backend : BACKENDS.values()) {
      JsonNode reply = read(backend.processor(), filtersJson);
      assertThat(reply.path("success").asBoolean()).as(backend.name() + ": " + reply).isTrue();
      List<Integer> bySql = new ArrayList<>();
      reply.path("data").forEach(row -> bySql.add(row.path("id").asInt()));
      List<Integer> inMemory = new ArrayList<>();
      for (JsonNode row : backend.rows()) {
        if (Filter.matchesAll(filters, row)) {
          inMemory.add(row.path("id").asInt());
        }
      }
      assertThat(inMemory)
          .as(description + " on " + backend.name() + " (SQL selected " + bySql + ")")
          .isEqualTo(bySql);
    }
  }

  @Test
  void everyOperatorOfTheProtocolIsCovered() throws Exception {
    Set<FilterOperator> covered = EnumSet.noneOf(FilterOperator.class);
    for (Arguments arguments : cases().toList()) {
      for (JsonNode filter : JSON.readTree((String) arguments.get()[1])) {
        covered.add(FilterOperator.parse(filter.path("operator").asText()).orElseThrow());
      }
    }
    assertThat(covered).containsExactlyInAnyOrder(FilterOperator.values());
  }
}
