package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Entity sync reads, writes and subscribes per second, and latency from request publish to reply
 * receipt, with 1, 10 and 50 concurrent clients, each sending its next request when the previous
 * reply arrived (closed loop), on PostgreSQL whose subscriptions table holds other clients'
 * subscriptions too; subscribes once more without the table's index by client, as before it.
 */
public final class EntitySyncBenchmark {

  record Result(
      String name,
      int clients,
      long requests,
      double seconds,
      double p50,
      double p99,
      long errors) {
    double rate() {
      return requests / seconds;
    }
  }

  /** The request a client sends with id {@code id} as its {@code seq}-th of a phase. */
  interface Requests {
    String next(String id, long seq);
  }

  private static final Requests READS =
      (id, seq) ->
          "{\"id\":\""
              + id
              + "\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"items\","
              + "\"record_id\":"
              + (1 + ThreadLocalRandom.current().nextInt(10_000))
              + "}";

  private static final Requests WRITES =
      (id, seq) ->
          "{\"id\":\""
              + id
              + "\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"items\","
              + "\"data\":{\"name\":\""
              + id
              + "\",\"price\":"
              + seq
              + "}}";

  /** A new subscription each time: a filter on the row's name, as a client watching one item. */
  private static final Requests SUBSCRIBES =
      (id, seq) ->
          "{\"id\":\""
              + id
              + "\",\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"items\","
              + "\"options\":{\"filters\":[{\"column\":\"name\",\"operator\":\"eq\","
              + "\"value\":\"item-"
              + seq
              + "\"}]}}";

  private final int seconds;
  private final int warmupSeconds;
  private final int tasks;
  private final int otherSubscriptions;
  private final List<String> operations;
  private final List<Integer> clientCounts;
  private int phases;

