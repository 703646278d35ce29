package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * MQTT source connector throughput and latency beside the raw ceiling of the same broker, in the
 * same run.
 *
 * <p>Phases: (1) raw ceiling: N publishers at full speed, 1 KB QoS 1, into a plain HiveMQ-client
 * subscriber; (2) the connector (separate Connect JVM, plugin from plugin.path) with the same load,
 * into Kafka; (3) and (4) the same at a fixed offered rate, for latency; (5) the connector at the
 * fixed rate again, for its heap. Each path gets a warm-up load first (not measured), so JIT
 * compilation is not counted against either side. Latency is publish → subscriber receipt for the
 * raw subscriber and publish → Kafka log append time for the connector. The task's heap is the
 * worker's live heap under load minus its live heap before the connector started: each reading
 * forces a full GC through jcmd, so it has a phase of its own and never distorts a latency.
 *
 * <p>One class past 400 lines on purpose: every phase (and the --header-converters comparison) runs
 * on the same broker, worker and connector settings and draws from one message numbering ({@code
 * next}), the paths alternating within one run so that ratios compare like with like; its methods
 * are those phases. What stands apart lives elsewhere: the options and stack in {@link
 * BenchmarkSetup}, the CPU and heap readings in {@link JvmProbe}, the report in {@link
 * BenchmarkReport}.
 */
public final class SourceBenchmark {

  private final int messages;
  private final int publishers;
  private final int payload;
  private final int rate;
  private final int rateSeconds;
  private final int tasks;
  private final int warmup;
  private final int repeats;
  private final int rateLeadInSeconds;
  private long nextSequence;
  private static final long SLOW_MILLIS = 8;

  /** HiveMQ CE's outgoing in-flight window per subscriber (its fixed default: 50). */
  private final int brokerWindow;

  private final Map<String, String> connectorOverrides = new HashMap<>();

  /**
   * --header-converters: the header paths to compare instead of the usual phases (default, mqtt,
   * topic, none).
   */
  private final List<String> headerPaths;

  /**
   * With --header-converters: also a phase at this offered rate per path and round (0: full speed
   * only).
   */
  private final int headerRate;

  private SourceBenchmark(Map<String, String> options) {
    messages = Integer.parseInt(options.getOrDefault("messages", "300000"));
    publishers = Integer.parseInt(options.getOrDefault("publishers", "2"));
    payload = Integer.parseInt(options.getOrDefault("payload", "1024"));
    rate = Integer.parseInt(options.getOrDefault("rate", "10000"));
    rateSeconds = Integer.parseInt(options.getOrDefault("rate-seconds", "20"));
    tasks = Integer.parseInt(options.getOrDefault("tasks", "1"));
    warmup = Integer.parseInt(options.getOrDefault("warmup", "50000"));
    repeats = Integer.parseInt(options.getOrDefault("repeats", "3"));
    rateLeadInSeconds = Integer.parseInt(options.getOrDefault("rate-lead-in-seconds", "10"));
    brokerWindow = Integer.parseInt(options.getOrDefault("broker-window", "1000"));
    headerRate = Integer.parseInt(options.getOrDefault("header-rate", "0"));
    headerPaths =
        options.containsKey("header-converters")
            ? List.of(options.get("header-converters").split(","))
            : List.of();
    for (String path : headerPaths) {
      if (!HEADER_PATHS.containsKey(path)) {
        throw new IllegalArgumentException(
            "--header-converters: unknown '" + path + "'; choose from " + HEADER_PATHS.keySet());
      }
    }
    connectorOverrides.putAll(BenchmarkSetup.prefixed(options, "connector."));
    // One connection, like the plain bridge it is compared with: this benchmark's embedded HiveMQ
    // CE keeps sessions in memory, where every acknowledgement on a shared subscription scans the
    // group's queue (docs/brokers.md).
    connectorOverrides.putIfAbsent("mqtt.connections", "1");
  }

