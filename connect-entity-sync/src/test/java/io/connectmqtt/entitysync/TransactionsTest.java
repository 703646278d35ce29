package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A transaction on a connection the database dropped: the failure that happened is thrown, not the
 * closed connection's errors that follow it.
 */
class TransactionsTest {

  /**
   * A connection like HikariCP's after a lost connection: once a statement failed, the calls named
   * in {@code failingMethods} (a method, or {@code setAutoCommit(true)}) throw "Connection is
   * closed" without a SQLState.
   */
  private static Connection droppedDuring(Set<String> failingMethods) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              String call =
                  method.getName().equals("setAutoCommit")
                      ? "setAutoCommit(" + args[0] + ")"
                      : method.getName();
              if (failingMethods.contains(call)) {
                throw new SQLException("Connection is closed");
              }
              return null;
            });
  }

  @Test
  void theLostConnectionIsThrownNotTheFailedRollback() {
    Connection connection = droppedDuring(Set.of("rollback"));
    assertThatThrownBy(
            () ->
                Transactions.run(
                    connection,
                    () -> {
                      throw new SQLException("An I/O error occurred", "08006");
                    }))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("08006");
              assertThat(e.getSuppressed()).hasSize(1);
            });
  }

  @Test
  void theLostConnectionIsThrownNotTheFailedResetOfAutoCommit() {
    Connection connection = droppedDuring(Set.of("rollback", "setAutoCommit(true)"));
    assertThatThrownBy(
            () ->
                Transactions.run(
                    connection,
                    () -> {
                      throw new SQLException("terminating connection", "57P01");
                    }))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("57P01");
              assertThat(e.getSuppressed()).hasSize(2);
            });
  }

  @Test
  void aCommittedTransactionIsNotReportedFailedWhenOnlyTheResetFails() throws Exception {
    boolean[] resetOnce = {false};
    Connection connection =
        (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("setAutoCommit") && (Boolean) args[0]) {
                    resetOnce[0] = true;
                    throw new SQLException("Connection is closed");
                  }
                  return null;
                });
    assertThat(Transactions.run(connection, () -> "committed")).isEqualTo("committed");
    assertThat(resetOnce[0]).isTrue();
  }
}
