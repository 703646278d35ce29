package io.connectmqtt.entitysync;

import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.SQLException;

/** Work in one transaction on a connection that is otherwise in auto-commit. */
final class Transactions {

  /** The work of one transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws SQLException, ProtocolException;
  }

  private Transactions() {}

  /** Runs {@code work} and commits, or rolls back on any failure; auto-commit again after. */
  static <T> T run(Connection connection, Work<T> work) throws SQLException, ProtocolException {
    connection.setAutoCommit(false);
    try {
      T result = work.run();
      connection.commit();
      return result;
    } catch (SQLException | ProtocolException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }
}
