package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MariaDbDatabase;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The database crashes while clients' writes are being served, stays down for a few seconds and
 * comes back. Every request gets a reply in bounded time, during the outage {@code unavailable},
 * which the protocol lets a client send again under the same id; none is applied twice (a row per
 * (client, seq), so a second insert would be a conflict), none is lost, each row has its change
 * event in Kafka, and the task serves again without a restart.
 *
 * <p>The crash: PostgreSQL's immediate shutdown (every backend ends at once, without a checkpoint)
 * and MariaDB's SIGKILL; each recovers from its log at the next start. A commit whose answer the
 * crash cut off is the case the request ids are for: the task cannot know whether it happened and
 * replies {@code unavailable}; the client's second send finds the id recorded with the row and gets
 * the recorded reply. The clients are {@link WritingClients}.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; HiveMQ
 * and the database are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class DatabaseCrashIT {

  /**
   * Longer than a request waits for a connection (10 s): a request in that wait is answered {@code
   * unavailable}, and sent again.
   */
  private static final Duration OUTAGE = Duration.ofSeconds(15);

  /** Longer than the pool's wait for a connection and a statement's timeout (10 s each). */
  private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(60);

  /** A step of a database's crash: its crash, its start again. */
  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  /** The database under test: what the connector needs, and how it crashes and comes back. */
  private record Target(
      String name,
      String jdbcUrl,
      String user,
      String password,
      Sql.Database connections,
      String idColumn,
      Step crash,
      Step startAgain) {}

  @Test
  void writesDuringAPostgreSqlCrashAreAnsweredAndNoneIsLostOrAppliedTwice() throws Exception {
    try (PostgresDatabase postgres = PostgresDatabase.start()) {
      writesDuringACrash(
          new Target(
              "postgresql",
              postgres.jdbcUrl(),
              "postgres",
              null,
              postgres::connection,
              "bigserial primary key",
              postgres::crash,
              postgres::startAgain));
    }
  }

  @Test
  void writesDuringAMariaDbCrashAreAnsweredAndNoneIsLostOrAppliedTwice() throws Exception {
    try (MariaDbDatabase mariadb = MariaDbDatabase.start("public")) {
      writesDuringACrash(
          new Target(
              "mariadb",
              mariadb.jdbcUrl("public"),
              mariadb.user(),
              mariadb.password(),
              () -> mariadb.connection("public"),
              "bigint auto_increment primary key",
              mariadb::crash,
              mariadb::startAgain));
    }
  }

  private void writesDuringACrash(Target database) throws Exception {
    ConnectStack stack = SharedFixtures.connectStack();
    String connector = "crash-" + database.name();
    String changes = connector + "-changes";
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose(connector)) {
      stack.topics().create(changes, 1);
      WritingClients.createOrders(database.connections(), database.idColumn());
      Map<String, String> config =
          OpenEntitySync.config(hivemq.uri(), database.jdbcUrl(), database.user(), "public.orders");
      if (database.password() != null) {
        config.put("database.password", database.password());
      }
      config.put("entity.sync.changes.topic", changes);
      int[] createdAtCrash = new int[1];
      int[] createdDuringOutage = new int[1];
      Duration[] pingAnswered = new Duration[1];
      WritingClients clients =
          WritingClients.onServed(
              stack.rest(), connector, config, hivemq.port(), REPLY_TIMEOUT, REPLY_TIMEOUT, false);
      Duration firstCreate;
      try (clients) {
        firstCreate =
            clients.across(
                () -> {
                  database.crash().run();
                  createdAtCrash[0] = clients.created();
                  long pingSent = System.nanoTime();
                  try (ProtocolClient pinger =
                      new ProtocolClient(hivemq.port(), "spec", connector + "-pinger")) {
                    assertThat(pinger.pings("while-away", Duration.ofSeconds(30)))
                        .as("a ping answered while the database is away")
                        .isTrue();
                  }
                  pingAnswered[0] = Duration.ofNanos(System.nanoTime() - pingSent);
                  // Why a fixed wait: the outage is this long by design, longer than a request
                  // waits for a connection; the clients go on sending and count the replies.
                  Thread.sleep(OUTAGE.toMillis());
                  createdDuringOutage[0] = clients.created() - createdAtCrash[0];
                  database.startAgain().run();
                });
      }
      System.out.printf(
          "%s crash: %d creates before it, %d during the %d-s outage, a ping answered %d ms after"
              + " it was sent during the outage, first create %d ms after the restart%n",
          database.name(),
          createdAtCrash[0],
          createdDuringOutage[0],
          OUTAGE.toSeconds(),
          pingAnswered[0].toMillis(),
          firstCreate.toMillis());
      clients.assertEachCreateAppliedOnceWithItsEvent(
          database.connections(), stack.topics(), changes);
      assertThat(clients.unavailable())
          .as("unavailable replies while the database was away")
          .isPositive();
      assertThat(stack.rest().taskState(connector)).isEqualTo("RUNNING");
    }
  }
}
