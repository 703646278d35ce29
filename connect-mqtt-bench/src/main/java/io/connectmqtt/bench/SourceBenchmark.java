package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * MQTT source connector throughput and latency beside the raw ceiling of the same broker, in the same run.
 *
 * <p>Phases: (1) raw ceiling: N publishers at full speed, 1 KB QoS 1, into a plain HiveMQ-client subscriber;
 * (2) the connector (separate Connect JVM, plugin from plugin.path) with the same load, into Kafka; (3) and (4) the
 * same at a fixed offered rate, for latency. Latency is publish → subscriber receipt for the raw subscriber and
 * publish → Kafka log append time for the connector. The task's heap is the worker's live heap under load minus
 * its live heap before the connector started (full GC before each reading, via jcmd).
 */
public final class SourceBenchmark {

  private final int messages;
  private final int publishers;
  private final int payload;
  private final int rate;
  private final int rateSeconds;
  private final int tasks;
  /** HiveMQ CE's outgoing in-flight window per subscriber (its fixed default: 50). */
  private final int brokerWindow;
  private final Map<String, String> connectorOverrides = new HashMap<>();
  private final StringBuilder report = new StringBuilder();
  private long consumedBefore;

  private SourceBenchmark(Map<String, String> options) {
    messages = Integer.parseInt(options.getOrDefault("messages", "300000"));
    publishers = Integer.parseInt(options.getOrDefault("publishers", "2"));
    payload = Integer.parseInt(options.getOrDefault("payload", "1024"));
    rate = Integer.parseInt(options.getOrDefault("rate", "10000"));
    rateSeconds = Integer.parseInt(options.getOrDefault("rate-seconds", "20"));
    tasks = Integer.parseInt(options.getOrDefault("tasks", "1"));
    brokerWindow = Integer.parseInt(options.getOrDefault("broker-window", "1000"));
    options.forEach((key, value) -> {
      if (key.startsWith("connector.")) {
        connectorOverrides.put(key.substring("connector.".length()), value);
      }
    });
  }

