package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Stateless scale of live subscriptions: two Connect workers (separate JVMs), entity sync and the
 * notify sink with two tasks each, 10,000 subscriptions made over MQTT by 500 clients. Every
 * change, whichever worker processes it, reaches every matching subscription, whichever worker took
 * it; and a worker killed with SIGKILL in the middle of a stream of changes loses no notification
 * (at least once; duplicates are counted, not hidden).
 *
 * <p>Runs as {@link TwoWorkers}. Connectors and topics are named {@code notify-scale-*}.
 */
@ExtendWith(SharedFixtures.class)
class NotifyScaleIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLIENTS = 500;
  private static final int SUBSCRIPTIONS_PER_CLIENT = 20;
  private static final int BUCKETS = 1_000;
  private static final int PARTITIONS = 3;
  private static final String SYNC = "notify-scale-sync";
  private static final String NOTIFY = "notify-scale-notify";
  private static final String CHANGES = "notify-scale-changes";
  private static final String SUBSCRIPTIONS = "notify-scale-subscriptions";

  /** Row ids of the change events of step 3, above those entity sync gives the rows of step 2. */
  private static final long FIRST_EVENT_ID = 100_000;

  @Test
  void tenThousandSubscriptionsOnTwoWorkersAndSigkillLosesNoNotification() throws Exception {
    TwoWorkers.run(500_000, List.of(SYNC, NOTIFY), NotifyScaleIT::streamOfChangesOnTwoWorkers);
  }

  private static void streamOfChangesOnTwoWorkers(
      ProcessStack stack, HiveMqBroker hivemq, PostgresDatabase postgres) throws Exception {
    try (Connection connection = postgres.connection();
        Statement statement = connection.createStatement()) {
      statement.execute(
          "create table public.users (id bigserial primary key, name varchar(50), bucket integer)");
    }
    stack.topics().create(CHANGES, PARTITIONS);
    stack.topics().createCompacted(SUBSCRIPTIONS);
    Map<String, String> sync =
        OpenEntitySync.config(hivemq.uri(), postgres.jdbcUrl(), "postgres", "public.users");
    sync.put("tasks.max", "2");
    sync.put("database.pool.size", "8");
    OpenEntitySync.topics(sync, CHANGES, SUBSCRIPTIONS);
    stack.rest().createOrReplace(SYNC, sync);
    Map<String, String> notify =
        OpenEntitySync.notifySink(hivemq.uri(), stack.bootstrapServers(), CHANGES, SUBSCRIPTIONS);
    notify.put("tasks.max", "2");
    notify.put("mqtt.max.in.flight", "500");
    stack.rest().createOrReplace(NOTIFY, notify);
    stack.rest().awaitRunning(SYNC, 2, Duration.ofSeconds(120));
    stack.rest().awaitRunning(NOTIFY, 2, Duration.ofSeconds(120));
    for (String connector : List.of(SYNC, NOTIFY)) {
      Set<String> workers = new HashSet<>();
      stack
          .rest()
          .status(connector)
          .path("tasks")
          .forEach(t -> workers.add(t.path("worker_id").asText()));
      assertThat(workers).as(connector + " tasks on two workers").hasSize(2);
    }
    try (ProtocolClient pinger = new ProtocolClient(hivemq.port(), "spec", "scale-pinger")) {
      pinger.awaitServed();
    }

    try (MqttRecorder replies =
            MqttRecorder.subscribe("scale-replies", hivemq.port(), "spec/+/response");
        MqttRecorder notifications =
            MqttRecorder.subscribe("scale-notifications", hivemq.port(), "spec/+/notify/#")) {
      // 1. 500 clients, 20 subscriptions each: subscription j of client c watches bucket (c * 20
      // + j) % 1000.
      Map<String, Integer> bucketOfSubscription = subscribe(hivemq, replies);

      // 2. Changes made over MQTT through entity sync (either task, either worker): 100 rows,
      // buckets 0..99.
      Mqtt5AsyncClient writer = connect(hivemq, "writer");
      for (int i = 0; i < 100; i++) {
        writer
            .publishWith()
            .topic("spec/writer/request")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(
                ("{\"id\":\"c"
                        + i
                        + "\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"users\","
                        + "\"data\":{\"name\":\"row "
                        + i
                        + "\",\"bucket\":"
                        + i
                        + "}}")
                    .getBytes(StandardCharsets.UTF_8))
            .send();
      }
      Map<String, Integer> viaMqtt =
          awaitNotifications(notifications, 0, 0, 100 * 10, Duration.ofSeconds(90));
      assertThat(viaMqtt.values())
          .as("each change notified to its 10 subscribers once")
          .allMatch(n -> n == 1);
      assertEveryPairMatches(viaMqtt, bucketOfSubscription);
      Set<Integer> partitionsSeen = new HashSet<>();
      for (String pair : viaMqtt.keySet()) {
        partitionsSeen.add(partition(pair.substring(pair.indexOf('|') + 1)));
      }
      assertThat(partitionsSeen)
          .as("changes in every partition, so processed by both notify tasks")
          .hasSize(PARTITIONS);
      writer.disconnect().join();

      // 3. 2,000 change events (20,000 notifications); the second worker is killed with SIGKILL
      // mid-stream.
      int before = notifications.received().size();
      List<ProducerRecord<byte[], byte[]>> events = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        long id = FIRST_EVENT_ID + i;
        events.add(
            KafkaTopics.record(
                CHANGES,
                "public.users:" + id,
                "{\"op\":\"create\","
                    + "\"schema\":\"public\",\"entity\":\"users\",\"record_id\":\""
                    + id
                    + "\",\"before\":null,"
                    + "\"after\":{\"id\":"
                    + id
                    + ",\"name\":\"event "
                    + i
                    + "\",\"bucket\":"
                    + (i % BUCKETS)
                    + "},"
                    + "\"ts\":"
                    + System.currentTimeMillis()
                    + "}"));
      }
      CompletableFuture<Void> sending =
          CompletableFuture.runAsync(() -> stack.topics().send(events));
      Awaitility.await("the stream is under way")
          .atMost(Duration.ofSeconds(60))
          .until(() -> notifications.received().size() - before >= 2_000);
      stack.killWorker(2);
      sending.join();
      Map<String, Integer> afterKill =
          awaitNotifications(
              notifications, before, FIRST_EVENT_ID, 20_000, Duration.ofSeconds(180));
      assertEveryPairMatches(afterKill, bucketOfSubscription);
      // Changes of step 2 whose offsets the killed worker had not committed yet are notified
      // again: duplicates too.
      Map<String, Integer> ofEvents = new HashMap<>();
      afterKill.forEach(
          (pair, n) -> {
            if (rowId(pair) >= FIRST_EVENT_ID) {
              ofEvents.put(pair, n);
            }
          });
      long repeatedFromStep2 =
          afterKill.entrySet().stream()
              .filter(e -> rowId(e.getKey()) < FIRST_EVENT_ID)
              .mapToLong(Map.Entry::getValue)
              .sum();
      long duplicates = ofEvents.values().stream().mapToLong(n -> n - 1).sum() + repeatedFromStep2;
      System.out.printf(
          "NotifyScaleIT: 20,000 notifications expected across the SIGKILL, %d distinct received, "
              + "%d duplicates (%d of them repeating step 2)%n",
          ofEvents.size(), duplicates, repeatedFromStep2);
      assertThat(ofEvents).as("no notification lost").hasSize(20_000);
    }
  }

  /** Makes the 10,000 subscriptions over MQTT; returns subscription id → bucket. */
  private static Map<String, Integer> subscribe(HiveMqBroker hivemq, MqttRecorder replies)
      throws Exception {
    // Connected all at once: one after another, the 500 round trips under load took seconds.
    List<Mqtt5AsyncClient> clients = new ArrayList<>();
    List<CompletableFuture<?>> connecting = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      Mqtt5AsyncClient client = client(hivemq, "client-" + c);
      clients.add(client);
      connecting.add(client.connect());
    }
    connecting.forEach(CompletableFuture::join);
    for (int c = 0; c < CLIENTS; c++) {
      for (int j = 0; j < SUBSCRIPTIONS_PER_CLIENT; j++) {
        int bucket = (c * SUBSCRIPTIONS_PER_CLIENT + j) % BUCKETS;
        clients
            .get(c)
            .publishWith()
            .topic("spec/client-" + c + "/request")
            .qos(MqttQos.AT_LEAST_ONCE)
            .payload(
                ("{\"id\":\"b"
                        + bucket
                        + "\",\"type\":\"subscription\",\"operation\":\"subscribe\","
                        + "\"entity\":\"users\",\"options\":{\"filters\":[{\"column\":\"bucket\",\"operator\":\"eq\","
                        + "\"value\":"
                        + bucket
                        + "}]}}")
                    .getBytes(StandardCharsets.UTF_8))
            .send();
      }
    }
    int total = CLIENTS * SUBSCRIPTIONS_PER_CLIENT;
    // The clients' replies only: a late pong to the pinger's readiness check may come here too.
    Awaitility.await(total + " subscribe replies")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> clientReplies(replies).size() >= total);
    Map<String, Integer> bucketOfSubscription = new HashMap<>();
    for (Mqtt5Publish reply : clientReplies(replies)) {
      JsonNode body = JSON.readTree(reply.getPayloadAsBytes());
      assertThat(body.path("success").asBoolean()).as(body.toString()).isTrue();
      bucketOfSubscription.put(
          body.path("data").path("subscription_id").asText(),
          Integer.parseInt(body.path("id").asText().substring(1)));
    }
    assertThat(bucketOfSubscription).hasSize(total);
    clients.stream().map(Mqtt5AsyncClient::disconnect).toList().forEach(CompletableFuture::join);
    return bucketOfSubscription;
  }

  private static List<Mqtt5Publish> clientReplies(MqttRecorder replies) {
    return replies.received().stream()
        .filter(reply -> reply.getTopic().toString().startsWith("spec/client-"))
        .toList();
  }

  private static Mqtt5AsyncClient connect(HiveMqBroker hivemq, String clientId) {
    Mqtt5AsyncClient client = client(hivemq, clientId);
    client.connect().join();
    return client;
  }

  private static Mqtt5AsyncClient client(HiveMqBroker hivemq, String clientId) {
    return MqttClient.builder()
        .useMqttVersion5()
        .identifier(clientId)
        .serverHost("127.0.0.1")
        .serverPort(hivemq.port())
        .buildAsync();
  }

  /**
   * Waits until {@code expected} distinct (subscription, record) notifications arrived after the
   * first {@code skip} received, then returns how often each arrived.
   */
  /**
   * Counts notifications received from index {@code skip} on by subscription|row id|bucket, until
   * {@code expected} distinct ones of rows with ids from {@code firstRowId} on arrived.
   */
  private static Map<String, Integer> awaitNotifications(
      MqttRecorder recorder, int skip, long firstRowId, int expected, Duration timeout)
      throws InterruptedException {
    Map<String, Integer> counts = new HashMap<>();
    int[] read = {skip};
    Awaitility.await(expected + " distinct notifications")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              List<Mqtt5Publish> all = recorder.received();
              for (; read[0] < all.size(); read[0]++) {
                JsonNode n = JSON.readTree(all.get(read[0]).getPayloadAsBytes());
                counts.merge(
                    n.path("subscription_id").asText()
                        + "|"
                        + n.path("data").path("id").asText()
                        + "|"
                        + n.path("data").path("bucket").asText(),
                    1,
                    Integer::sum);
              }
              return counts.keySet().stream().filter(pair -> rowId(pair) >= firstRowId).count()
                  >= expected;
            });
    // Duplicates may still be on their way, and nothing signals the last one: give them a moment to
    // be counted.
    Thread.sleep(2_000);
    return counts;
  }

  private static long rowId(String pair) {
    return Long.parseLong(pair.split("\\|")[1]);
  }

  /** Every notification went to a subscription whose bucket is the row's. */
  private static void assertEveryPairMatches(
      Map<String, Integer> counts, Map<String, Integer> buckets) {
    for (String pair : counts.keySet()) {
      String[] parts = pair.split("\\|");
      assertThat(buckets.get(parts[0])).as(pair).isEqualTo(Integer.parseInt(parts[2]));
    }
  }

  /**
   * The partition of the change event of a row, as Kafka's default partitioner picks it from the
   * key.
   */
  private static int partition(String rowIdAndBucket) {
    String id = rowIdAndBucket.substring(0, rowIdAndBucket.indexOf('|'));
    byte[] key = ("public.users:" + id).getBytes(StandardCharsets.UTF_8);
    return Utils.toPositive(Utils.murmur2(key)) % PARTITIONS;
  }
}
