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

  /**
   * Rolls back after {@code failure}, which the caller throws next; a failed rollback is added to
   * it as suppressed. A failure that broke the connection (the database crashed or restarted) makes
   * the rollback fail too: HikariCP closes a connection on such an error, and every later call on
   * it throws "Connection is closed" without a SQLState. Thrown instead, that would hide the
   * failure that happened (a lost connection, which the client may retry: {@code unavailable})
   * behind an unknown error.
   */
  static void rollbackAfter(Connection connection, Exception failure) {
    try {
      connection.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  /**
   * Runs {@code work} and commits, or rolls back on any failure and throws that failure;
   * auto-commit again after. Failures of the rollback and the reset come second, as in {@link
   * #rollbackAfter(Connection, Exception)}.
   */
  static <T> T run(Connection connection, Work<T> work) throws SQLException, ProtocolException {
    connection.setAutoCommit(false);
    Throwable failure = null;
    try {
      T result = work.run();
      connection.commit();
      return result;
    } catch (SQLException | ProtocolException | RuntimeException e) {
      failure = e;
      rollbackAfter(connection, e);
      throw e;
    } finally {
      try {
        connection.setAutoCommit(true);
      } catch (SQLException resetFailure) {
        // Only a broken connection fails here, and the pool drops it rather than lend it again.
        // After a commit, throwing would report a write that happened as failed.
        if (failure != null) {
          failure.addSuppressed(resetFailure);
        }
      }
    }
  }
}
