package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.TestBrokerSettings;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SourceLog;
import io.connectmqtt.testkit.TestBroker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several MQTT connections per task ({@code mqtt.connections}) on the brokers of the matrix that have shared
 * subscriptions, the plugin in a worker JVM of its own. The same connector runs with one connection (a plain
 * subscription), then with {@code auto} (several members of one shared group), then with one again. Connection 0
 * keeps its client id and resumes its session each time; the other form of the subscription left in that session by
 * the previous run is removed; and the members no longer used leave the group. Every message must reach Kafka
 * exactly once in every phase: a stale plain subscription would repeat messages, and mosquitto, which keeps
 * queueing a share of the group's messages for an offline member, would strand them with the unused members.
 */
class SourceConnectionsIT {

  private static final int PER_PHASE = 3_000;

  private ProcessStack stack;

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Broker.class, names = {"HIVEMQ", "MOSQUITTO"})
  void changingTheConnectionCountResumesTheSessionAndWritesEveryMessageOnce(Broker kind) throws Exception {
    kind.assumeSelected();
    try (TestBroker broker = kind.start(BrokerOptions.DEFAULTS.withPersistence(false));
        ProcessStack started = ProcessStack.start(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")),
            Map.of())) {
      stack = started;
      String id = kind.name().toLowerCase(Locale.ROOT);
      String name = "connections-" + id;
      String topic = "connections." + id;
      stack.topics().create(topic, 3);

      String first = run(broker, name, topic, "1", 1, 0);
      assertThat(first).as("the first run starts a new session")
          .containsPattern("MQTT client '" + name + "-0' connected .*new session");

      // mosquitto before 2.1 does not keep shared subscriptions across its restarts, so auto stays at one connection
      // there (the last phase checks it) and the shared phase asks for the members explicitly.
      boolean dropsShared = BrokerVersion.probe(TestBrokerSettings.of(broker, "connections-it"), Duration.ofSeconds(2))
          .filter(BrokerVersion::dropsSharedSubscriptionsOnRestart).isPresent();
      String shared = run(broker, name, topic,
          dropsShared ? Integer.toString(MqttSourceConfig.AUTO_SHARED_CONNECTIONS) : "auto",
          MqttSourceConfig.AUTO_SHARED_CONNECTIONS, 1);
      assertThat(shared).as("connection 0 resumes the session of the single-connection run")
          .containsPattern("MQTT client '" + name + "-0' connected .*resumed its session");
      for (int k = 1; k < MqttSourceConfig.AUTO_SHARED_CONNECTIONS; k++) {
        assertThat(shared).as("connection " + k + " has a client id of its own")
            .contains("MQTT client '" + name + "-0-c" + k + "' connected");
      }

      String again = run(broker, name, topic, dropsShared ? "auto" : "1", 1, 2);
      if (dropsShared) {
        assertThat(again).as("auto on a broker that drops shared subscriptions in a restart")
            .contains("does not keep shared subscriptions across its restarts");
      }
      int total = 3 * PER_PHASE;
      awaitOrCount(Duration.ofSeconds(60), () -> Arrays.stream(counts(topic, total)).allMatch(c -> c > 0));
      List<ConsumerRecord<byte[], byte[]>> records = stack.topics().readAll(topic, total, Duration.ofSeconds(10));
      int[] counts = counts(topic, total);
      long missing = Arrays.stream(counts).filter(c -> c == 0).count();
      long repeated = Arrays.stream(counts).filter(c -> c > 1).count();
      System.out.printf("CONNECTIONS: %s, connections 1 -> shared -> 1: %d records for %d messages, %d missing, %d "
          + "repeated%n", broker.name(), records.size(), total, missing, repeated);
      assertThat(missing).as("messages missing in Kafka").isZero();
      assertThat(repeated).as("messages in Kafka more than once").isZero();
      assertThat(again).as("back to one connection, the session is resumed again")
          .containsPattern("MQTT client '" + name + "-0' connected .*resumed its session");
      for (int k = 1; k < MqttSourceConfig.AUTO_SHARED_CONNECTIONS; k++) {
        assertThat(again).as("the unused member c" + k + " leaves the group")
            .contains("MQTT client id '" + name + "-0-c" + k + "' is no longer used");
      }

      stack.rest().delete(name);
    }
  }

  private int[] counts(String topic, int total) {
    int[] counts = new int[total];
    stack.topics().readAll(topic, total, Duration.ofSeconds(5))
        .forEach(r -> counts[(int) MqttLoadPublisher.sequence(r.value())]++);
    return counts;
  }

  /**
   * (Re)configures the connector with {@code mqtt.connections=connections}, waits until all its connections
   * subscribed, publishes phase {@code phase}'s messages and waits until Kafka has as many records as were published
   * so far; returns the worker log of the phase.
   */
  private String run(TestBroker broker, String name, String topic, String connections, int expected,
      int phase) throws Exception {
    long logStart = Files.size(stack.home().resolve("connect.log"));
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", MqttSourceConnector.class.getName());
    config.put("tasks.max", "1");
    config.put("mqtt.server.uris", broker.uri());
    config.put("mqtt.topics", name + "/#");
    config.put("kafka.topic", topic);
    config.put("mqtt.connections", connections);
    stack.rest().createOrReplace(name, config);
    Awaitility.await("all " + expected + " connection(s) subscribed").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> workerLog(logStart).contains("All " + expected + " connection(s) subscribed")
            && SourceLog.allSubscribed(workerLog(logStart), name + "/#"));
    try (MqttLoadPublisher publisher = new MqttLoadPublisher(name + "-publisher-" + phase, broker.port(),
        broker.mqtt5())) {
      publisher.publish((long) phase * PER_PHASE, (long) (phase + 1) * PER_PHASE, 64, 0,
          seq -> name + "/device-" + (seq % 10));
    }
    long published = (long) (phase + 1) * PER_PHASE;
    awaitOrCount(Duration.ofSeconds(120), () -> stack.topics().endOffsetSum(topic) >= published);
    return workerLog(logStart);
  }

  /** Waits for {@code condition} at most {@code timeout}; if it never holds, the counts in the test say why. */
  private static void awaitOrCount(Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
    try {
      Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(500)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println("CONNECTIONS: not all messages arrived within " + timeout + "; counting what did");
    }
  }

  private String workerLog(long from) throws Exception {
    String log = Files.readString(stack.home().resolve("connect.log"));
    return log.substring((int) Math.min(from, log.length()));
  }
}
