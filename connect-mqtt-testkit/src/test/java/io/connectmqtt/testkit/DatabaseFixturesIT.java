package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The database fixtures later issues build on: a real PostgreSQL with logical decoding, and H2. */
class DatabaseFixturesIT {

  @Test
  void postgresRunsWithLogicalDecoding() throws Exception {
    try (PostgresDatabase postgres = PostgresDatabase.start();
        Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute("create table t (id serial primary key, name text)");
      statement.execute("insert into t (name) values ('a'), ('b')");
      try (ResultSet rows = statement.executeQuery("select count(*) from t")) {
        rows.next();
        assertThat(rows.getInt(1)).isEqualTo(2);
      }
      try (ResultSet wal = statement.executeQuery("show wal_level")) {
        wal.next();
        assertThat(wal.getString(1)).isEqualTo("logical");
      }
      assertThat(postgres.jdbcUrl()).startsWith("jdbc:postgresql://");
    }
  }

  @Test
  void h2KeepsItsDataWhileOpen() throws Exception {
    try (H2Database h2 = H2Database.start("fixture")) {
      try (Connection connection = h2.connection(); Statement statement = connection.createStatement()) {
        statement.execute("create table t (id int primary key)");
        statement.execute("insert into t values (1)");
      }
      try (Connection connection = h2.connection(); Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("select count(*) from t")) {
        rows.next();
        assertThat(rows.getInt(1)).isEqualTo(1);
      }
    }
  }
}