  /**
   * One phase; {@code cpu}: CPU µs per message of the benchmark JVM (HiveMQ, publishers) / Kafka /
   * Connect.
   */
  record Result(
      String name, long messages, double seconds, double p50, double p99, long lost, String cpu) {
    Result(String name, long messages, double seconds, double p50, double p99, long lost) {
      this(name, messages, seconds, p50, p99, lost, "");
    }

    double throughput() {
      return messages / seconds;
    }

    Result withCpu(String cpu) {
      return new Result(name, messages, seconds, p50, p99, lost, cpu);
    }
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args,
        "docs/benchmarks.md",
        options -> {
          SourceBenchmark benchmark = new SourceBenchmark(options);
          return benchmark.headerPaths.isEmpty() ? benchmark::run : benchmark::compareHeaderPaths;
        });
  }

  private void run(Path reportFile, String arguments) throws Exception {
    try (HiveMqBroker broker = startBroker();
        ProcessStack stack = BenchmarkSetup.stack("connect-mqtt-source")) {
      createTopic(stack.bootstrapServers(), "bench.source", 3);
      createTopic(stack.bootstrapServers(), "bench.bridge", 3);
      if (warmup > 0) {
        raw(broker, next(warmup), warmup, 0, "warm-up: raw subscriber");
      }
      long idleHeap = JvmProbe.liveHeapKb(stack.connectPid());
      startConnector(stack, broker);
      List<Result> rows = new ArrayList<>();
      int offered = rate * rateSeconds;
      List<Result> rawRuns = new ArrayList<>();
      List<Result> connectorRuns = new ArrayList<>();
      List<Result> bridgeRuns = new ArrayList<>();
      try (PlainBridge bridge =
          new PlainBridge(
              stack.bootstrapServers(),
              broker.port(),
              "bench/bridge/#",
              "bench.bridge",
              Math.min(brokerWindow, 65_535))) {
        if (warmup > 0) {
          connector(stack, broker, next(warmup), warmup, 0, "warm-up: connector");
          bridge(stack, broker, next(warmup), warmup, 0, "warm-up: plain bridge");
        }
        // Full-speed figures on a shared 2-core machine move by ±30 % from run to run: the three
        // paths alternate, and ratios are taken between medians.
        for (int run = 1; run <= repeats; run++) {
          String suffix = repeats > 1 ? " (run " + run + ")" : "";
          Result raw =
              measured(
                  stack,
                  () ->
                      raw(
                          broker,
                          next(messages),
                          messages,
                          0,
                          "raw subscriber, full speed" + suffix));
          Result viaConnector =
              measured(
                  stack,
                  () ->
                      connector(
                          stack,
                          broker,
                          next(messages),
                          messages,
                          0,
                          "connector, full speed" + suffix));
          Result viaBridge =
              measured(
                  stack,
                  () ->
                      bridge(
                          stack,
                          broker,
                          next(messages),
                          messages,
                          0,
                          "plain bridge (no Connect), full speed" + suffix));
          rawRuns.add(raw);
          connectorRuns.add(viaConnector);
          bridgeRuns.add(viaBridge);
          rows.addAll(List.of(raw, viaConnector, viaBridge));
        }
        rows.add(
            atOfferedRate(
                (from, count, name) -> raw(broker, from, count, rate, name), "raw subscriber"));
        rows.add(
            atOfferedRate(
                (from, count, name) -> connector(stack, broker, from, count, rate, name),
                "connector"));
        rows.add(
            atOfferedRate(
                (from, count, name) -> bridge(stack, broker, from, count, rate, name),
                "plain bridge (no Connect)"));
      }
      CompletableFuture<Long> heap =
          CompletableFuture.supplyAsync(
              () -> JvmProbe.maxLiveHeapKb(stack.connectPid(), rateSeconds - 2));
      connector(
          stack,
          broker,
          next(offered),
          offered,
          rate,
          "heap reading: connector, " + rate + " msg/s offered");
      long taskHeapKb = Math.max(0, heap.join() - idleHeap);
      write(
          reportFile,
          arguments,
          broker,
          rows,
          median(rawRuns),
          median(connectorRuns),
          median(bridgeRuns),
          taskHeapKb);
    }
  }

  /** What each --header-converters path adds to the connector's config. */
  private static final Map<String, Map<String, String>> HEADER_PATHS =
      Map.of(
          "default", Map.of(),
          "mqtt", Map.of("header.converter", "io.connectmqtt.common.MqttHeaderConverter"),
          "topic",
              Map.of(
                  "header.converter",
                  "io.connectmqtt.common.MqttHeaderConverter",
                  "record.headers",
                  "topic"),
          "none", Map.of("record.headers.enable", "false"));

  private static final Map<String, String> HEADER_PATH_NAMES =
      Map.of(
          "default", "SimpleHeaderConverter (Connect's default), 6 headers",
          "mqtt", "MqttHeaderConverter, 6 headers",
          "topic", "MqttHeaderConverter, `record.headers=topic` (1 header)",
          "none", "no headers (`record.headers.enable=false`)");

  /** One path of the benchmark: {@code count} messages numbered from {@code from}. */
  private interface RatedPath {
    Result run(long from, long count, String name) throws Exception;
  }

  /**
   * A path at the offered --rate for --rate-seconds, after a few seconds at that rate unmeasured:
   * code paths that a full-speed stream never takes (an empty queue, small batches, threads waking
   * up) get compiled before the latency counts.
   */
  private Result atOfferedRate(RatedPath path, String name) throws Exception {
    int leadIn = rate * rateLeadInSeconds;
    if (leadIn > 0) {
      path.run(next(leadIn), leadIn, "lead-in: " + name);
    }
    int offered = rate * rateSeconds;
    return path.run(next(offered), offered, name + ", " + rate + " msg/s offered");
  }

  /**
   * HiveMQ CE with --broker-window as its outgoing window (and the connector's receive maximum to
   * match, above 100) and room for a 5,000,000-message backlog.
   */
  private HiveMqBroker startBroker() {
    HiveMqBroker.outgoingWindow(brokerWindow);
    if (brokerWindow > 100) {
      connectorOverrides.putIfAbsent("mqtt.receive.maximum", Integer.toString(brokerWindow));
    }
    return HiveMqBroker.start(5_000_000, false);
  }

  /** One measured phase of a header path: {@code count} new messages at {@code rate}. */
  private Measured headerRun(
      ProcessStack stack, HiveMqBroker broker, String path, int count, int rate, String name)
      throws Exception {
    return measureUntilDelivered(
        stack, () -> headerPhase(stack, broker, path, next(count), count, rate, name));
  }

  /**
   * The connector's cost per message with each header path, in one run: one connector per path
   * (same worker, same broker, same load, each on a filter and a Kafka topic of its own, the idle
   * ones waiting in poll()), each warmed up, then rounds in which every path runs a full-speed
   * phase (and, with --header-rate, one at that offered rate), the order of the paths rotated every
   * round. CPU is counted until the last record is in Kafka, not while the benchmark reads the
   * records back. Medians per path.
   */
  private void compareHeaderPaths(Path reportFile, String arguments) throws Exception {
    try (HiveMqBroker broker = startBroker();
        ProcessStack stack = BenchmarkSetup.stack("connect-mqtt-source")) {
      for (String path : headerPaths) {
        createTopic(stack.bootstrapServers(), "bench.headers." + path, 3);
        startConnector(
            stack,
            broker,
            "bench-headers-" + path,
            "bench/hdr/" + path + "/#",
            "bench.headers." + path,
            HEADER_PATHS.get(path));
      }
      if (warmup > 0) {
        for (String path : headerPaths) {
          headerPhase(stack, broker, path, next(warmup), warmup, 0, "warm-up: " + path);
        }
      }
      int offered = headerRate * rateSeconds;
      Map<String, List<Measured>> fullSpeed = new java.util.LinkedHashMap<>();
      Map<String, List<Measured>> atRate = new java.util.LinkedHashMap<>();
      headerPaths.forEach(
          path -> {
            fullSpeed.put(path, new ArrayList<>());
            atRate.put(path, new ArrayList<>());
          });
      List<Measured> rows = new ArrayList<>();
      for (int run = 1; run <= repeats; run++) {
        for (int i = 0; i < headerPaths.size(); i++) {
          String path = headerPaths.get((i + run - 1) % headerPaths.size());
          String label = HEADER_PATH_NAMES.get(path);
          int round = run;
          Measured full =
              headerRun(
                  stack, broker, path, messages, 0, label + ", full speed (run " + round + ")");
          fullSpeed.get(path).add(full);
          rows.add(full);
          if (offered > 0) {
            Measured fixed =
                headerRun(
                    stack,
                    broker,
                    path,
                    offered,
                    headerRate,
                    label + ", " + headerRate + " msg/s (run " + round + ")");
            atRate.get(path).add(fixed);
            rows.add(fixed);
          }
        }
      }
      writeHeaderComparison(
          reportFile, arguments, broker, rows, fullSpeed, offered > 0 ? atRate : Map.of());
    }
  }

  private Result headerPhase(
      ProcessStack stack,
      HiveMqBroker broker,
      String path,
      long from,
      long count,
      int totalRate,
      String name)
      throws Exception {
    return throughKafka(
        stack, broker, "bench/hdr/" + path, "bench.headers." + path, from, count, totalRate, name);
  }

  /**
   * Called by throughKafka once the phase's last record is in Kafka, before the records are read
   * back.
   */
  private Runnable onDelivered = () -> {};

  /**
   * As {@link #measure}, but the CPU time counted only until the phase's last record is in Kafka.
   */
  private Measured measureUntilDelivered(ProcessStack stack, Phase phase) throws Exception {
    long[] pids = {ProcessHandle.current().pid(), stack.kafkaPid(), stack.connectPid()};
    long[] before = new long[pids.length];
    long[] delivered = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      before[i] = JvmProbe.cpuTicks(pids[i]);
    }
    Map<Long, Map.Entry<String, Long>> workerBefore = JvmProbe.threadTicks(stack.connectPid());
    List<Map<Long, Map.Entry<String, Long>>> workerDelivered = new ArrayList<>(List.of(Map.of()));
    onDelivered =
        () -> {
          for (int i = 0; i < pids.length; i++) {
            delivered[i] = JvmProbe.cpuTicks(pids[i]);
          }
          workerDelivered.set(0, JvmProbe.threadTicks(stack.connectPid()));
        };
    Result result;
    try {
      result = phase.run();
    } finally {
      onDelivered = () -> {};
    }
    double perTick = 1e6 / JvmProbe.CLOCK_TICKS_PER_SECOND / result.messages();
    double[] micros = new double[pids.length];
    for (int i = 0; i < micros.length; i++) {
      micros[i] = (delivered[i] - before[i]) * perTick;
    }
    Map<Long, Map.Entry<String, Long>> workerAfter = workerDelivered.get(0);
    Measured m =
        new Measured(
            result,
            micros[0],
            micros[1],
            micros[2],
            JvmProbe.ticksBetween(
                    workerBefore, workerAfter, thread -> !JvmProbe.jitCompiler(thread))
                * perTick,
            JvmProbe.ticksBetween(
                    workerBefore, workerAfter, thread -> thread.startsWith("task-thread-"))
                * perTick);
    System.out.printf(
        Locale.ROOT,
        "  CPU µs/msg: bench %.1f, Kafka %.1f, Connect %.1f (without JIT compiler %.1f, "
            + "task threads %.1f)%n",
        m.bench(),
        m.kafka(),
        m.connect(),
        m.withoutJit(),
        m.taskThreads());
    return m;
  }

  private static double medianOf(
      List<Measured> runs, java.util.function.ToDoubleFunction<Measured> value) {
    double[] values = runs.stream().mapToDouble(value).sorted().toArray();
    int n = values.length;
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }

  private static String range(
      List<Measured> runs, java.util.function.ToDoubleFunction<Measured> value) {
    return String.format(
        Locale.ROOT,
        "%.1f–%.1f",
        runs.stream().mapToDouble(value).min().orElse(0),
        runs.stream().mapToDouble(value).max().orElse(0));
  }

  private void writeHeaderComparison(
      Path file,
      String arguments,
      HiveMqBroker broker,
      List<Measured> rows,
      Map<String, List<Measured>> fullSpeed,
      Map<String, List<Measured>> atRate)
      throws IOException {
    StringBuilder report =
        BenchmarkReport.begin(
            "## MQTT source connector: header converters and headers", "", arguments);
    report.append(
        String.format(
            Locale.ROOT,
            "The same connector once per header path, in one Connect worker (separate "
                + "JVM, plugin from plugin.path), on one HiveMQ CE (outgoing window %d) and one Kafka broker: %d publishers, "
                + "QoS 1, %d-byte payloads without MQTT 5 properties, so six headers per record (`mqtt.topic`, "
                + "`mqtt.qos`, `mqtt.retain`, `mqtt.dup`, `mqtt.message.id`, `source`) unless the path writes fewer, "
                + "`tasks.max=%d`, `producer.override.linger.ms=0`, `producer.override.batch.size=524288`%s. Each path is "
                + "warmed up with %d messages; then %d rounds, in each of which every path runs %d messages at full speed%s, "
                + "the order of the paths rotated each round. CPU: µs of CPU time per message, from /proc in 10 ms ticks, "
                + "from the first publish until the last record is in Kafka: the Connect worker (the whole process); the "
                + "same without its JIT compiler threads (C1/C2, which keep compiling for minutes after a worker starts "
                + "and are most of the run-to-run noise); its task threads alone (`task-thread-*`: the task's poll(), "
                + "Connect's conversions, the producer's record encoding; the rest is the MQTT client, the producer's "
                + "network thread with the acknowledgements, GC); and the Kafka broker.%n%n",
            brokerWindow,
            publishers,
            payload,
            tasks,
            connectorOverrides.isEmpty() ? "" : ", " + connectorOverrides,
            warmup,
            repeats,
            messages,
            atRate.isEmpty()
                ? ""
                : String.format(
                    Locale.ROOT, " and %d s at %d msg/s offered", rateSeconds, headerRate)));
    report.append(
        "| Header path | Throughput (msg/s) | Connect worker CPU µs/msg | without JIT compiler | task "
            + "threads | Kafka broker CPU µs/msg |\n");
    report.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    headerSummary(report, fullSpeed, "");
    if (!atRate.isEmpty()) {
      headerSummary(report, atRate, ", " + headerRate + " msg/s");
    }
    report.append(
        String.format(
            Locale.ROOT,
            "%nMedians of %d rounds, (lowest–highest) in brackets. Broker drops: "
                + "%d.%n%n<details><summary>Every phase</summary>%n%n",
            repeats,
            broker.droppedMessages()));
    report.append(
        "| Phase | Messages | Throughput (msg/s) | Lost | CPU µs/msg: bench / Kafka / Connect (without "
            + "JIT compiler, task threads) |\n");
    report.append("| --- | ---: | ---: | ---: | ---: |\n");
    for (Measured m : rows) {
      Result r = m.result();
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.0f | %d | %.1f / %.1f / %.1f (%.1f, %.1f) |%n",
              r.name(),
              r.messages(),
              r.throughput(),
              r.lost(),
              m.bench(),
              m.kafka(),
              m.connect(),
              m.withoutJit(),
              m.taskThreads()));
    }
    report.append("\n</details>\n\n");
    BenchmarkReport.publish(file, "source-headers", report);
  }

  /** One summary row per path: medians, (lowest–highest) in brackets. */
  private static void headerSummary(
      StringBuilder report, Map<String, List<Measured>> runs, String suffix) {
    for (Map.Entry<String, List<Measured>> entry : runs.entrySet()) {
      List<Measured> m = entry.getValue();
      report.append(
          String.format(
              Locale.ROOT,
              "| %s%s | %.0f (%sk) | %.1f (%s) | **%.1f** (%s) | %.1f (%s) | " + "%.1f (%s) |%n",
              HEADER_PATH_NAMES.get(entry.getKey()),
              suffix,
              medianOf(m, x -> x.result().throughput()),
              range(m, x -> x.result().throughput() / 1000),
              medianOf(m, Measured::connect),
              range(m, Measured::connect),
              medianOf(m, Measured::withoutJit),
              range(m, Measured::withoutJit),
              medianOf(m, Measured::taskThreads),
              range(m, Measured::taskThreads),
              medianOf(m, Measured::kafka),
              range(m, Measured::kafka)));
    }
  }

  /**
   * The first sequence number of a phase of {@code count} messages; every phase gets numbers of its
   * own.
   */
  private long next(long count) {
    long from = nextSequence;
    nextSequence += count;
    return from;
  }

  interface Phase {
    Result run() throws Exception;
  }

  /** Runs a phase and adds the CPU time each process spent during it, per message. */
  private Result measured(ProcessStack stack, Phase phase) throws Exception {
    Measured m = measure(stack, phase);
    return m.result()
        .withCpu(
            String.format(Locale.ROOT, "%.0f / %.0f / %.0f", m.bench(), m.kafka(), m.connect()));
  }

  /**
   * A phase and the CPU µs per message the benchmark JVM, the Kafka broker and the Connect worker
   * spent in it.
   */
  record Measured(
      Result result,
      double bench,
      double kafka,
      double connect,
      double withoutJit,
      double taskThreads) {
    Measured(Result result, double bench, double kafka, double connect) {
      this(result, bench, kafka, connect, Double.NaN, Double.NaN);
    }
  }

  private Measured measure(ProcessStack stack, Phase phase) throws Exception {
    long[] pids = {ProcessHandle.current().pid(), stack.kafkaPid(), stack.connectPid()};
    long[] before = new long[pids.length];
    for (int i = 0; i < pids.length; i++) {
      before[i] = JvmProbe.cpuTicks(pids[i]);
    }
    Result result = phase.run();
    double[] microsPerMessage = new double[pids.length];
    for (int i = 0; i < pids.length; i++) {
      microsPerMessage[i] =
          (JvmProbe.cpuTicks(pids[i]) - before[i])
              * 1e6
              / JvmProbe.CLOCK_TICKS_PER_SECOND
              / result.messages();
    }
    return new Measured(result, microsPerMessage[0], microsPerMessage[1], microsPerMessage[2]);
  }

  private Result bridge(
      ProcessStack stack, HiveMqBroker broker, long from, long count, int totalRate, String name)
      throws Exception {
    return throughKafka(
        stack, broker, "bench/bridge", "bench.bridge", from, count, totalRate, name);
  }

  private void publish(HiveMqBroker broker, String prefix, long from, long count, int totalRate)
      throws Exception {
    LoadPublishers.publish(
        publishers,
        from,
        from + count,
        Duration.ofMinutes(30),
        (index, start, end) -> {
          try (MqttLoadPublisher publisher =
              new MqttLoadPublisher(
                  "bench-pub-" + prefix.replace('/', '-') + index + "-" + from, broker.port())) {
            publisher.publish(
                start, end, payload, totalRate / publishers, seq -> prefix + "/p" + index);
          }
        });
  }

  private Result raw(HiveMqBroker broker, long from, long count, int totalRate, String name)
      throws Exception {
    BitSet seen = new BitSet();
    Histogram latency = new Histogram();
    AtomicLong lastReceive = new AtomicLong();
    Mqtt5AsyncClient subscriber =
        MqttClients.builder("bench-raw-" + from, broker.port()).useMqttVersion5().buildAsync();
    subscriber.publishes(
        MqttGlobalPublishFilter.ALL,
        publish -> {
          byte[] bytes = publish.getPayloadAsBytes();
          long now = System.nanoTime();
          synchronized (seen) {
            seen.set((int) (MqttLoadPublisher.sequence(bytes) - from));
          }
          latency.record((now - MqttLoadPublisher.sentNanos(bytes)) / 1_000);
          lastReceive.set(now);
        });
    subscriber.connectWith().cleanStart(true).send().join();
    subscriber.subscribeWith().topicFilter("bench/raw/#").qos(MqttQos.AT_LEAST_ONCE).send().join();
    long start = System.nanoTime();
    publish(broker, "bench/raw", from, count, totalRate);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (cardinality(seen) < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    subscriber.disconnect().join();
    Result result =
        new Result(
            name,
            cardinality(seen),
            (lastReceive.get() - start) / 1e9,
            latency.percentileMillis(50),
            latency.percentileMillis(99),
            count - cardinality(seen));
    print(result);
    return result;
  }

  private static Result median(List<Result> runs) {
    List<Result> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(Result::throughput));
    return sorted.get(sorted.size() / 2);
  }

  private static int cardinality(BitSet seen) {
    synchronized (seen) {
      return seen.cardinality();
    }
  }

  private void startConnector(ProcessStack stack, HiveMqBroker broker) {
    startConnector(stack, broker, "bench-source", "bench/src/#", "bench.source", Map.of());
  }

  private void startConnector(
      ProcessStack stack,
      HiveMqBroker broker,
      String name,
      String filter,
      String kafkaTopic,
      Map<String, String> extra) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.connectmqtt.source.MqttSourceConnector");
    config.put("tasks.max", Integer.toString(tasks));
    config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
    config.put("mqtt.topics", filter);
    config.put(QosConfig.QOS_CONFIG, "1");
    config.put("kafka.topic", kafkaTopic);
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    config.put("record.headers.enable", "true");
    config.put("producer.override.linger.ms", "0");
    // Connect's source producers send one request at a time per broker; 16 KB batches (the default)
    // cap a 1 KB stream at ~16 records per partition per round trip.
    config.put("producer.override.batch.size", "524288");
    config.putAll(connectorOverrides);
    config.putAll(extra);
    stack.rest().createOrReplace(name, config);
    stack.rest().awaitRunning(name, tasks, Duration.ofSeconds(60));
  }

  private Result connector(
      ProcessStack stack, HiveMqBroker broker, long from, long count, int totalRate, String name)
      throws Exception {
    return throughKafka(stack, broker, "bench/src", "bench.source", from, count, totalRate, name);
  }

  private Result throughKafka(
      ProcessStack stack,
      HiveMqBroker broker,
      String mqttPrefix,
      String kafkaTopic,
      long from,
      long count,
      int totalRate,
      String name)
      throws Exception {
    Map<TopicPartition, Long> phaseStart;
    long startMillis;
    CompletableFuture<Void> publishing;
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      phaseStart = endOffsetsByPartition(admin, kafkaTopic);
      long expectedEnd = phaseStart.values().stream().mapToLong(Long::longValue).sum() + count;
      startMillis = System.currentTimeMillis();
      publishing =
          CompletableFuture.runAsync(
              () -> {
                try {
                  publish(broker, mqttPrefix, from, count, totalRate);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      // While the phase runs, only end offsets are watched (cheap); the records are read
      // afterwards, so reading them takes no CPU from the connector. Their log append times are the
      // same either way.
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (endOffsets(admin, phaseStart.keySet()) < expectedEnd && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      onDelivered.run();
    }
    BitSet seen = new BitSet();
    Histogram latency = new Histogram();
    long lastAppend = 0;
    java.util.SortedMap<Long, Integer> slowBySecond = new java.util.TreeMap<>();
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer
          .partitionsFor(kafkaTopic)
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(partitions);
      partitions.forEach(p -> consumer.seek(p, phaseStart.getOrDefault(p, 0L)));
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      int empty = 0;
      while (seen.cardinality() < count && System.nanoTime() < deadline && empty < 25) {
        var batch = consumer.poll(Duration.ofMillis(200));
        empty = batch.isEmpty() ? empty + 1 : 0;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          long seq = MqttLoadPublisher.sequence(record.value());
          if (seq >= from && seq < from + count && !seen.get((int) (seq - from))) {
            seen.set((int) (seq - from));
            long millis = record.timestamp() - MqttLoadPublisher.sentMillis(record.value());
            latency.record(millis * 1_000);
            lastAppend = Math.max(lastAppend, record.timestamp());
            if (millis > SLOW_MILLIS) {
              slowBySecond.merge(
                  (MqttLoadPublisher.sentMillis(record.value()) - startMillis) / 1_000,
                  1,
                  Integer::sum);
            }
          }
        }
      }
    }
    publishing.get();
    if (totalRate > 0) {
      // Where the slow messages were: a steady trickle points at per-message work, a few seconds at
      // pauses.
      System.out.println(
          "  messages slower than " + SLOW_MILLIS + " ms, by second of the phase: " + slowBySecond);
    }
    Result result =
        new Result(
            name,
            seen.cardinality(),
            (lastAppend - startMillis) / 1e3,
            latency.percentileMillis(50),
            latency.percentileMillis(99),
            count - seen.cardinality());
    print(result);
    return result;
  }

  private static long endOffsets(Admin admin, java.util.Collection<TopicPartition> partitions)
      throws Exception {
    return latest(admin, partitions).values().stream().mapToLong(Long::longValue).sum();
  }

  private static Map<TopicPartition, Long> endOffsetsByPartition(Admin admin, String topic)
      throws Exception {
    List<TopicPartition> partitions = new ArrayList<>();
    for (var description : admin.describeTopics(List.of(topic)).allTopicNames().get().values()) {
      description
          .partitions()
          .forEach(p -> partitions.add(new TopicPartition(description.name(), p.partition())));
    }
    return latest(admin, partitions);
  }

  private static Map<TopicPartition, Long> latest(
      Admin admin, java.util.Collection<TopicPartition> partitions) throws Exception {
    Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
    partitions.forEach(p -> request.put(p, org.apache.kafka.clients.admin.OffsetSpec.latest()));
    Map<TopicPartition, Long> offsets = new HashMap<>();
    admin
        .listOffsets(request)
        .all()
        .get()
        .forEach((partition, info) -> offsets.put(partition, info.offset()));
    return offsets;
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(topic, partitions, (short) 1)
                      .configs(Map.of("message.timestamp.type", "LogAppendTime"))))
          .all()
          .get();
    }
  }

  private void print(Result r) {
    System.out.printf(
        Locale.ROOT,
        "%-45s %8d msgs in %6.2f s = %8.0f msg/s, p50 %7.2f ms, p99 %7.2f ms, lost %d%n",
        r.name(),
        r.messages(),
        r.seconds(),
        r.throughput(),
        r.p50(),
        r.p99(),
        r.lost());
  }

  private void write(
      Path file,
      String arguments,
      HiveMqBroker broker,
      List<Result> results,
      Result rawMax,
      Result connectorMax,
      Result bridgeMax,
      long taskHeapKb)
      throws IOException {
    StringBuilder report = BenchmarkReport.begin("## MQTT source connector", "", arguments);
    report.append(
        String.format(
            Locale.ROOT,
            "%d publishers (HiveMQ client, QoS 1, %d-byte payloads), HiveMQ CE "
                + "embedded (outgoing in-flight window %d per subscriber%s), Kafka and a Connect worker as separate JVMs, "
                + "`tasks.max=%d`, `producer.override.linger.ms=0`, `producer.override.batch.size=524288`%s, all on this "
                + "one machine. Each path is warmed up with %d messages before it is measured, and runs %d s at the offered rate "
                + "before its latency is measured; the heap is read in a phase of "
                + "its own. CPU: µs of CPU time per message spent by the benchmark JVM (HiveMQ and the publishers, plus the "
                + "raw subscriber or the plain bridge) / the Kafka broker / the Connect worker during the phase.%n%n",
            publishers,
            payload,
            brokerWindow,
            brokerWindow == 50
                ? ", HiveMQ CE's fixed default"
                : ", raised from HiveMQ CE's fixed 50",
            tasks,
            connectorOverrides.isEmpty() ? "" : ", " + connectorOverrides,
            warmup,
            rateLeadInSeconds));
    report.append(
        "| Phase | Messages | Throughput (msg/s) | p50 (ms) | p99 (ms) | Lost | CPU µs/msg (bench / Kafka "
            + "/ Connect) |\n");
    report.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Result r : results) {
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.0f | %.2f | %.2f | %d | %s |%n",
              r.name(),
              r.messages(),
              r.throughput(),
              r.p50(),
              r.p99(),
              r.lost(),
              r.cpu()));
    }
    report.append(
        String.format(
            Locale.ROOT,
            "%nConnector / raw-subscriber ceiling: **%.2f×**; connector / plain "
                + "lossless bridge without Connect: **%.2f×** (medians of %d alternating runs: raw %.0f, connector %.0f, "
                + "bridge %.0f msg/s). Task heap under load (worker live heap minus idle live heap): **%.1f MB**. Broker "
                + "drops: %d.%n%n",
            connectorMax.throughput() / rawMax.throughput(),
            connectorMax.throughput() / bridgeMax.throughput(),
            repeats,
            rawMax.throughput(),
            connectorMax.throughput(),
            bridgeMax.throughput(),
            taskHeapKb / 1024.0,
            broker.droppedMessages()));
    BenchmarkReport.publish(file, "source", report);
  }
}
