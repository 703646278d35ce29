package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The database fixtures the entity-sync tests run on: a real PostgreSQL with logical decoding, H2,
 * and Debian's MariaDB server, each started once for the class.
 */
class DatabaseFixturesIT {

  private static ThreeDatabases databases;

  @BeforeAll
  static void start() {
    databases = ThreeDatabases.start("fixture");
  }

  @AfterAll
  static void stop() {
    if (databases != null) {
      databases.close();
    }
  }

  static Stream<String> databases() {
    return ThreeDatabases.names();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void eachDatabaseKeepsRowsAcrossConnections(String database) throws Exception {
    String table = "kept_" + database;
    try (Connection connection = databases.connection(database);
        Statement statement = connection.createStatement()) {
      statement.execute("create table " + table + " (id int primary key, name varchar(20))");
      statement.execute("insert into " + table + " values (1, 'a'), (2, 'b')");
    }
    try (Connection connection = databases.connection(database);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select name from " + table + " order by id")) {
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("a");
      assertThat(rows.next()).isTrue();
      assertThat(rows.getString(1)).isEqualTo("b");
      assertThat(rows.next()).isFalse();
    }
  }

  @Test
  void postgresRunsWithLogicalDecoding() throws Exception {
    try (Connection connection = databases.postgres().connection();
        Statement statement = connection.createStatement();
        ResultSet wal = statement.executeQuery("show wal_level")) {
      wal.next();
      assertThat(wal.getString(1)).isEqualTo("logical");
    }
    assertThat(databases.postgres().jdbcUrl()).startsWith("jdbc:postgresql://");
  }

  @Test
  void mariadbRunsAsDebianShipsItWithAPasswordUserOnLoopback() throws Exception {
    MariaDbDatabase server = databases.mariadb();
    assertThat(server.version()).contains("MariaDB");
    assertThat(server.jdbcUrl("fixture"))
        .isEqualTo("jdbc:mariadb://127.0.0.1:" + server.port() + "/fixture");
    try (Connection connection = server.connection("fixture");
        Statement statement = connection.createStatement();
        ResultSet rows =
            statement.executeQuery(
                "select @@character_set_server, @@collation_server, "
                    + "@@bind_address, current_user(), 'a' = 'A'")) {
      rows.next();
      assertThat(rows.getString(1)).isEqualTo("utf8mb4");
      assertThat(rows.getString(2))
          .as("a case-insensitive default, as users have")
          .isEqualTo("utf8mb4_general_ci");
      assertThat(rows.getString(3)).isEqualTo("127.0.0.1");
      assertThat(rows.getString(4)).isEqualTo(server.user() + "@127.0.0.1");
      assertThat(rows.getBoolean(5)).isTrue();
    }
    assertThatThrownBy(
            () -> DriverManager.getConnection(server.jdbcUrl("fixture"), server.user(), "wrong"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("Access denied");
    assertThatThrownBy(() -> DriverManager.getConnection(server.jdbcUrl("fixture"), "root", ""))
        .as("no password-less root over TCP")
        .isInstanceOf(SQLException.class);
    System.err.println(
        "MariaDB " + server.version() + " started in " + server.startMillis() + " ms");
  }
}
