package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

/**
 * Clients that each send creates of rows {@code (client, seq)} of {@code orders} one after another,
 * each once the reply to the one before came, as an application would, and count what comes back. A
 * create answered {@code unavailable} is sent again under the same id, as the protocol allows; any
 * other error, or no reply within the timeout, is recorded as unexpected (and a client without a
 * reply stops).
 */
final class WritingClients implements AutoCloseable {

  /** How many clients {@link #onServed} starts. */
  private static final int CLIENTS = 4;

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger unavailable = new AtomicInteger();
  private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final ExecutorService threads;
  private final List<Future<?>> clients = new ArrayList<>();
  private final AtomicInteger resent = new AtomicInteger();
  private final Duration replyTimeout;
  private final Duration resendAfter;

  /**
   * {@code count} clients {@code cidPrefix0}, ... on the broker at {@code port}, started;
   * reconnecting ones ({@link ProtocolClient#reconnecting}) if {@code reconnecting}.
   */
  private WritingClients(
      int port,
      String cidPrefix,
      int count,
      Duration resendAfter,
      Duration replyTimeout,
      boolean reconnecting) {
    this.replyTimeout = replyTimeout;
    this.resendAfter = resendAfter;
    threads = Executors.newFixedThreadPool(count);
    for (int c = 0; c < count; c++) {
      String cid = cidPrefix + c;
      clients.add(
          threads.submit(
              () -> {
                try (ProtocolClient client =
                    reconnecting
                        ? ProtocolClient.reconnecting(port, "spec", cid)
                        : new ProtocolClient(port, "spec", cid)) {
                  write(client, cid);
                } catch (RuntimeException e) {
                  unexpected.add(cid + ": " + e);
                }
              }));
    }
  }

  private void write(ProtocolClient client, String cid) {
    int seq = 0;
    while (!stop.get()) {
      String id = "o" + seq;
      long deadline = System.nanoTime() + replyTimeout.toNanos();
      JsonNode reply =
          client.send(RequestClients.createRequest(cid, id, "orders", seq), id, resendAfter);
      while (reply == null && System.nanoTime() < deadline) {
        resent.incrementAndGet();
        reply = client.send(RequestClients.createRequest(cid, id, "orders", seq), id, resendAfter);
      }
      if (reply == null) {
        unexpected.add(cid + "/" + id + ": no reply within " + replyTimeout);
        return;
      }
      if (reply.path("success").asBoolean()) {
        created.incrementAndGet();
        seq++;
      } else if ("unavailable".equals(reply.path("error").path("code").asText())) {
        unavailable.incrementAndGet();
      } else {
        unexpected.add(cid + "/" + id + ": " + reply);
        seq++;
      }
    }
  }

  /** Creates answered with success so far. */
  int created() {
    return created.get();
  }

  /**
   * Starts entity sync {@code connector} with {@code config}, waits until it answers a ping on the
   * broker at {@code port}, and starts {@link #CLIENTS} clients {@code connector-client-0}, ...
   * writing through it.
   */
  static WritingClients onServed(
      ConnectRest rest,
      String connector,
      Map<String, String> config,
      int port,
      Duration resendAfter,
      Duration replyTimeout,
      boolean reconnecting) {
    OpenEntitySync.startServed(rest, connector, config, 1, port, "spec", connector + "-probe");
    return new WritingClients(
        port, connector + "-client-", CLIENTS, resendAfter, replyTimeout, reconnecting);
  }

  /** An outage of a component: it goes away and comes back before the step returns. */
  @FunctionalInterface
  interface Outage {
    void run() throws Exception;
  }

  /**
   * Runs {@code outage} once 200 creates were answered, waits until 200 more are, and stops the
   * clients; returns how long after {@code outage} returned the first create was answered.
   */
  Duration across(Outage outage) throws Exception {
    awaitCreated("before the outage", 200);
    outage.run();
    long back = System.nanoTime();
    awaitCreated("after the outage", 1);
    Duration firstCreate = Duration.ofNanos(System.nanoTime() - back);
    awaitCreated("after the outage", 200);
    stop();
    return firstCreate;
  }

  /**
   * What every outage test asserts once the clients stopped: no reply but success and {@code
   * unavailable}, every request answered, a row per successful create (none applied twice), and
   * each row's change event in {@code changesTopic}; the counts are printed first, duplicate events
   * included.
   */
  void assertEachCreateAppliedOnceWithItsEvent(
      Sql.Database database, KafkaTopics topics, String changesTopic) throws SQLException {
    Set<String> rowKeys = rowKeys(database);
    List<ConsumerRecord<byte[], byte[]>> events =
        topics.readAll(changesTopic, rowKeys.size(), Duration.ofSeconds(60));
    Set<String> eventKeys = new HashSet<>();
    events.forEach(e -> eventKeys.add(new String(e.key(), StandardCharsets.UTF_8)));
    System.out.printf(
        "%d creates answered with success (%d sent again after no reply, %d after unavailable);"
            + " %d rows, %d change events for %d rows (%d duplicates)%n",
        created.get(),
        resent.get(),
        unavailable.get(),
        rowKeys.size(),
        events.size(),
        eventKeys.size(),
        events.size() - eventKeys.size());
    assertThat(unexpected)
        .as("replies other than success and unavailable, or requests never answered")
        .isEmpty();
    assertThat(rowKeys).as("rows: one per successful create").hasSize(created.get());
    assertThat(eventKeys).as("the rows of the change events").isEqualTo(rowKeys);
  }

  /** Replies {@code unavailable} so far (each request sent again). */
  int unavailable() {
    return unavailable.get();
  }

  /**
   * Waits up to 90 s until {@code more} creates than now are answered with success, or until a
   * reply is unexpected.
   */
  private void awaitCreated(String when, int more) {
    int target = created.get() + more;
    Awaitility.await(more + " creates served " + when)
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> created.get() >= target || !unexpected.isEmpty());
  }

  /** Creates the table the clients write, one row per (client, seq), with {@code idColumn}. */
  static void createOrders(Sql.Database database, String idColumn) throws SQLException {
    Sql.execute(
        database,
        "create table public.orders (id "
            + idColumn
            + ", client varchar(50) not null, seq integer not null, unique (client, seq))");
  }

  /** The change-event keys of the rows in the table. */
  private static Set<String> rowKeys(Sql.Database database) throws SQLException {
    Set<String> keys = new HashSet<>();
    try (Connection connection = database.connection();
        Statement statement = connection.createStatement();
        ResultSet ids = statement.executeQuery("select id from public.orders")) {
      while (ids.next()) {
        keys.add("public.orders:" + ids.getLong(1));
      }
    }
    return keys;
  }

  /** Stops after each client's request in flight is answered (or its timeout passed). */
  private void stop() throws Exception {
    stop.set(true);
    for (Future<?> client : clients) {
      client.get(2 * replyTimeout.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    stop.set(true);
    threads.shutdownNow();
  }
}
