package io.connectmqtt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import io.connectmqtt.common.publish.DeliveryConfig;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProcessStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The entity-notify sink with 10,000 subscriptions: change event in Kafka → notification received
 * over MQTT, latency (p50/p99) at a steady rate, and notifications per second in a burst, beside
 * the broker's raw ceiling for the same messages in the same run.
 */
public final class NotifyBenchmark {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final int subscriptions;
  private final int matchesPerChange;
  private final List<Integer> rates;
  private final int rateSeconds;

  /** One steady phase: changes per second offered, and the latency percentiles measured. */
  record Steady(
      int changesPerSecond,
      double p50,
      double p90,
      double p99,
      double toSinkP99,
      double fromSinkP99) {}

  private final int burst;

  private NotifyBenchmark(Map<String, String> options) {
    subscriptions = Integer.parseInt(options.getOrDefault("subscriptions", "10000"));
    matchesPerChange = Integer.parseInt(options.getOrDefault("matches", "10"));
    rates =
        java.util.Arrays.stream(options.getOrDefault("rates", "20,100").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    rateSeconds = Integer.parseInt(options.getOrDefault("rate-seconds", "20"));
    burst = Integer.parseInt(options.getOrDefault("burst", "3000"));
  }

  public static void main(String[] args) throws Exception {
    BenchmarkSetup.runAndExit(
        args, "docs/benchmarks.md", options -> new NotifyBenchmark(options)::run);
  }

  /**
   * Receives every notification and records the latency from the event's creation (stamped in the
   * row).
   */
  private static final class Receiver {
    final Histogram latency = new Histogram();

    /** Change event produced → notification built in the sink (wall clock, ms resolution). */
    final Histogram toSink = new Histogram();

    /** Notification built in the sink → received. */
    final Histogram fromSink = new Histogram();

    final AtomicLong received = new AtomicLong();
    final Mqtt5AsyncClient client;

    Receiver(int port) {
      client = MqttClients.builder("bench-receiver", port).useMqttVersion5().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          publish -> {
            long now = System.nanoTime();
            try {
              JsonNode notification = JSON.readTree(publish.getPayloadAsBytes());
              JsonNode row = notification.path("data");
              if (row.has("sent_nanos")) {
                latency.record((now - row.path("sent_nanos").asLong()) / 1_000);
                long built =
                    java.time.Instant.parse(notification.path("timestamp").asText()).toEpochMilli();
                toSink.record((built - row.path("sent_millis").asLong()) * 1_000);
                fromSink.record((System.currentTimeMillis() - built) * 1_000);
              }
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
            received.incrementAndGet();
          });
      client.connectWith().restrictions().receiveMaximum(65_535).applyRestrictions().send().join();
    }
  }

  private void run(Path reportFile, String arguments) throws Exception {
    int buckets = subscriptions / matchesPerChange;
    try (HiveMqBroker broker = HiveMqBroker.startForPublishers(1_000, 1_000_000, false);
        ProcessStack stack = BenchmarkSetup.stack("connect-entity-sync")) {
      stack.topics().create("entity-changes", 1);
      stack.topics().createCompacted("entity-subscriptions");
      Receiver receiver = new Receiver(broker.port());
      receiver
          .client
          .subscribeWith()
          .topicFilter("spec/+/notify/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .join();
      try (KafkaProducer<String, String> producer = producer(stack.bootstrapServers())) {
        // The subscriptions as entity sync writes them: 100 clients, one bucket filter each.
        for (int s = 0; s < subscriptions; s++) {
          String sid = "sub-" + s;
          String cid = "client-" + (s % 100);
          SubscriptionRecord record =
              new SubscriptionRecord(
                  SubscriptionRecord.VERSION,
                  sid,
                  cid,
                  "public",
                  "users",
                  "spec/" + cid + "/notify/" + sid,
                  java.time.Instant.now(),
                  null,
                  List.of(new Filter("bucket", FilterOperator.EQ, (long) (s % buckets), false)),
                  Map.of("bucket", ColumnType.INTEGER),
                  Database.POSTGRESQL);
          producer.send(
              new ProducerRecord<>("entity-subscriptions", sid, record.toJson(JSON).toString()));
        }
        producer.flush();
        Map<String, String> config = new HashMap<>();
        config.put("connector.class", "io.connectmqtt.entitysync.notify.EntityNotifySinkConnector");
        config.put("topics", "entity-changes");
        config.put(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri());
        config.put(DeliveryConfig.MAX_IN_FLIGHT_CONFIG, "1000");
        config.put("entity.notify.subscriptions.bootstrap.servers", stack.bootstrapServers());
        config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
        config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        config.put("value.converter.schemas.enable", "false");
        config.put("consumer.override.fetch.max.wait.ms", "5");
        config.put("consumer.override.auto.offset.reset", "latest");
        stack.rest().createOrReplace("bench-notify", config);
        stack.rest().awaitRunning("bench-notify", 1, Duration.ofSeconds(90));
        Thread.sleep(5_000);

        // Warm-up, then the steady rate: one change every 1/rate s, each matching matchesPerChange
        // subscriptions.
        sendChanges(producer, 200, 200, buckets, 0);
        awaitReceived(receiver, 200L * matchesPerChange, Duration.ofSeconds(60));
        List<Steady> steadies = new java.util.ArrayList<>();
        long nextId = 1_000_000;
        for (int rate : rates) {
          long steadyStart = receiver.received.get();
          int mark = receiver.latency.size();
          sendChanges(producer, rate * rateSeconds, rate, buckets, nextId);
          nextId += 1_000_000;
          awaitReceived(
              receiver,
              steadyStart + (long) rate * rateSeconds * matchesPerChange,
              Duration.ofSeconds(120));
          Steady steady =
              new Steady(
                  rate,
                  receiver.latency.percentileMillisSince(mark, 50),
                  receiver.latency.percentileMillisSince(mark, 90),
                  receiver.latency.percentileMillisSince(mark, 99),
                  receiver.toSink.percentileMillisSince(mark, 99),
                  receiver.fromSink.percentileMillisSince(mark, 99));
          System.out.printf(
              Locale.ROOT,
              "steady %d changes/s (%d notifications/s): p50 %.2f, p90 %.2f, p99 %.2f ms "
                  + "(p99 of change → sink %.0f ms, sink → subscriber %.0f ms)%n",
              rate,
              rate * matchesPerChange,
              steady.p50(),
              steady.p90(),
              steady.p99(),
              steady.toSinkP99(),
              steady.fromSinkP99());
          steadies.add(steady);
        }

        // Burst: as fast as the sink goes.
        long burstStartCount = receiver.received.get();
        long burstStart = System.nanoTime();
        sendChanges(producer, burst, 0, buckets, 2_000_000);
        awaitReceived(
            receiver, burstStartCount + (long) burst * matchesPerChange, Duration.ofSeconds(300));
        double burstSeconds = (System.nanoTime() - burstStart) / 1e9;
        double notificationsPerSecond = burst * (double) matchesPerChange / burstSeconds;

        double ceiling = rawCeiling(broker.port(), burst * matchesPerChange);
        System.out.printf(
            Locale.ROOT,
            "burst %d changes: %.0f notifications/s; raw broker ceiling %.0f msg/s "
                + "(ratio %.2f)%n",
            burst,
            notificationsPerSecond,
            ceiling,
            notificationsPerSecond / ceiling);
        writeReport(reportFile, arguments, steadies, notificationsPerSecond, ceiling);
      }
      receiver.client.disconnect();
    }
  }

  private void sendChanges(
      KafkaProducer<String, String> producer, int count, int perSecond, int buckets, long firstId)
      throws InterruptedException {
    long periodNanos = perSecond > 0 ? 1_000_000_000L / perSecond : 0;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      if (periodNanos > 0) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        next += periodNanos;
      }
      long id = firstId + i;
      producer.send(
          new ProducerRecord<>(
              "entity-changes",
              "public.users:" + id,
              "{\"op\":\"create\","
                  + "\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\""
                  + id
                  + "\",\"before\":null,\"after\":{"
                  + "\"id\":"
                  + id
                  + ",\"bucket\":"
                  + (i % buckets)
                  + ",\"sent_nanos\":"
                  + System.nanoTime()
                  + ",\"sent_millis\":"
                  + System.currentTimeMillis()
                  + "}}"));
    }
    producer.flush();
  }

