package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.entitysync.hooks.TenantIsolationHook;
import io.connectmqtt.testkit.EntitySyncRequests;
import io.connectmqtt.testkit.MariaDbDatabase;
import io.connectmqtt.testkit.ThreeDatabases;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tenant 'acme' is not tenant 'ACME', nor 'acme ', on any database, although MariaDB's default
 * collation (utf8mb4_general_ci, as Debian ships it) finds all three for "= 'acme'"; and two
 * clients whose ids differ only in case keep apart in the state tables. The request processor with
 * the tenant isolation hook, on each database.
 */
class TenantCollationIT {

  private static ThreeDatabases databases;
  private static final List<HikariDataSource> POOLS = new ArrayList<>();

  @BeforeAll
  static void start() {
    databases = ThreeDatabases.start("public");
  }

  @AfterAll
  static void stop() {
    POOLS.forEach(HikariDataSource::close);
    TestResources.closeAll(databases);
  }

  static Stream<String> databases() {
    return ThreeDatabases.names();
  }

  private static RequestProcessor processor(String database) throws SQLException {
    Map<String, String> props = new HashMap<>();
    props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
    props.put("entities", "public.notes");
    props.put("entity.sync.tenant.source", "client-id");
    switch (database) {
      case "postgresql" -> {
        props.put("database.url", databases.postgres().jdbcUrl());
        props.put("database.user", "postgres");
      }
      case "h2" -> {
        props.put("database.url", databases.h2().jdbcUrl());
        props.put("database.user", "sa");
      }
      default -> {
        MariaDbDatabase server = databases.mariadb();
        props.put("database.url", server.jdbcUrl("public"));
        props.put("database.user", server.user());
        props.put("database.password", server.password());
      }
    }
    Sql.Database db = () -> databases.connection(database);
    Sql.execute(
        db,
        "create table public.notes (id integer primary key, tenant_id varchar(20) not null, "
            + "body varchar(50))",
        "insert into public.notes values (1, 'acme', 'lower'), (2, 'ACME', 'upper'), "
            + "(3, 'acme ', 'trailing space')");
    EntitySyncConfig config = new EntitySyncConfig(props);
    HikariDataSource dataSource = EntitySyncConnector.dataSource(config, "tenants-" + database);
    POOLS.add(dataSource);
    Dialect dialect = Dialect.forUrl(props.get("database.url"));
    TenantIsolationHook hook = new TenantIsolationHook();
    hook.configure(config.hooks());
    return Processors.processor(
        dataSource,
        dialect,
        Processors.catalog(dataSource, dialect, config),
        config,
        List.of(hook));
  }

  private static JsonNode send(RequestProcessor processor, String clientId, String request) {
    return processor
        .handle(clientId, request.getBytes(StandardCharsets.UTF_8), Map.of(), Optional.empty())
        .reply();
  }

  private static String request(String id, String operation, String rest) {
    return EntitySyncRequests.request(id, operation, EntitySyncRequests.entity("notes"), rest);
  }

  private static void assertNotFound(JsonNode reply) {
    assertThat(reply.path("error").path("code").asText())
        .as(reply.toString())
        .isEqualTo("not_found");
  }

  private static List<Integer> ids(JsonNode reply) {
    List<Integer> ids = new ArrayList<>();
    reply.path("data").forEach(row -> ids.add(row.path("id").asInt()));
    return ids;
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aTenantSeesAndChangesOnlyRowsOfExactlyItsName(String database) throws Exception {
    RequestProcessor processor = processor(database);
    assertThat(ids(send(processor, "acme-dev", request("r1", "read", "")))).containsExactly(1);
    assertThat(ids(send(processor, "ACME-dev", request("r1", "read", "")))).containsExactly(2);
    JsonNode foreign = send(processor, "acme-dev", request("r2", "read", "\"record_id\":2"));
    assertNotFound(foreign);
    JsonNode update =
        send(
            processor,
            "acme-dev",
            request("u1", "update", "\"record_id\":2,\"data\":{\"body\":\"taken over\"}"));
    assertNotFound(update);
    JsonNode delete = send(processor, "acme-dev", request("d1", "delete", "\"record_id\":3"));
    assertNotFound(delete);
    JsonNode filtered =
        send(
            processor,
            "acme-dev",
            request(
                "r3",
                "read",
                "\"options\":{\"filters\":[{\"column\":\"tenant_id\",\"operator\":\"in\",\"value\":[\"ACME\",\"acme \"]}]}"));
    assertThat(ids(filtered)).as("the tenant condition still applies").isEmpty();

    // Two client ids that differ only in case use the same request id for different writes: both
    // run, each gets its own reply (a case-insensitive state table would answer the second with the
    // first's reply, or refuse it).
    JsonNode lower =
        send(
            processor,
            "acme-dev",
            request(
                "w1",
                "create",
                "\"data\":{\"id\":10,\"tenant_id\":\"acme\",\"body\":\"from acme-dev\"}"));
    JsonNode upper =
        send(
            processor,
            "ACME-dev",
            request(
                "w1",
                "create",
                "\"data\":{\"id\":11,\"tenant_id\":\"ACME\",\"body\":\"from ACME-dev\"}"));
    assertThat(lower.path("data").path("id").asInt()).as(lower.toString()).isEqualTo(10);
    assertThat(upper.path("data").path("id").asInt()).as(upper.toString()).isEqualTo(11);
    assertThat(ids(send(processor, "acme-dev", request("r4", "read", "")))).containsExactly(1, 10);
    assertThat(ids(send(processor, "ACME-dev", request("r4", "read", "")))).containsExactly(2, 11);
  }
}
