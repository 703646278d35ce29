package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MariaDbDatabase;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The database crashes while clients' writes are being served, stays down for a few seconds and
 * comes back. Every request gets a reply in bounded time, during the outage {@code unavailable},
 * which the protocol lets a client send again under the same id; none is applied twice (a row per
 * (client, seq), so a second insert would be a conflict), none is lost, each row has its change
 * event in Kafka, and the task serves again without a restart.
 *
 * <p>The crash is PostgreSQL's immediate shutdown: every backend ends at once, without a
 * checkpoint, and the server recovers from its log at the next start, as after a power cut. A
 * commit whose answer the crash cut off is the case the request ids are for: the task cannot know
 * whether it happened and replies {@code unavailable}; the client's second send finds the id
 * recorded with the row and gets the recorded reply.
 *
 * <p>Kafka and the worker are the module's in-process {@link SharedFixtures#connectStack()}; HiveMQ
 * and PostgreSQL are the test's own.
 */
@ExtendWith(SharedFixtures.class)
class DatabaseCrashIT {

  private static final int CLIENTS = 4;

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
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    String connector = "crash-" + database.name();
    String changes = connector + "-changes";
    try (HiveMqBroker hivemq = HiveMqBroker.start();
        ConnectRest.Deletion deleted = stack.rest().deletingOnClose(connector)) {
      stack.topics().create(changes, 1);
      Sql.execute(
          database.connections(),
          "create table public.orders (id "
              + database.idColumn()
              + ", client varchar(50) not null, seq integer not null, unique (client, seq))");
      Map<String, String> config =
          OpenEntitySync.config(hivemq.uri(), database.jdbcUrl(), database.user(), "public.orders");
      if (database.password() != null) {
        config.put("database.password", database.password());
      }
      config.put("entity.sync.changes.topic", changes);
      OpenEntitySync.startServed(
          stack.rest(), connector, config, 1, hivemq.port(), "spec", connector + "-probe");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger created = new AtomicInteger();
      AtomicInteger unavailable = new AtomicInteger();
      AtomicLong firstCreatedAfterRestart = new AtomicLong();
      AtomicLong restartedAt = new AtomicLong(Long.MAX_VALUE);
      Queue<String> unexpected = new ConcurrentLinkedQueue<>();
      List<Future<?>> clients = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        String cid = connector + "-client-" + c;
        clients.add(
            pool.submit(
                () -> {
                  try (ProtocolClient client = new ProtocolClient(hivemq.port(), "spec", cid)) {
                    int seq = 0;
                    while (!stop.get()) {
                      String id = "o" + seq;
                      JsonNode reply = client.send(create(cid, seq, id), id, REPLY_TIMEOUT);
                      if (reply == null) {
                        unexpected.add(cid + "/" + id + ": no reply within " + REPLY_TIMEOUT);
                        return;
                      }
                      if (reply.path("success").asBoolean()) {
                        created.incrementAndGet();
                        if (System.nanoTime() > restartedAt.get()) {
                          firstCreatedAfterRestart.compareAndSet(0, System.nanoTime());
                        }
                        seq++;
                      } else if ("unavailable".equals(reply.path("error").path("code").asText())) {
                        // The protocol's answer to unavailable: the same request again, same id.
                        unavailable.incrementAndGet();
                      } else {
                        unexpected.add(cid + "/" + id + ": " + reply);
                        seq++;
                      }
                    }
                  }
                }));
      }
      Awaitility.await("creates served before the crash")
          .atMost(Duration.ofSeconds(60))
          .until(() -> created.get() >= 200 || !unexpected.isEmpty());
      database.crash().run();
      int createdAtCrash = created.get();
      // The outage: requests keep coming while the database is away; the clients count the replies.
      Thread.sleep(OUTAGE.toMillis());
      int createdDuringOutage = created.get() - createdAtCrash;
      database.startAgain().run();
      long restart = System.nanoTime();
      restartedAt.set(restart);
      Awaitility.await("creates served again after the restart")
          .atMost(Duration.ofSeconds(90))
          .until(() -> created.get() >= createdAtCrash + createdDuringOutage + 200);
      stop.set(true);
      for (Future<?> client : clients) {
        client.get(2 * REPLY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }

      Set<String> rowKeys = new HashSet<>();
      try (Connection connection = database.connections().connection();
          ResultSet ids =
              connection.createStatement().executeQuery("select id from public.orders")) {
        while (ids.next()) {
          rowKeys.add("public.orders:" + ids.getLong(1));
        }
      }
      long rows = rowKeys.size();
      List<ConsumerRecord<byte[], byte[]>> events =
          stack.topics().readAll(changes, rows, Duration.ofSeconds(60));
      Set<String> keys = new HashSet<>();
      events.forEach(e -> keys.add(new String(e.key(), StandardCharsets.UTF_8)));
      System.out.printf(
          "%s crash: %d creates before it, %d during the %d-s outage, %d unavailable replies"
              + " (each sent again), first create %d ms after the restart; %d rows, %d change"
              + " events for %d rows (%d duplicates)%n",
          database.name(),
          createdAtCrash,
          createdDuringOutage,
          OUTAGE.toSeconds(),
          unavailable.get(),
          TimeUnit.NANOSECONDS.toMillis(firstCreatedAfterRestart.get() - restart),
          rows,
          events.size(),
          keys.size(),
          events.size() - keys.size());
      assertThat(unexpected)
          .as("replies other than success and unavailable, or requests not answered")
          .isEmpty();
      assertThat(unavailable.get())
          .as("unavailable replies while the database was away")
          .isPositive();
      assertThat(rows).as("rows: one per successful create").isEqualTo(created.get());
      assertThat(keys).as("the rows of the change events").isEqualTo(rowKeys);
      assertThat(stack.rest().status(connector).path("tasks").get(0).path("state").asText())
          .isEqualTo("RUNNING");
    } finally {
      pool.shutdownNow();
    }
  }

  private static String create(String cid, int seq, String id) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"orders\","
        + "\"data\":{\"client\":\""
        + cid
        + "\",\"seq\":"
        + seq
        + "}}";
  }
}
