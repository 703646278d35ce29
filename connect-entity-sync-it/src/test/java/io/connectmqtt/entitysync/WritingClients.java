package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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

  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger unavailable = new AtomicInteger();
  private final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
  private final ExecutorService threads;
  private final List<Future<?>> clients = new ArrayList<>();
  private final Duration replyTimeout;

  /** {@code count} clients {@code cidPrefix0}, ... on the broker at {@code port}, started. */
  WritingClients(int port, String cidPrefix, int count, Duration replyTimeout) {
    this.replyTimeout = replyTimeout;
    threads = Executors.newFixedThreadPool(count);
    for (int c = 0; c < count; c++) {
      String cid = cidPrefix + c;
      clients.add(threads.submit(() -> write(port, cid)));
    }
  }

  private void write(int port, String cid) {
    try (ProtocolClient client = new ProtocolClient(port, "spec", cid)) {
      int seq = 0;
      while (!stop.get()) {
        String id = "o" + seq;
        JsonNode reply = client.send(create(cid, seq, id), id, replyTimeout);
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

  /** Creates answered with success so far. */
  int created() {
    return created.get();
  }

  /** Replies {@code unavailable} so far (each request sent again). */
  int unavailable() {
    return unavailable.get();
  }

  /** Replies other than success and unavailable, and requests not answered in time. */
  Queue<String> unexpected() {
    return unexpected;
  }

  /**
   * Waits up to 90 s until {@code more} creates than now are answered with success, or until a
   * reply is unexpected.
   */
  void awaitCreated(String when, int more) {
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
  static Set<String> rowKeys(Sql.Database database) throws SQLException {
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

  /** The distinct keys of {@code events}. */
  static Set<String> keys(List<ConsumerRecord<byte[], byte[]>> events) {
    Set<String> keys = new HashSet<>();
    events.forEach(e -> keys.add(new String(e.key(), StandardCharsets.UTF_8)));
    return keys;
  }

  /** Stops after each client's request in flight is answered (or its timeout passed). */
  void stop() throws Exception {
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
