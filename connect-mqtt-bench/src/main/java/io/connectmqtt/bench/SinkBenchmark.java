package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProcessStack;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * MQTT sink connector throughput and latency beside a raw HiveMQ-client publisher on the same
 * broker, same run.
 *
 * <p>Phases: (1) raw publisher, full speed, 1 KB QoS 1, window 1,000, into a subscriber; (2) the
 * sink draining the same number of records already in Kafka; (3)/(4) both at a fixed rate, where
 * latency is the record's (or the raw message's) send time to its receipt by the subscriber: Kafka
 * → Connect → MQTT → subscriber for the sink.
 */
public final class SinkBenchmark {

  record Result(String name, long messages, double seconds, double p50, double p99, long lost) {
    double throughput() {
      return messages / seconds;
    }
  }

  private final int messages;
  private final int payload;
  private final int rate;
  private final int rateSeconds;
  private final Map<String, String> overrides = new HashMap<>();

  private SinkBenchmark(Map<String, String> options) {
    messages = Integer.parseInt(options.getOrDefault("messages", "100000"));
    payload = Integer.parseInt(options.getOrDefault("payload", "1024"));
    rate = Integer.parseInt(options.getOrDefault("rate", "5000"));
    rateSeconds = Integer.parseInt(options.getOrDefault("rate-seconds", "20"));
    overrides.putAll(BenchmarkSetup.prefixed(options, "connector."));
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args, "docs/benchmarks.md", options -> new SinkBenchmark(options)::run);
  }

  /**
   * Counts what arrives on a topic filter, with send-to-receipt latency from the payload's nanoTime
   * stamp.
   */
  private static final class Receiver implements AutoCloseable {
    final BitSet seen = new BitSet();
    final Histogram latency = new Histogram();
    final AtomicLong first = new AtomicLong();
    final AtomicLong last = new AtomicLong();
    final Mqtt5AsyncClient client;

    Receiver(int port, String filter) {
      client = MqttClients.builder(null, port).useMqttVersion5().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          p -> {
            long now = System.nanoTime();
            ByteBuffer bytes = ByteBuffer.wrap(p.getPayloadAsBytes());
            synchronized (seen) {
              seen.set((int) bytes.getLong(0));
            }
            first.compareAndSet(0, now);
            last.set(now);
            latency.record((now - bytes.getLong(8)) / 1_000);
          });
      client.connectWith().restrictions().receiveMaximum(1000).applyRestrictions().send().join();
      client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
    }

    int count() {
      synchronized (seen) {
        return seen.cardinality();
      }
    }

    Result await(String name, long expected, long from, long startNanos)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (count() < expected && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Result result =
          new Result(
              name,
              count(),
              (last.get() - startNanos) / 1e9,
              latency.percentileMillis(50),
              latency.percentileMillis(99),
              expected - count());
      System.out.printf(
          Locale.ROOT,
          "%-40s %8d msgs in %6.2f s = %8.0f msg/s, p50 %8.2f ms, p99 %8.2f ms, lost %d%n",
          name,
          result.messages(),
          result.seconds(),
          result.throughput(),
          result.p50(),
          result.p99(),
          result.lost());
      return result;
    }

    @Override
    public void close() {
      client.disconnect().join();
    }
  }

  private byte[] payload(long seq) {
    return ByteBuffer.allocate(payload).putLong(0, seq).putLong(8, System.nanoTime()).array();
  }

  private Result raw(HiveMqBroker broker, String name, long count, int perSecond) throws Exception {
    try (Receiver receiver = new Receiver(broker.port(), "bench/raw-" + perSecond + "/#")) {
      Mqtt5AsyncClient publisher =
          MqttClients.builder(null, broker.port()).useMqttVersion5().buildAsync();
      publisher.connect().join();
      Semaphore window = new Semaphore(1_000);
      long start = System.nanoTime();
      for (long seq = 0; seq < count; seq++) {
        pace(start, seq, perSecond);
        window.acquire();
        publisher
            .publishWith()
            .topic("bench/raw-" + perSecond + "/" + (seq % 3))
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(payload(seq))
            .send()
            .whenComplete((r, e) -> window.release());
      }
      Result result = receiver.await(name, count, 0, start);
      publisher.disconnect().join();
      return result;
    }
  }

  private static void pace(long start, long seq, int perSecond) throws InterruptedException {
    if (perSecond > 0) {
      long wait = start + seq * 1_000_000_000L / perSecond - System.nanoTime();
      if (wait > 1_000_000) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
    }
  }

  private Result sink(
      HiveMqBroker broker,
      ProcessStack stack,
      String name,
      String topic,
      long count,
      int perSecond,
      boolean prefill)
      throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.LINGER_MS_CONFIG, prefill ? 5 : 0);
    try (Receiver receiver = new Receiver(broker.port(), "bench/" + topic + "/#");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      if (prefill) {
        for (long seq = 0; seq < count; seq++) {
          producer.send(new ProducerRecord<>(topic, payload(seq)));
        }
        producer.flush();
      }
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", "io.connectmqtt.sink.MqttSinkConnector");
      config.put("topics", topic);
      config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
      config.put("mqtt.topic", "bench/" + topic + "/${partition}");
      config.put("mqtt.properties.from.headers", "");
      config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      config.put("consumer.override.auto.offset.reset", "earliest");
      config.putAll(overrides);
      long start = System.nanoTime();
      stack.rest().createOrReplace("bench-" + topic, config);
      if (!prefill) {
        stack.rest().awaitRunning("bench-" + topic, 1, Duration.ofSeconds(60));
        Thread.sleep(2_000);
        start = System.nanoTime();
        for (long seq = 0; seq < count; seq++) {
          pace(start, seq, perSecond);
          producer.send(new ProducerRecord<>(topic, payload(seq)));
        }
        producer.flush();
      }
      // Throughput from the first message out, so that connector start-up is not counted.
      Result result = receiver.await(name, count, 0, start);
      if (prefill) {
        double seconds = (receiver.last.get() - receiver.first.get()) / 1e9;
        result =
            new Result(name, result.messages(), seconds, Double.NaN, Double.NaN, result.lost());
        System.out.printf(
            Locale.ROOT, "  (from the first message out: %.0f msg/s)%n", result.throughput());
      }
      stack.rest().delete("bench-" + topic);
      return result;
    }
  }

  private void run(Path reportFile, String arguments) throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.startForPublishers(1_000, 5_000_000, false);
        ProcessStack stack = BenchmarkSetup.stack("connect-mqtt-sink")) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(new NewTopic("drain", 3, (short) 1), new NewTopic("paced", 3, (short) 1)))
            .all()
            .get();
      }
      List<Result> results = new ArrayList<>();
      Result rawMax = raw(broker, "raw publisher, full speed", messages, 0);
      results.add(rawMax);
      Result sinkMax = sink(broker, stack, "sink, draining Kafka", "drain", messages, 0, true);
      results.add(sinkMax);
      results.add(
          raw(broker, "raw publisher, " + rate + " msg/s", (long) rate * rateSeconds, rate));
      results.add(
          sink(
              broker,
              stack,
              "sink, " + rate + " msg/s into Kafka",
              "paced",
              (long) rate * rateSeconds,
              rate,
              false));
      write(reportFile, arguments, results, rawMax, sinkMax, broker.droppedMessages());
    }
  }

  private void write(
      Path file, String arguments, List<Result> results, Result rawMax, Result sinkMax, long drops)
      throws Exception {
    StringBuilder report = BenchmarkReport.begin("## MQTT sink connector", "sink", arguments);
    report.append(
        String.format(
            Locale.ROOT,
            "%d-byte payloads, QoS 1, HiveMQ CE embedded (server receive maximum "
                + "1,000), Kafka and a Connect worker as separate JVMs, `tasks.max=1`, `mqtt.max.in.flight=1000`%s. "
                + "Throughput counts messages received by an MQTT subscriber; fixed-rate latency is send → subscriber "
                + "receipt (for the sink: into Kafka, through Connect, to MQTT).%n%n",
            payload,
            overrides.isEmpty() ? "" : ", " + overrides));
    report.append("| Phase | Messages | Throughput (msg/s) | p50 (ms) | p99 (ms) | Lost |\n");
    report.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Result r : results) {
      report.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.0f | %s | %s | %d |%n",
              r.name(),
              r.messages(),
              r.throughput(),
              Double.isNaN(r.p50()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p50()),
              Double.isNaN(r.p99()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p99()),
              r.lost()));
    }
    report.append(
        String.format(
            Locale.ROOT,
            "%nSink / raw ceiling: **%.2f×**. Broker drops: %d.%n%n",
            sinkMax.throughput() / rawMax.throughput(),
            drops));
    BenchmarkReport.publish(file, "sink", report);
  }
}