  private static void awaitReceived(Receiver receiver, long count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (receiver.received.get() < count) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "received " + receiver.received.get() + " of " + count + " notifications");
      }
      Thread.sleep(5);
    }
  }

  /**
   * The same number of notification-sized QoS 1 messages from one plain publisher to one
   * subscriber.
   */
  private static double rawCeiling(int port, int messages) throws Exception {
    Mqtt5AsyncClient subscriber =
        MqttClients.builder("raw-sub", port).useMqttVersion5().buildAsync();
    AtomicLong got = new AtomicLong();
    subscriber.publishes(MqttGlobalPublishFilter.ALL, p -> got.incrementAndGet());
    subscriber
        .connectWith()
        .restrictions()
        .receiveMaximum(65_535)
        .applyRestrictions()
        .send()
        .join();
    subscriber.subscribeWith().topicFilter("raw/#").qos(MqttQos.AT_LEAST_ONCE).send().join();
    Mqtt5AsyncClient publisher =
        MqttClients.builder("raw-pub", port).useMqttVersion5().buildAsync();
    publisher.connect().join();
    byte[] payload =
        ("{\"type\":\"notification\",\"operation\":\"create\",\"subscription_id\":\"sub-1234\","
                + "\"schema\":\"public\",\"entity\":\"users\",\"data\":{\"id\":1000001,\"bucket\":234,\"sent_nanos\":"
                + System.nanoTime()
                + "},\"timestamp\":\"2026-11-23T10:00:00Z\"}")
            .getBytes(StandardCharsets.UTF_8);
    long start = System.nanoTime();
    java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(1_000);
    for (int i = 0; i < messages; i++) {
      window.acquire();
      publisher
          .publishWith()
          .topic("raw/client-" + (i % 100) + "/notify/sub-" + i)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(payload)
          .send()
          .whenComplete((r, e) -> window.release());
    }
    while (got.get() < messages && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(120)) {
      Thread.sleep(2);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    publisher.disconnect();
    subscriber.disconnect();
    return got.get() / seconds;
  }

  private static KafkaProducer<String, String> producer(String bootstrap) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(props);
  }

  private void writeReport(
      Path reportFile, String arguments, List<Steady> steadies, double perSecond, double ceiling)
      throws java.io.IOException {
    StringBuilder report =
        BenchmarkReport.begin("## Live subscriptions (entity-notify)", "notify", arguments);
    report.append(
        String.format(
            Locale.ROOT,
            "%,d subscriptions (written to the compacted topic as entity sync "
                + "writes them), each change event matching %d of them; HiveMQ CE, Kafka and a Connect worker as separate "
                + "JVMs, one notify task. Latency: change event produced to Kafka → notification received over MQTT, at "
                + "steady rates for %d s each, split at the moment the sink built the notification. Throughput: %,d "
                + "changes sent at once. The raw ceiling is one plain publisher sending as many notification-sized QoS 1 "
                + "messages to one subscriber through the same broker.%n%n",
            subscriptions,
            matchesPerChange,
            rateSeconds,
            burst));
    report.append(
        "| Steady rate | p50 (ms) | p90 (ms) | p99 (ms) | p99 change → sink | p99 sink → subscriber |\n");
    report.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Steady steady : steadies) {
      report.append(
          String.format(
              Locale.ROOT,
              "| %d changes/s (%d notifications/s) | %.2f | %.2f | %.2f | %.0f | " + "%.0f |%n",
              steady.changesPerSecond(),
              steady.changesPerSecond() * matchesPerChange,
              steady.p50(),
              steady.p90(),
              steady.p99(),
              steady.toSinkP99(),
              steady.fromSinkP99()));
    }
    report.append(
        String.format(
            Locale.ROOT,
            "%nBurst: **%.0f notifications/s**; raw broker ceiling %.0f msg/s; "
                + "ratio **%.2f**.%n",
            perSecond,
            ceiling,
            perSecond / ceiling));
    report.append("\n");
    BenchmarkReport.publish(reportFile, "notify", report);
  }
}