  private EntitySyncBenchmark(Map<String, String> options) {
    seconds = Integer.parseInt(options.getOrDefault("seconds", "10"));
    warmupSeconds = Integer.parseInt(options.getOrDefault("warmup-seconds", "20"));
    tasks = Integer.parseInt(options.getOrDefault("tasks", "1"));
    otherSubscriptions = Integer.parseInt(options.getOrDefault("subscriptions", "100000"));
    operations =
        List.of(
            options
                .getOrDefault("operations", "echo,reads,writes,subscribes,reads-beside-a-lock")
                .split(","));
    clientCounts =
        Arrays.stream(options.getOrDefault("clients", "1,10,50").split(","))
            .map(Integer::valueOf)
            .toList();
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args, "docs/benchmarks.md", options -> new EntitySyncBenchmark(options)::run);
  }

  /** One client in a closed loop: request, wait for the reply, next request. */
  private static final class LoopClient {
    final Mqtt5AsyncClient client;
    final String cid;
    volatile String prefix = "spec";
    volatile CompletableFuture<byte[]> pending;

    LoopClient(int port, String cid) {
      this.cid = cid;
      client = MqttClients.builder(cid, port).useMqttVersion5().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> {
            CompletableFuture<byte[]> waiting = pending;
            if (waiting != null) {
              waiting.complete(p.getPayloadAsBytes());
            }
          });
      client.connect().join();
      client
          .subscribeWith()
          .topicFilter("spec/" + cid + "/response")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .join();
      client
          .subscribeWith()
          .topicFilter("echo/" + cid + "/response")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .join();
    }

    byte[] call(String request) throws Exception {
      pending = new CompletableFuture<>();
      client
          .publishWith()
          .topic(prefix + "/" + cid + "/request")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(request.getBytes(StandardCharsets.UTF_8))
          .send();
      return pending.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The request/reply ceiling of this broker and machine: a responder in this JVM that answers
   * every request on echo/+/request at once (QoS 1, like the connector), with no database and no
   * Kafka.
   */
  private static Mqtt5AsyncClient echoResponder(int port) {
    Mqtt5AsyncClient responder =
        MqttClients.builder("bench-echo", port).useMqttVersion5().buildAsync();
    responder.connectWith().restrictions().receiveMaximum(1000).applyRestrictions().send().join();
    responder
        .subscribeWith()
        .topicFilter("echo/+/request")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(
            request -> {
              String cid = request.getTopic().getLevels().get(1);
              responder
                  .publishWith()
                  .topic("echo/" + cid + "/response")
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(request.getPayloadAsBytes())
                  .send();
            })
        .send()
        .join();
    return responder;
  }

  /**
   * Reads, writes and subscribes from 10 clients of their own for {@link #warmupSeconds} each, not
   * measured: the worker's and the broker's JIT compile the request path over the first tens of
   * thousands of requests, and a phase measured before that (as every phase of this benchmark was
   * until 2026-12-05) shows the compiler, not the connector: whatever phase came later looked
   * faster. Clients of their own, so that the measured clients' subscribes do not count the
   * warm-up's subscriptions against their quota.
   */
  private void warmUp(int port) throws Exception {
    if (warmupSeconds <= 0) {
      return;
    }
    List<LoopClient> clients = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      clients.add(new LoopClient(port, "bench-warm-up-" + n));
    }
    for (Map.Entry<String, Requests> operation :
        List.of(
            Map.entry("reads", READS),
            Map.entry("writes", WRITES),
            Map.entry("subscribes", SUBSCRIBES))) {
      phase(clients, "warm-up: " + operation.getKey(), operation.getValue(), warmupSeconds);
    }
    clients.forEach(c -> c.client.disconnect().join());
  }

  private Result echoPhase(List<LoopClient> clients) throws Exception {
    clients.forEach(c -> c.prefix = "echo");
    try {
      return phase(clients, "echo", READS, seconds);
    } finally {
      clients.forEach(c -> c.prefix = "spec");
    }
  }

  /**
   * Reads while another client's update waits for a row lock that a transaction outside holds,
   * again and again until each is cancelled by the statement timeout: what one slow request does to
   * every other client's.
   */
  private Result readsBesideAWaitingUpdate(
      List<LoopClient> clients, PostgresDatabase postgres, int port) throws Exception {
    LoopClient waiter = new LoopClient(port, "bench-waiter-" + clients.size());
    AtomicBoolean running = new AtomicBoolean(true);
    try (Connection locker = postgres.connection();
        Statement lock = locker.createStatement()) {
      locker.setAutoCommit(false);
      lock.executeQuery("select * from public.items where id = 1 for update").close();
      CompletableFuture<Void> updates =
          CompletableFuture.runAsync(
              () -> {
                for (long seq = 0; running.get(); seq++) {
                  try {
                    waiter.call(
                        "{\"id\":\"wait-"
                            + phases
                            + "-"
                            + seq
                            + "\",\"type\":\"request\",\"operation\":\"update\","
                            + "\"entity\":\"items\",\"record_id\":1,\"data\":{\"price\":1}}");
                  } catch (Exception e) {
                    return;
                  }
                }
              });
      Thread.sleep(300);
      try {
        return phase(clients, "reads beside an update waiting for a lock", READS, seconds);
      } finally {
        running.set(false);
        locker.rollback();
        updates.get(30, TimeUnit.SECONDS);
        waiter.client.disconnect().join();
      }
    }
  }

  private Result phase(List<LoopClient> clients, String name, Requests requests, int seconds)
      throws Exception {
    // Request ids unique over the run: an id used again would be answered from the replay store.
    int phaseNumber = ++phases;
    Histogram latency = new Histogram();
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<CompletableFuture<Void>> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (LoopClient client : clients) {
      loops.add(
          CompletableFuture.runAsync(
              () -> {
                long seq = 0;
                while (System.nanoTime() < end) {
                  String id = phaseNumber + "-" + client.cid + "-" + seq;
                  String request = requests.next(id, seq);
                  long sent = System.nanoTime();
                  try {
                    String reply = new String(client.call(request), StandardCharsets.UTF_8);
                    if (!name.equals("echo") && !reply.contains("\"success\":true")) {
                      errors.incrementAndGet();
                    }
                    latency.record((System.nanoTime() - sent) / 1_000);
                    done.incrementAndGet();
                  } catch (Exception e) {
                    errors.incrementAndGet();
                  }
                  seq++;
                }
              }));
    }
    loops.forEach(CompletableFuture::join);
    Result result =
        new Result(
            name,
            clients.size(),
            done.get(),
            (System.nanoTime() - start) / 1e9,
            latency.percentileMillis(50),
            latency.percentileMillis(99),
            errors.get());
    System.out.printf(
        Locale.ROOT,
        "%-10s %3d clients: %7d requests in %5.1f s = %7.0f/s, p50 %6.2f ms, p99 %7.2f ms,"
            + " errors %d%n",
        name,
        result.clients(),
        result.requests(),
        result.seconds(),
        result.rate(),
        result.p50(),
        result.p99(),
        result.errors());
    return result;
  }

  /**
   * Subscriptions of other clients in the subscriptions table, as a deployment with many clients
   * has: what a lookup by client must not scan.
   */
  private void addOtherClientsSubscriptions(PostgresDatabase postgres) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "insert into public.entity_sync_requests_subscriptions (subscription_id, client_id,"
              + " schema_name, entity, created_at, definition, expires_at) select 'other-' || g,"
              + " 'other-client-' || (g % 10000), 'public', 'items', now(), '{}', null from"
              + " generate_series(1, "
              + otherSubscriptions
              + ") g");
    }
  }

  private void run(Path reportFile, String arguments) throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.startForPublishers(1_000, 1_000_000, false);
        PostgresDatabase postgres = PostgresDatabase.start();
        ProcessStack stack = BenchmarkSetup.stack("connect-entity-sync")) {
      try (Connection connection = postgres.connection();
          Statement statement = connection.createStatement()) {
        statement.execute(
            "create table public.items (id bigserial primary key, name varchar(100) not null, "
                + "price numeric(10,2), created_at timestamp default now())");
        statement.execute(
            "insert into public.items (name, price) select 'item-' || g, g from "
                + "generate_series(1, 10000) g");
      }
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", "io.connectmqtt.entitysync.EntitySyncConnector");
      // Open access on purpose: these clients send no token.
      config.put("entity.sync.auth", "none");
      config.put("tasks.max", Integer.toString(tasks));
      config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
      config.put("database.url", postgres.jdbcUrl());
      config.put("database.user", "postgres");
      config.put("entities", "public.items");
      config.put("producer.override.linger.ms", "0");
      // The clients keep every subscription they make: the quota is not what is measured.
      config.put("subscriptions.max.per.client", "100000");
      config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
      config.put("value.converter.schemas.enable", "false");
      stack.rest().createOrReplace("bench-sync", config);
      stack.rest().awaitRunning("bench-sync", tasks, Duration.ofSeconds(90));
      Thread.sleep(2_000);
      addOtherClientsSubscriptions(postgres);
      List<Result> results = new ArrayList<>();
      List<LoopClient> clients = new ArrayList<>();
      Mqtt5AsyncClient echo = echoResponder(broker.port());
      warmUp(broker.port());
      for (int count : clientCounts) {
        while (clients.size() < count) {
          clients.add(new LoopClient(broker.port(), "bench-" + clients.size()));
        }
        List<LoopClient> phaseClients = clients.subList(0, count);
        // In the order given, repeats included: a phase run twice shows what the first one cost
        // by coming first.
        for (String operation : operations) {
          results.add(
              switch (operation) {
                case "echo" -> echoPhase(phaseClients);
                case "reads" -> phase(phaseClients, "reads", READS, seconds);
                case "writes" -> phase(phaseClients, "writes", WRITES, seconds);
                case "subscribes" -> phase(phaseClients, "subscribes", SUBSCRIBES, seconds);
                case "reads-beside-a-lock" ->
                    readsBesideAWaitingUpdate(phaseClients, postgres, broker.port());
                default -> throw new IllegalArgumentException("no operation " + operation);
              });
        }
      }
      echo.disconnect();
      if (operations.contains("subscribes") && clients.size() >= 10) {
        try (Connection connection = postgres.connection();
            Statement statement = connection.createStatement()) {
          statement.execute("drop index public.entity_sync_requests_subscriptions_client_id");
        }
        results.add(
            phase(
                clients.subList(0, 10),
                "subscribes without the index by client",
                SUBSCRIBES,
                seconds));
      }
      StringBuilder report = BenchmarkReport.begin("## Entity sync", "entity-sync", arguments);
      report.append(
          String.format(
              Locale.ROOT,
              "PostgreSQL (embedded, 10,000 rows, %,d subscriptions of other clients), HiveMQ CE, Kafka and a Connect "
                  + "worker as separate JVMs, `tasks.max=%d`. Each client sends its next request when the reply to the "
                  + "previous one arrived; latency is request publish → reply receipt. Reads by primary key; writes are "
                  + "creates (each with its change event in Kafka and its request id recorded in the same transaction). "
                  + "*echo* is the ceiling of request/reply over this broker on this machine in the same run: a responder "
                  + "that answers at once, without database or Kafka. Subscribes are new subscriptions (a filter on "
                  + "`name`), each with its record in Kafka before the reply; the last row drops the subscriptions "
                  + "table's index by client first, as entity sync's tables were before it. *Reads beside an update "
                  + "waiting for a lock* are the same reads while one more client's update waits for a row lock held "
                  + "outside, until the statement timeout (10 s) cancels it, again and again. Before the "
                  + "first phase, reads, writes and subscribes from 10 other clients ran %d s each, not "
                  + "measured: the JVMs' compilers warm up over the first tens of thousands of requests.%n%n",
              otherSubscriptions,
              tasks,
              warmupSeconds));
      report.append(
          "| Operation | Clients | Requests | Per second | p50 (ms) | p99 (ms) | Errors |\n");
      report.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
      for (Result r : results) {
        report.append(
            String.format(
                Locale.ROOT,
                "| %s | %d | %d | %.0f | %.2f | %.2f | %d |%n",
                r.name(),
                r.clients(),
                r.requests(),
                r.rate(),
                r.p50(),
                r.p99(),
                r.errors()));
      }
      report.append("\n");
      BenchmarkReport.publish(reportFile, "entity-sync", report);
      clients.forEach(c -> c.client.disconnect());
    }
  }
}
