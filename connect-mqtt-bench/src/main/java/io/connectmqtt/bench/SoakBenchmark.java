package io.connectmqtt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.SourceLog;
import io.connectmqtt.testkit.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The source connector through every failure at once, for as long as a soak takes: a Connect
 * cluster of three workers (separate JVMs, the plugin from {@code plugin.path}) runs the source
 * with its defaults ({@code --tasks=3} puts three tasks on one shared subscription) while a
 * publisher sends QoS 1 messages at a fixed rate. On the way the worker running task 0 is killed
 * with SIGKILL three times (started again after a few seconds), the MQTT broker is restarted with
 * its sessions persisted, and the Kafka broker is killed with SIGKILL and started again. Every
 * message the broker acknowledged to the publisher must reach Kafka; lost and duplicated messages
 * are counted, not assumed.
 *
 * <pre>./bench.sh soak --messages=1000000 --rate=4000 --broker=MOSQUITTO</pre>
 */
public final class SoakBenchmark {

  private final int messages;
  private final int rate;
  private final int payload;
  private final Broker brokerKind;
  private final int tasks;
  private final Duration drain;
  private final Map<String, String> connectorOverrides = new LinkedHashMap<>();

  private SoakBenchmark(Map<String, String> options) {
    messages = Integer.parseInt(options.getOrDefault("messages", "1000000"));
    rate = Integer.parseInt(options.getOrDefault("rate", "4000"));
    payload = Integer.parseInt(options.getOrDefault("payload", "256"));
    brokerKind =
        Broker.valueOf(options.getOrDefault("broker", "MOSQUITTO").toUpperCase(Locale.ROOT));
    tasks = Integer.parseInt(options.getOrDefault("tasks", "1"));
    drain = Duration.ofMinutes(Long.parseLong(options.getOrDefault("drain-minutes", "20")));
    connectorOverrides.putAll(BenchmarkSetup.prefixed(options, "connector."));
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args, "docs/benchmarks.md", options -> new SoakBenchmark(options)::run);
  }

  /**
   * One failure injected on the way, once the publisher's broker has acknowledged {@code
   * atFraction} of all.
   */
  private record Fault(double atFraction, String what, FaultAction action) {}

  @FunctionalInterface
  private interface FaultAction {
    void inject() throws Exception;
  }

  /** What a fault met: when it happened and what Kafka held then. */
  private record Injected(
      String what,
      double secondsIntoRun,
      long acknowledgedByBroker,
      long inKafka,
      double tookSeconds) {}

  private void run(Path reportFile, String arguments) throws Exception {
    String unavailable = brokerKind.unavailableReason();
    if (unavailable != null) {
      throw new IllegalStateException(
          "broker " + brokerKind + " cannot start here: " + unavailable);
    }
    String topic = "soak";
    List<Injected> injected = new ArrayList<>();
    try (TestBroker broker = brokerKind.startOrThrow(BrokerOptions.DEFAULTS);
        ProcessStack stack = BenchmarkSetup.stack("connect-mqtt-source")) {
      if (!broker.sharedSubscriptions() && tasks > 1) {
        throw new IllegalStateException(
            broker.name() + " has no shared subscriptions: use --tasks=1");
      }
      stack.startWorker(2);
      stack.startWorker(3);
      stack.topics().createWithLogAppendTime(topic, 6);
      Map<String, String> config = new HashMap<>();
      config.put("connector.class", "io.connectmqtt.source.MqttSourceConnector");
      config.put("tasks.max", Integer.toString(tasks));
      config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
      config.put("mqtt.topics", "soak/#");
      config.put("kafka.topic", topic);
      config.putAll(connectorOverrides);
      stack.rest().createOrReplace("soak", config);
      stack.rest().awaitRunning("soak", tasks, Duration.ofSeconds(120));

      try (KafkaCount count = new KafkaCount(stack.bootstrapServers(), topic, messages);
          MqttLoadPublisher publisher =
              new MqttLoadPublisher("soak-publisher", broker.port(), broker.mqtt5())) {
        long began = System.nanoTime();
        CompletableFuture<Void> publishing =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    publisher.publish(
                        0, messages, payload, rate, seq -> "soak/device-" + (seq % 100));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                  }
                });
        Duration workerDown = Duration.ofSeconds(5);
        List<Fault> faults =
            List.of(
                new Fault(
                    0.10,
                    "SIGKILL of the worker running task 0, started again after 5 s",
                    () -> killAndRestart(stack, workerOfTask0(stack), workerDown)),
                new Fault(
                    0.25,
                    "SIGKILL of the worker running task 0, started again after 5 s",
                    () -> killAndRestart(stack, workerOfTask0(stack), workerDown)),
                new Fault(
                    0.40, "MQTT broker restart (graceful, sessions persisted)", broker::restart),
                new Fault(
                    0.55,
                    "SIGKILL Kafka, started again after 5 s",
                    () -> stack.restartKafka(true, Duration.ofSeconds(5))),
                new Fault(
                    0.70,
                    "SIGKILL of the worker running task 0, started again after 5 s",
                    () -> killAndRestart(stack, workerOfTask0(stack), workerDown)));
        for (Fault fault : faults) {
          long due = (long) (fault.atFraction() * messages);
          while (publisher.acknowledged() < due) {
            if (publishing.isDone()) {
              publishing.join();
            }
            // Polling a counter the publisher's threads advance; there is no event to wait on.
            Thread.sleep(100);
          }
          long start = System.nanoTime();
          long inKafka = recordsInKafka(stack, topic);
          long acknowledged = publisher.acknowledged();
          fault.action().inject();
          Injected done =
              new Injected(
                  fault.what(),
                  (start - began) / 1e9,
                  acknowledged,
                  inKafka,
                  (System.nanoTime() - start) / 1e9);
          injected.add(done);
          System.out.printf(
              Locale.ROOT,
              "SOAK: %.0f s: %s (broker had acknowledged %,d; Kafka held %,d; took %.1f s)%n",
              done.secondsIntoRun(),
              done.what(),
              done.acknowledgedByBroker(),
              done.inKafka(),
              done.tookSeconds());
        }
        publishing.get(2, TimeUnit.HOURS);
        double publishedSeconds = (System.nanoTime() - began) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "SOAK: %,d messages acknowledged by the broker after %.0f s (%,d retries)%n",
            messages,
            publishedSeconds,
            publisher.retries());
        long deadline = System.nanoTime() + drain.toNanos();
        while (count.distinct() < messages && System.nanoTime() < deadline) {
          Thread.sleep(1_000); // the counter advances on its own thread
        }
        double drainedSeconds = (System.nanoTime() - began) / 1e9;
        // Late duplicates (acknowledgements lost with a killed connection) may still come: a quiet
        // while more.
        Thread.sleep(
            15_000); // nothing signals "no more duplicates"; 15 s is several reconnect cycles
        long distinct = count.distinct();
        long records = count.records();
        List<String> taskStates = new ArrayList<>();
        JsonNode status = stack.rest(workerOfTask0(stack) == 1 ? 2 : 1).status("soak");
        status
            .path("tasks")
            .forEach(t -> taskStates.add(t.path("id").asText() + ":" + t.path("state").asText()));
        long lostConnections = 0;
        for (String log : List.of("connect.log", "connect-2.log", "connect-3.log")) {
          Path file = stack.home().resolve(log);
          if (Files.exists(file)) {
            lostConnections += SourceLog.lostConnections(Files.readString(file), "soak");
          }
        }
        String dropped =
            broker.droppedMessageCount().isPresent()
                ? String.format(Locale.ROOT, "%,d", broker.droppedMessageCount().getAsLong())
                : "no counter";
        StringBuilder body = new StringBuilder(BenchmarkReport.runLine("soak", arguments));
        body.append(
            String.format(
                Locale.ROOT,
                "%s, one Kafka broker and three Connect workers (separate JVMs), the "
                    + "source with `tasks.max=%d` and its defaults%s; %,d QoS 1 messages of %d "
                    + "bytes from one publisher at %,d msg/s, retried until the broker acknowledged each.%n%n",
                broker.name(),
                tasks,
                connectorOverrides.isEmpty() ? "" : " plus `" + connectorOverrides + "`",
                messages,
                payload,
                rate));
        body.append("| Fault | At (s) | Acknowledged by the MQTT broker | In Kafka | Took (s) |\n");
        body.append("| --- | ---: | ---: | ---: | ---: |\n");
        for (Injected i : injected) {
          body.append(
              String.format(
                  Locale.ROOT,
                  "| %s | %.0f | %,d | %,d | %.1f |%n",
                  i.what(),
                  i.secondsIntoRun(),
                  i.acknowledgedByBroker(),
                  i.inKafka(),
                  i.tookSeconds()));
        }
        body.append(
            String.format(
                Locale.ROOT,
                "%n**Lost: %,d** of %,d; duplicates: %,d (%.2f %%); Kafka records: %,d. "
                    + "Published in %.0f s, all in Kafka after %.0f s%s. Task states at the end: %s. Connection losses "
                    + "logged by the tasks: %,d. Messages the broker dropped: %s.%n%n",
                messages - distinct,
                messages,
                records - distinct,
                100.0 * (records - distinct) / messages,
                records,
                publishedSeconds,
                drainedSeconds,
                distinct < messages ? " (NOT all: the drain deadline passed)" : "",
                String.join(", ", taskStates),
                lostConnections,
                dropped));
        BenchmarkReport.publish(reportFile, "soak", body);
      }
    }
  }

  /** The topic's end offsets (records, duplicates included), or -1 if Kafka does not answer. */
  private static long recordsInKafka(ProcessStack stack, String topic) {
    try {
      return stack.topics().endOffsetSum(topic);
    } catch (RuntimeException kafkaAway) {
      return -1;
    }
  }

  /** The worker (1, 2 or 3) that runs task 0 now, as any live worker's REST API says. */
  private static int workerOfTask0(ProcessStack stack) {
    for (int asked = 1; asked <= 3; asked++) {
      try {
        for (JsonNode task : stack.rest(asked).status("soak").path("tasks")) {
          if (task.path("id").asInt() == 0 && "RUNNING".equals(task.path("state").asText())) {
            String worker = task.path("worker_id").asText();
            for (int n = 1; n <= 3; n++) {
              if (worker.endsWith(":" + stack.restPort(n))) {
                return n;
              }
            }
          }
        }
      } catch (RuntimeException unreachable) {
        // this worker is restarting: ask the next one
      }
    }
    return 1;
  }

  private static void killAndRestart(ProcessStack stack, int worker, Duration down)
      throws InterruptedException {
    stack.killWorker(worker);
    Thread.sleep(down.toMillis()); // the outage itself
    if (worker == 1) {
      stack.startConnect();
    } else {
      stack.startWorker(worker);
    }
  }

  /**
   * Reads the topic from the start on its own thread, for the whole run, and counts records and
   * distinct sequence numbers. A consumer that saw nothing for 10 s is replaced by a new one at the
   * same positions: in a run of this benchmark, a consumer assigned before the Kafka SIGKILL read
   * nothing more after it.
   */
  private static final class KafkaCount implements AutoCloseable {
    private final BitSet seen;
    private long records;
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread reader;

    KafkaCount(String bootstrapServers, String topic, int messages) {
      seen = new BitSet(messages);
      Properties props = new Properties();
      props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
      props.put(
          ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      props.put(
          ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      reader =
          new Thread(
              () -> {
                while (running.get()) {
                  try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
                    List<TopicPartition> partitions = new ArrayList<>();
                    for (PartitionInfo p : consumer.partitionsFor(topic)) {
                      partitions.add(new TopicPartition(topic, p.partition()));
                    }
                    consumer.assign(partitions);
                    for (TopicPartition partition : partitions) {
                      consumer.seek(partition, positions.getOrDefault(partition, 0L));
                    }
                    long lastRecordNanos = System.nanoTime();
                    while (running.get()
                        && System.nanoTime() - lastRecordNanos < TimeUnit.SECONDS.toNanos(10)) {
                      for (ConsumerRecord<byte[], byte[]> record :
                          consumer.poll(Duration.ofMillis(500))) {
                        lastRecordNanos = System.nanoTime();
                        positions.put(
                            new TopicPartition(record.topic(), record.partition()),
                            record.offset() + 1);
                        synchronized (this) {
                          seen.set((int) MqttLoadPublisher.sequence(record.value()));
                          records++;
                        }
                      }
                    }
                  } catch (RuntimeException e) {
                    System.out.println(
                        "SOAK: the counting consumer failed (" + e + "); starting another");
                  }
                }
              },
              "soak-kafka-count");
      reader.start();
    }

    synchronized long records() {
      return records;
    }

    synchronized long distinct() {
      return seen.cardinality();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      reader.join(10_000);
    }
  }
}
