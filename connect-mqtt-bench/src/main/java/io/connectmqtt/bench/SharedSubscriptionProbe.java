package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.TestBroker;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain HiveMQ-client subscribers, no Kafka: {@code members} connections on one filter (one plain
 * subscription, or members of one {@code $share} group), each message acknowledged {@code
 * ack-delay-ms} after receipt as a lossless bridge does after Kafka's acknowledgement. Prints
 * messages per second, the most unacknowledged messages one connection held, and how the messages
 * were split. Shows what limits one connection and whether a shared group multiplies it on a
 * broker.
 *
 * <pre>./bench.sh shared-probe --broker=HIVEMQ --members=1,2,4 --ack-delay-ms=5
 *     --messages=50000 --persistence=false,true --backlog=true</pre>
 *
 * {@code --backlog=true} publishes everything before the members subscribe-and-drain (the broker's
 * queue is long); false publishes while they are draining (full speed, publishers outrun the
 * members). {@code --wake=true,false} also runs each case with idle members woken as the source
 * task does: a member that received nothing for a second while another did subscribes again.
 */
public final class SharedSubscriptionProbe {

  public static void main(String[] args) throws Exception {
    Map<String, String> options = BenchmarkSetup.options(args);
    Broker kind = Broker.valueOf(options.getOrDefault("broker", "HIVEMQ"));
    int messages = Integer.parseInt(options.getOrDefault("messages", "50000"));
    int ackDelayMs = Integer.parseInt(options.getOrDefault("ack-delay-ms", "5"));
    for (String persistence : options.getOrDefault("persistence", "false").split(",")) {
      try (TestBroker broker =
          kind.startOrThrow(
              BrokerOptions.DEFAULTS.withPersistence(Boolean.parseBoolean(persistence)))) {
        for (String backlog : options.getOrDefault("backlog", "false").split(",")) {
          for (String wake : options.getOrDefault("wake", "false").split(",")) {
            for (String members : options.getOrDefault("members", "1,2,4").split(",")) {
              run(
                  broker,
                  Integer.parseInt(members),
                  messages,
                  ackDelayMs,
                  Boolean.parseBoolean(backlog),
                  Boolean.parseBoolean(wake),
                  "persistence " + persistence);
            }
          }
        }
      }
    }
    System.exit(0);
  }

  private static void run(
      TestBroker broker,
      int members,
      int messages,
      int ackDelayMs,
      boolean backlog,
      boolean wake,
      String label)
      throws Exception {
    String run = "probe" + System.nanoTime();
    String filter = (members == 1 ? "" : "$share/" + run + "/") + run + "/#";
    ScheduledExecutorService acks = Executors.newSingleThreadScheduledExecutor();
    BitSet seen = new BitSet();
    AtomicLong last = new AtomicLong();
    List<Mqtt5AsyncClient> clients = new ArrayList<>();
    List<AtomicInteger> perMember = new ArrayList<>();
    List<AtomicInteger> maxUnacked = new ArrayList<>();
    List<AtomicLong> lastReceived = new ArrayList<>();
    AtomicInteger wakeUps = new AtomicInteger();
    for (int m = 0; m < members; m++) {
      Mqtt5AsyncClient client =
          MqttClients.builder(run + "-" + m, broker.port()).useMqttVersion5().buildAsync();
      AtomicInteger count = new AtomicInteger();
      AtomicInteger unacked = new AtomicInteger();
      AtomicInteger max = new AtomicInteger();
      perMember.add(count);
      maxUnacked.add(max);
      AtomicLong memberLast = new AtomicLong(System.nanoTime());
      lastReceived.add(memberLast);
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          (Mqtt5Publish p) -> {
            count.incrementAndGet();
            memberLast.set(System.nanoTime());
            max.accumulateAndGet(unacked.incrementAndGet(), Math::max);
            synchronized (seen) {
              seen.set((int) MqttLoadPublisher.sequence(p.getPayloadAsBytes()));
            }
            last.set(System.nanoTime());
            acks.schedule(
                () -> {
                  unacked.decrementAndGet();
                  p.acknowledge();
                },
                ackDelayMs,
                TimeUnit.MILLISECONDS);
          },
          true);
      client.connectWith().cleanStart(false).sessionExpiryInterval(300).send().join();
      clients.add(client);
    }
    if (backlog) {
      // Subscribe, go offline, fill the queue, come back: the broker holds the whole backlog first.
      for (Mqtt5AsyncClient client : clients) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
        client.disconnect().join();
      }
      publish(broker, run, messages);
      for (Mqtt5AsyncClient client : clients) {
        client.connectWith().cleanStart(false).sessionExpiryInterval(300).send().join();
      }
    }
    long start = System.nanoTime();
    if (!backlog) {
      for (Mqtt5AsyncClient client : clients) {
        client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
      }
      publish(broker, run, messages);
    }
    if (wake && members > 1) {
      acks.scheduleAtFixedRate(
          () -> {
            long now = System.nanoTime();
            long busiest = lastReceived.stream().mapToLong(AtomicLong::get).max().orElse(0);
            for (int m = 0; m < clients.size(); m++) {
              if (now - busiest < TimeUnit.MILLISECONDS.toNanos(250)
                  && now - lastReceived.get(m).get() > TimeUnit.SECONDS.toNanos(1)) {
                lastReceived.get(m).set(now);
                wakeUps.incrementAndGet();
                clients
                    .get(m)
                    .subscribeWith()
                    .topicFilter(filter)
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
              }
            }
          },
          500,
          500,
          TimeUnit.MILLISECONDS);
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      synchronized (seen) {
        if (seen.cardinality() >= messages) {
          break;
        }
      }
      Thread.sleep(20);
    }
    int received;
    synchronized (seen) {
      received = seen.cardinality();
    }
    double seconds = (last.get() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "PROBE: %s, %s, %d member(s)%s, ack after %d ms, %s%s: %d of %d in %.1f s = %.0f "
            + "msg/s; per member %s; most unacknowledged on one connection %s%n",
        broker.name(),
        label,
        members,
        members > 1 ? " of $share" : "",
        ackDelayMs,
        backlog ? "backlog first" : "publishing meanwhile",
        wake ? ", idle members woken " + wakeUps + " times" : "",
        received,
        messages,
        seconds,
        received / seconds,
        perMember,
        maxUnacked);
    for (Mqtt5AsyncClient client : clients) {
      client.disconnectWith().sessionExpiryInterval(0).send().join();
    }
    acks.shutdownNow();
  }

  private static void publish(TestBroker broker, String run, int messages) throws Exception {
    List<CompletableFuture<Void>> running = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      int index = p;
      running.add(
          CompletableFuture.runAsync(
              () -> {
                try (MqttLoadPublisher publisher =
                    new MqttLoadPublisher(run + "-pub-" + index, broker.port(), true)) {
                  publisher.publish(
                      index * (messages / 2),
                      (index + 1) * (messages / 2),
                      256,
                      0,
                      seq -> run + "/p" + index);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }));
    }
    CompletableFuture.allOf(running.toArray(new CompletableFuture[0])).get(10, TimeUnit.MINUTES);
  }
}