  record Result(String name, long messages, double seconds, double p50, double p99, long lost) {
    double throughput() {
      return messages / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (String arg : args) {
      options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    new SourceBenchmark(options).run(Path.of(options.getOrDefault("out", "docs/benchmarks.md")),
        String.join(" ", args));
    System.exit(0);
  }

  private void run(Path reportFile, String arguments) throws Exception {
    HiveMqBroker.outgoingWindow(brokerWindow);
    if (brokerWindow > 100) {
      connectorOverrides.putIfAbsent("mqtt.receive.maximum", Integer.toString(brokerWindow));
    }
    try (HiveMqBroker broker = HiveMqBroker.start(5_000_000, false);
        ProcessStack stack = ProcessStack.start(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")),
            Map.of(), Ports.free(), Ports.free(), "1g")) {
      createTopic(stack.bootstrapServers(), "bench.source", 3);
      Result rawMax = raw(broker, 0, messages, 0, "raw subscriber, full speed");
      long idleHeap = liveHeapKb(stack.connectPid());
      startConnector(stack, broker);
      Result connectorMax = connector(stack, broker, 0, messages, 0, "connector, full speed");
      int offered = rate * rateSeconds;
      Result rawRate = raw(broker, messages, offered, rate, "raw subscriber, " + rate + " msg/s offered");
      CompletableFuture<Long> heap = CompletableFuture.supplyAsync(() -> maxLiveHeapKb(stack.connectPid(),
          rateSeconds - 2));
      Result connectorRate = connector(stack, broker, messages, offered, rate,
          "connector, " + rate + " msg/s offered");
      long taskHeapKb = Math.max(0, heap.join() - idleHeap);
      write(reportFile, arguments, broker, List.of(rawMax, connectorMax, rawRate, connectorRate), rawMax,
          connectorMax, taskHeapKb);
    }
  }

  private void publish(HiveMqBroker broker, String prefix, long from, long count, int totalRate) throws Exception {
    List<CompletableFuture<Void>> running = new ArrayList<>();
    long share = count / publishers;
    for (int p = 0; p < publishers; p++) {
      long start = from + p * share;
      long end = p == publishers - 1 ? from + count : start + share;
      int index = p;
      running.add(CompletableFuture.runAsync(() -> {
        try (MqttLoadPublisher publisher = new MqttLoadPublisher("bench-pub-" + prefix.replace('/', '-') + index
            + "-" + from, broker.port())) {
          publisher.publish(start, end, payload, totalRate / publishers, seq -> prefix + "/p" + index);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }));
    }
    CompletableFuture.allOf(running.toArray(new CompletableFuture[0])).get(30, TimeUnit.MINUTES);
  }

  private Result raw(HiveMqBroker broker, long from, long count, int totalRate, String name) throws Exception {
    BitSet seen = new BitSet();
    Histogram latency = new Histogram();
    AtomicLong lastReceive = new AtomicLong();
    Mqtt5AsyncClient subscriber = MqttClient.builder().useMqttVersion5().identifier("bench-raw-" + from)
        .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
    subscriber.publishes(MqttGlobalPublishFilter.ALL, publish -> {
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
    Result result = new Result(name, cardinality(seen), (lastReceive.get() - start) / 1e9,
        latency.percentileMillis(50), latency.percentileMillis(99), count - cardinality(seen));
    print(result);
    return result;
  }

  private static int cardinality(BitSet seen) {
    synchronized (seen) {
      return seen.cardinality();
    }
  }

  private void startConnector(ProcessStack stack, HiveMqBroker broker) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.connectmqtt.source.MqttSourceConnector");
    config.put("tasks.max", Integer.toString(tasks));
    config.put("mqtt.server.uris", broker.uri());
    config.put("mqtt.topics", "bench/src/#");
    config.put("mqtt.qos", "1");
    config.put("kafka.topic", "bench.source");
    config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    config.put("record.headers.enable", "true");
    config.put("producer.override.linger.ms", "0");
    // Connect's source producers send one request at a time per broker; 16 KB batches (the default) cap a 1 KB
    // stream at ~16 records per partition per round trip.
    config.put("producer.override.batch.size", "524288");
    config.putAll(connectorOverrides);
    stack.rest().createOrReplace("bench-source", config);
    stack.rest().awaitRunning("bench-source", tasks, Duration.ofSeconds(60));
  }

  private Result connector(ProcessStack stack, HiveMqBroker broker, long from, long count, int totalRate,
      String name) throws Exception {
    long startMillis = System.currentTimeMillis();
    CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
      try {
        publish(broker, "bench/src", from, count, totalRate);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // While the phase runs, only end offsets are watched (cheap); the records are read afterwards, so reading them
    // takes no CPU from the connector. Their log append times are the same either way.
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (endOffsets(admin) < consumedBefore + count && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      consumedBefore = endOffsets(admin);
    }
    BitSet seen = new BitSet();
    Histogram latency = new Histogram();
    long lastAppend = 0;
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor("bench.source").forEach(p -> partitions.add(new TopicPartition(p.topic(),
          p.partition())));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      int empty = 0;
      while (seen.cardinality() < count && System.nanoTime() < deadline && empty < 25) {
        var batch = consumer.poll(Duration.ofMillis(200));
        empty = batch.isEmpty() ? empty + 1 : 0;
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          long seq = MqttLoadPublisher.sequence(record.value());
          if (seq >= from && seq < from + count && !seen.get((int) (seq - from))) {
            seen.set((int) (seq - from));
            latency.record((record.timestamp() - MqttLoadPublisher.sentMillis(record.value())) * 1_000);
            lastAppend = Math.max(lastAppend, record.timestamp());
          }
        }
      }
    }
    publishing.get();
    Result result = new Result(name, seen.cardinality(), (lastAppend - startMillis) / 1e3,
        latency.percentileMillis(50), latency.percentileMillis(99), count - seen.cardinality());
    print(result);
    return result;
  }

  private static long endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
    for (var description : admin.describeTopics(List.of("bench.source")).allTopicNames().get().values()) {
      description.partitions().forEach(p -> request.put(new TopicPartition(description.name(), p.partition()),
          org.apache.kafka.clients.admin.OffsetSpec.latest()));
    }
    return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
  }

  private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)
          .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
    }
  }

  /** The worker's live heap in KB: full GC, then used heap, through jcmd. */
  private static long liveHeapKb(long pid) {
    try {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      run(jcmd.toString(), Long.toString(pid), "GC.run");
      String info = run(jcmd.toString(), Long.toString(pid), "GC.heap_info");
      Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
      return used.find() ? Long.parseLong(used.group(1)) : -1;
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private static long maxLiveHeapKb(long pid, int seconds) {
    long max = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      max = Math.max(max, liveHeapKb(pid));
      try {
        Thread.sleep(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return max;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor(30, TimeUnit.SECONDS);
    return output;
  }

  private void print(Result r) {
    System.out.printf(Locale.ROOT, "%-45s %8d msgs in %6.2f s = %8.0f msg/s, p50 %7.2f ms, p99 %7.2f ms, lost %d%n",
        r.name(), r.messages(), r.seconds(), r.throughput(), r.p50(), r.p99(), r.lost());
  }

  private void write(Path file, String arguments, HiveMqBroker broker, List<Result> results, Result rawMax,
      Result connectorMax, long taskHeapKb) throws IOException {
    report.append("<!-- source-benchmark:start -->\n");
    report.append("## MQTT source connector\n\n");
    report.append(String.format(Locale.ROOT, "Run on %s, %d cores, Java %s. Command: `./bench.sh %s`%n%n",
        LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        arguments).replace("`./bench.sh `", "`./bench.sh`"));
    report.append(String.format(Locale.ROOT, "%d publishers (HiveMQ client, QoS 1, %d-byte payloads), HiveMQ CE "
        + "embedded (outgoing in-flight window %d per subscriber%s), Kafka and a Connect worker as separate JVMs, "
        + "`tasks.max=%d`, `producer.override.linger.ms=0`, `producer.override.batch.size=524288`%s, all on this one machine.%n%n", publishers, payload,
        brokerWindow, brokerWindow == 50 ? ", HiveMQ CE's fixed default" : ", raised from HiveMQ CE's fixed 50",
        tasks, connectorOverrides.isEmpty() ? "" : ", " + connectorOverrides));
    report.append("| Phase | Messages | Throughput (msg/s) | p50 (ms) | p99 (ms) | Lost |\n");
    report.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Result r : results) {
      report.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.2f | %.2f | %d |%n", r.name(), r.messages(),
          r.throughput(), r.p50(), r.p99(), r.lost()));
    }
    double ratio = connectorMax.throughput() / rawMax.throughput();
    report.append(String.format(Locale.ROOT, "%nConnector / raw ceiling: **%.2f×**. Task heap under load (worker "
        + "live heap minus idle live heap): **%.1f MB**. Broker drops: %d.%n%n", ratio, taskHeapKb / 1024.0,
        broker.droppedMessages()));
    report.append("<!-- source-benchmark:end -->\n");
    System.out.println(report);
    String existing = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
    int start = existing.indexOf("<!-- source-benchmark:start -->");
    int end = existing.indexOf("<!-- source-benchmark:end -->");
    String updated = start >= 0 && end > start
        ? existing.substring(0, start) + report + existing.substring(end + "<!-- source-benchmark:end -->\n".length())
        : existing + "\n" + report;
    Files.writeString(file, updated);
  }
}
