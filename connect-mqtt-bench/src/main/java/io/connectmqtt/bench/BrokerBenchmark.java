package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.bench.BrokerTable.Row;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.SourceLog;
import io.connectmqtt.testkit.SourceRoundTrip;
import io.connectmqtt.testkit.TestBroker;
import io.connectmqtt.testkit.WorkerKillScenario;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The MQTT source connector on every broker of the matrix, one broker at a time, against one Kafka
 * and Connect {@link ProcessStack} for the whole run; writes the table of docs/brokers.md. Per
 * broker: the round trip of {@link SourceRoundTrip}; throughput of a plain HiveMQ-client subscriber
 * (the broker's raw ceiling), of the connector with its documented defaults and with a tuned
 * config, alternating; the worker SIGKILL of {@link WorkerKillScenario} with a backlog; and a
 * graceful restart of the MQTT broker mid-stream with sessions persisted where the broker can.
 * Every cell comes from this run.
 *
 * <pre>
 * ./bench.sh brokers --backlog=100000 --messages=50000 --restart-messages=20000 --brokers=HIVEMQ,MOSQUITTO
 * </pre>
 *
 * <p>One class past 400 lines on purpose: its methods measure the cells of one {@link BrokerTable}
 * row in turn, against one broker and the one stack of the run, and they share that state; the
 * scenarios the ITs share are in the testkit ({@link SourceRoundTrip}, {@link WorkerKillScenario}).
 */
public final class BrokerBenchmark {

  private static final String CONNECTOR_CLASS = "io.connectmqtt.source.MqttSourceConnector";

  private final List<Broker> brokers = new ArrayList<>();
  private final int backlog;
  private final int messages;
  private final int warmup;
  private final int repeats;
  private final int publishers;
  private final int payload;
  private final int roundTripMessages;
  private final int restartMessages;
  private final int restartRate;

  /**
   * The tuned config: these keys on top of the defaults; {@code --tuned.<key>=<value>} adds or
   * replaces one.
   */
  private final Map<String, String> tuned = new LinkedHashMap<>();

  /**
   * {@code --variant.<label>.<key>=<value>}: more configs measured beside tuned (printed, not in
   * the table).
   */
  private final Map<String, Map<String, String>> variants = new LinkedHashMap<>();

  /**
   * {@code --throughput-only=true}: only the throughput columns (no round trip, SIGKILL or broker
   * restart).
   */
  private final boolean throughputOnly;

  /** Publishers of the row being measured. */
  private int currentPublishers;

  private BrokerBenchmark(Map<String, String> options) {
    for (String name :
        options.getOrDefault("brokers", "HIVEMQ,MOSQUITTO,RABBITMQ,AEDES,MOQUETTE").split(",")) {
      brokers.add(Broker.valueOf(name.trim().toUpperCase(Locale.ROOT)));
    }
    backlog = Integer.parseInt(options.getOrDefault("backlog", "100000"));
    messages = Integer.parseInt(options.getOrDefault("messages", "50000"));
    warmup = Integer.parseInt(options.getOrDefault("warmup", "10000"));
    repeats = Integer.parseInt(options.getOrDefault("repeats", "1"));
    publishers = Integer.parseInt(options.getOrDefault("publishers", "2"));
    payload = Integer.parseInt(options.getOrDefault("payload", "256"));
    roundTripMessages = Integer.parseInt(options.getOrDefault("round-trip-messages", "2000"));
    restartMessages = Integer.parseInt(options.getOrDefault("restart-messages", "20000"));
    restartRate = Integer.parseInt(options.getOrDefault("restart-rate", "2000"));
    tuned.put("producer.override.linger.ms", "0");
    tuned.put("producer.override.batch.size", "524288");
    tuned.put(IntakeConfig.QUEUE_CAPACITY_CONFIG, "10000");
    throughputOnly = Boolean.parseBoolean(options.getOrDefault("throughput-only", "false"));
    options.forEach(
        (key, value) -> {
          if (key.startsWith("tuned.")) {
            tuned.put(key.substring("tuned.".length()), value);
          } else if (key.startsWith("variant.")) {
            String rest = key.substring("variant.".length());
            int dot = rest.indexOf('.');
            variants
                .computeIfAbsent(rest.substring(0, dot), k -> new LinkedHashMap<>())
                .put(rest.substring(dot + 1), value);
          }
        });
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args, "docs/brokers.md", options -> new BrokerBenchmark(options)::run);
  }

  private void run(Path reportFile, String arguments) throws Exception {
    List<Row> rows = new ArrayList<>();
    try (ProcessStack stack = BenchmarkSetup.stack("connect-mqtt-source")) {
      for (Broker kind : brokers) {
        Row row = new Row(kind);
        rows.add(row);
        String unavailable = kind.unavailableReason();
        if (unavailable == null && !MosquittoBroker.available()) {
          unavailable = "mosquitto_pub (package mosquitto-clients) is needed for the round trip";
        }
        if (unavailable != null) {
          row.failure = "not run: " + unavailable;
          System.out.println("BROKERS: " + kind + " skipped: " + unavailable);
          continue;
        }
        try {
          measure(stack, row);
        } catch (Exception | AssertionError e) {
          row.failure = "stopped at an error: " + e;
          e.printStackTrace();
        }
      }
    }
    write(reportFile, arguments, rows);
  }

  private void measure(ProcessStack stack, Row row) throws Exception {
    String id = row.kind.name().toLowerCase(Locale.ROOT);
    row.publishers = publishers;
    if (row.kind == Broker.MOQUETTE && publishers > 1) {
      // Moquette 0.17 drops PUBLISH commands once its session command queue is full ("Session
      // command queue 0 is full executing action PUB QoS1" in its log) and never acknowledges them:
      // two publishers of 500 messages in flight each stalled it for good in a run of this
      // benchmark. One publisher of 500 does not.
      row.publishers = 1;
      row.notes.add(
          "1 publisher: with 2, Moquette 0.17 dropped PUBLISH packets without acknowledging them "
              + "(\"Session command queue 0 is full\" in its log) and the publishers stalled");
    }
    currentPublishers = row.publishers;
    // Sessions in memory for everything but the broker restart: nothing else restarts the broker.
    // HiveMQ CE keeps its own default, file persistence: in memory, every acknowledgement on a
    // shared subscription scans the group's whole queue (docs/brokers.md), which is not how HiveMQ
    // CE runs out of the box.
    try (TestBroker broker =
        start(row, BrokerOptions.DEFAULTS.withPersistence(row.kind == Broker.HIVEMQ))) {
      row.name = broker.name();
      row.version = broker.mqtt5() ? "5" : "3.1.1";

      if (!throughputOnly) {
        roundTrip(stack, broker, row, id);
      }
      for (int run = 1; run <= repeats; run++) {
        row.raw.add(raw(broker, id + "-" + run));
        row.defaults.add(connector(stack, broker, "default", id, run, defaults(broker)));
        Map<String, String> tunedConfig = defaults(broker);
        tunedConfig.putAll(tuned);
        row.tunedRuns.add(connector(stack, broker, "tuned", id, run, tunedConfig));
        for (Map.Entry<String, Map<String, String>> variant : variants.entrySet()) {
          Map<String, String> config = defaults(broker);
          config.putAll(variant.getValue());
          connector(stack, broker, variant.getKey(), id, run, config);
        }
      }
      if (throughputOnly) {
        return;
      }
      row.kill =
          WorkerKillScenario.run(
              stack, broker, id, defaults(broker), backlog, payload, Duration.ofMinutes(10));
      System.out.printf(
          "BROKERS: %s worker SIGKILL with a backlog of %d: %s%n",
          broker.name(), backlog, row.kill);
      broker
          .droppedMessageCount()
          .ifPresent(
              d -> {
                if (d > 0) {
                  row.notes.add(d + " messages dropped by the broker (its own counter)");
                }
              });
    }
    try (TestBroker broker = start(row, BrokerOptions.DEFAULTS)) {
      row.restart = brokerRestart(stack, broker, id);
    }
  }

  private void roundTrip(ProcessStack stack, TestBroker broker, Row row, String id)
      throws Exception {
    String rtTopic = "matrix." + id;
    stack.topics().create(rtTopic, 1);
    Map<String, String> rtConfig = defaults(broker);
    rtConfig.put("mqtt.topics", "matrix/" + id + "/#");
    rtConfig.put("kafka.topic", rtTopic);
    String rtName = "matrix-" + id;
    stack.rest().createOrReplace(rtName, rtConfig);
    stack.rest().awaitRunning(rtName, 1, Duration.ofSeconds(60));
    SourceRoundTrip.Result rt =
        SourceRoundTrip.run(
            stack.topics(), broker, id, rtTopic, roundTripMessages, Math.max(payload, 64));
    deleteAndWait(stack, rtName);
    row.roundTrip = rt.summary();
    System.out.printf(
        "BROKERS: %s round trip of %d + 2 messages: %s (%s)%n",
        broker.name(), roundTripMessages, rt.summary(), rt.differences());
  }

  private static TestBroker start(Row row, BrokerOptions options) {
    long began = System.nanoTime();
    TestBroker broker = row.kind.startOrThrow(options);
    System.out.printf(
        "BROKERS: %s started in %.1f s on %s (persistence %s)%n",
        broker.name(),
        (System.nanoTime() - began) / 1e9,
        broker.uri(),
        options.persistent() ? "on" : "off");
    return broker;
  }

  /** The source's documented defaults: only what names the broker, the filter and the topic. */
  private static Map<String, String> defaults(TestBroker broker) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("connector.class", CONNECTOR_CLASS);
    config.put("tasks.max", "1");
    config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
    return config;
  }

  /**
   * Messages per second through a plain HiveMQ-client subscriber (QoS 1, automatic
   * acknowledgement).
   */
  private double raw(TestBroker broker, String run) throws Exception {
    String filter = "raw/" + run + "/#";
    BitSet seen = new BitSet();
    AtomicLong lastReceive = new AtomicLong();
    Runnable disconnect;
    java.util.function.Consumer<byte[]> onMessage =
        bytes -> {
          synchronized (seen) {
            seen.set((int) MqttLoadPublisher.sequence(bytes));
          }
          lastReceive.set(System.nanoTime());
        };
    if (broker.mqtt5()) {
      Mqtt5AsyncClient client =
          MqttClients.builder("bench-raw-" + run, broker.port()).useMqttVersion5().buildAsync();
      client.publishes(MqttGlobalPublishFilter.ALL, p -> onMessage.accept(p.getPayloadAsBytes()));
      client.connectWith().cleanStart(true).send().join();
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
      disconnect = () -> client.disconnect().join();
    } else {
      Mqtt3AsyncClient client =
          MqttClients.builder("bench-raw-" + run, broker.port()).useMqttVersion3().buildAsync();
      client.publishes(MqttGlobalPublishFilter.ALL, p -> onMessage.accept(p.getPayloadAsBytes()));
      client.connectWith().cleanSession(true).send().join();
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
      disconnect = () -> client.disconnect().join();
    }
    try {
      if (warmup > 0) {
        publish(broker, "raw/" + run + "/warmup", 0, warmup);
        awaitCount(seen, warmup, Duration.ofMinutes(5));
      }
      synchronized (seen) {
        seen.clear();
      }
      long start = System.nanoTime();
      publish(broker, "raw/" + run + "/load", 0, messages);
      awaitCount(seen, messages, Duration.ofMinutes(10));
      int received = cardinality(seen);
      double rate = received / ((lastReceive.get() - start) / 1e9);
      System.out.printf(
          Locale.ROOT,
          "BROKERS: %s raw subscriber: %d of %d in %.1f s = %.0f msg/s%n",
          broker.name(),
          received,
          messages,
          (lastReceive.get() - start) / 1e9,
          rate);
      return received == messages ? rate : -received;
    } finally {
      disconnect.run();
    }
  }

  /**
   * Messages per second through the connector with {@code config}: publish start to the Kafka log
   * append time of the last message, after a warm-up through the same connector. Negative (minus
   * the messages that arrived) if not all of them arrived.
   */
  private double connector(
      ProcessStack stack,
      TestBroker broker,
      String label,
      String id,
      int run,
      Map<String, String> config)
      throws Exception {
    String name = "tp-" + label + "-" + id + "-" + run;
    String filter = "tp/" + id + "/" + label + run;
    String topic = "tp." + id + "." + label + run;
    stack.topics().createWithLogAppendTime(topic, 3);
    long logStart = createConnector(stack, name, config, filter, topic);
    try {
      awaitSubscribed(stack, name, logStart, filter + "/#");
      KafkaTopics topics = stack.topics();
      if (warmup > 0) {
        publish(broker, filter + "/warmup", 0, warmup);
        awaitOffsets(topics, topic, warmup, Duration.ofMinutes(5));
      }
      long base = topics.endOffsetSum(topic);
      long startMillis = System.currentTimeMillis();
      publish(broker, filter + "/load", warmup, warmup + (long) messages);
      awaitOffsets(topics, topic, base + messages, Duration.ofMinutes(10));
      BitSet seen = new BitSet();
      long lastAppend = 0;
      for (ConsumerRecord<byte[], byte[]> record :
          topics.readAll(topic, base + messages, Duration.ofMinutes(2))) {
        long seq = MqttLoadPublisher.sequence(record.value()) - warmup;
        if (seq >= 0 && !seen.get((int) seq)) {
          seen.set((int) seq);
          lastAppend = Math.max(lastAppend, record.timestamp());
        }
      }
      int received = seen.cardinality();
      double rate = received / ((lastAppend - startMillis) / 1e3);
      System.out.printf(
          Locale.ROOT,
          "BROKERS: %s connector (%s): %d of %d in %.1f s = %.0f msg/s%n",
          broker.name(),
          label,
          received,
          messages,
          (lastAppend - startMillis) / 1e3,
          rate);
      return received == messages ? rate : -received;
    } finally {
      deleteAndWait(stack, name);
    }
  }

  /**
   * The connector with its defaults while messages flow at a fixed rate; the MQTT broker is stopped
   * gracefully and started again once a third of them are in Kafka. "lost" counts messages the
   * broker acknowledged to the publisher that never reached Kafka.
   */
  private String brokerRestart(ProcessStack stack, TestBroker broker, String id) throws Exception {
    String name = "restart-" + id;
    String filter = "restart/" + id;
    String topic = "restart." + id;
    stack.topics().create(topic, 3);
    Map<String, String> config = defaults(broker);
    long logStart = createConnector(stack, name, config, filter, topic);
    try {
      awaitSubscribed(stack, name, logStart, filter + "/#");
      KafkaTopics topics = stack.topics();
      CompletableFuture<Void> publishing =
          CompletableFuture.runAsync(
              () -> {
                try (MqttLoadPublisher publisher =
                    new MqttLoadPublisher(
                        "restart-publisher-" + id, broker.port(), broker.mqtt5())) {
                  publisher.publish(
                      0,
                      restartMessages,
                      payload,
                      restartRate,
                      seq -> filter + "/device-" + (seq % 10));
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      awaitOffsets(topics, topic, restartMessages / 3, Duration.ofMinutes(5));
      long began = System.nanoTime();
      broker.restart();
      double down = (System.nanoTime() - began) / 1e9;
      publishing.get(15, TimeUnit.MINUTES);
      BitSet seen = new BitSet();
      int records = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (true) {
        List<ConsumerRecord<byte[], byte[]>> all =
            topics.readAll(topic, restartMessages, Duration.ofSeconds(5));
        seen.clear();
        all.forEach(r -> seen.set((int) MqttLoadPublisher.sequence(r.value())));
        records = all.size();
        if (seen.cardinality() >= restartMessages || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(2_000);
      }
      long lost = restartMessages - seen.cardinality();
      long duplicates = records - seen.cardinality();
      long lostConnections = SourceLog.lostConnections(stack.workerLog(logStart), name);
      System.out.printf(
          Locale.ROOT,
          "BROKERS: %s broker restart (%.1f s stop + start) with %d messages at %d msg/s:"
              + " %d lost, %d duplicates, %d connection losses logged%n",
          broker.name(),
          down,
          restartMessages,
          restartRate,
          lost,
          duplicates,
          lostConnections);
      String cell =
          String.format(
              Locale.ROOT, "%d lost, %d duplicates (restart took %.0f s)", lost, duplicates, down);
      if (!broker.sessionsSurviveRestart()) {
        cell += "; sessions do not survive a restart on this broker";
      }
      return cell;
    } finally {
      deleteAndWait(stack, name);
    }
  }

  /**
   * {@code count} messages from {@code publishers} load publishers at full speed, all acknowledged.
   */
  private void publish(TestBroker broker, String prefix, long from, long to) throws Exception {
    // A broker that stops acknowledging must not hold the whole run: the phase fails and the next
    // broker follows.
    LoadPublishers.publish(
        currentPublishers,
        from,
        to,
        Duration.ofSeconds(Math.max(180, (to - from) / 100)),
        (index, start, end) -> {
          try (MqttLoadPublisher publisher =
              new MqttLoadPublisher(
                  "bench-pub-" + prefix.replace('/', '-') + "-" + index,
                  broker.port(),
                  broker.mqtt5())) {
            publisher.publish(start, end, payload, 0, seq -> prefix + "/p" + index);
          }
        });
  }

  private static void awaitCount(BitSet seen, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (cardinality(seen) < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  private static int cardinality(BitSet seen) {
    synchronized (seen) {
      return seen.cardinality();
    }
  }

  private static void awaitOffsets(KafkaTopics topics, String topic, long records, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (topics.endOffsetSum(topic) < records && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  /**
   * Creates connector {@code name} with {@code config} reading {@code filter/#} into Kafka topic
   * {@code topic}; returns the worker log's size before, for {@link #awaitSubscribed}.
   */
  private static long createConnector(
      ProcessStack stack, String name, Map<String, String> config, String filter, String topic) {
    config.put("mqtt.topics", filter + "/#");
    config.put("kafka.topic", topic);
    long logStart = stack.workerLogSize();
    stack.rest().createOrReplace(name, config);
    return logStart;
  }

  /**
   * Waits until connector {@code name} runs and the worker log from {@code from} on says that every
   * MQTT connection of its task subscribed to {@code filter}.
   */
  private static void awaitSubscribed(ProcessStack stack, String name, long from, String filter)
      throws Exception {
    stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (SourceLog.allSubscribed(stack.workerLog(from), filter)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the task did not subscribe to " + filter + " within 60 s (worker log)");
  }

  /**
   * Deletes a connector and waits until it is gone, so that no task of it reconnects to a stopped
   * broker.
   */
  private static void deleteAndWait(ProcessStack stack, String name) throws InterruptedException {
    stack.rest().delete(name);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        stack.rest().status(name);
      } catch (RuntimeException gone) {
        return;
      }
      Thread.sleep(200);
    }
  }

  private void write(Path file, String arguments, List<Row> rows) throws IOException {
    StringBuilder report = new StringBuilder();
    report.append(BenchmarkReport.runLine("brokers", arguments));
    report.append(
        String.format(
            Locale.ROOT,
            "One Kafka broker and one Connect worker (separate JVMs, the source "
                + "plugin from `plugin.path`) for the whole run, one MQTT broker at a time, all on this machine. The source "
                + "with its documented defaults (`mqtt.version=auto`, `mqtt.connections=auto`, `queue.capacity=1000`, Connect's "
                + "producer defaults) in every column but *Tuned*, which adds %s. The MQTT brokers keep sessions in memory "
                + "except HiveMQ CE (file, its default) and in the broker restart. %d-byte QoS 1 payloads from %d "
                + "HiveMQ-client publishers; "
                + "throughput over %,d messages after a warm-up of %,d through the same path, %d run(s) each, alternating "
                + "raw / default / tuned.%n%n",
            String.join(
                ", ",
                tuned.entrySet().stream()
                    .map(e -> "`" + e.getKey() + "=" + e.getValue() + "`")
                    .toList()),
            payload,
            publishers,
            messages,
            warmup,
            repeats));
    report.append(BrokerTable.markdown(rows, backlog));
    report.append(
        String.format(
            Locale.ROOT,
            "%nRound trip: %,d messages from the load publisher plus a 256-byte "
                + "binary and a UTF-8 payload from `mosquitto_pub`, each expected once with its bytes, key and `mqtt.topic`/"
                + "`mqtt.qos` headers. SIGKILL: the backlog is published while the worker is down, the worker starts, and "
                + "is killed with SIGKILL once Kafka holds a third of it; drain = from the relaunch of the worker to the "
                + "Kafka append of the last missing message. Broker restart: %,d messages at %,d msg/s, the MQTT broker "
                + "stopped and started (sessions persisted) once a third are in Kafka; lost = acknowledged to the "
                + "publisher but never in Kafka.%n%n",
            roundTripMessages,
            restartMessages,
            restartRate));
    BenchmarkReport.publish(file, "brokers", report);
  }
}
