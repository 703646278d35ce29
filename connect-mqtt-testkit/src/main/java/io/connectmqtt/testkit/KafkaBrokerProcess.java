package io.connectmqtt.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Kafka of a {@link ProcessStack}: one KRaft node (broker and controller in one) in its own
 * JVM, storage formatted once under the stack's home, restartable on the same port and data. A test
 * that starts Connect clusters of several versions one after the other starts it alone ({@link
 * #startAlone()}, in a home of its own) and gives it to each with {@link ProcessStack#startOn}.
 */
public final class KafkaBrokerProcess implements AutoCloseable {

  /**
   * Settings that make a test broker cheap while it waits, which is most of its life (a suite run
   * keeps 16 of them and each test JVM's in-process one alive for minutes): no no-op record in the
   * metadata log every 500 ms (KRaft's keep-alive for a quorum of controllers; this one is alone),
   * two request handler threads instead of eight, one network thread instead of three, one group
   * coordinator thread instead of four and two background threads instead of ten, on two cores.
   * Idle brokers side by side: about 0.7 s of CPU a minute with these, 1.0–1.8 s with Kafka's
   * defaults.
   */
  static final Map<String, String> IDLE_SETTINGS =
      Map.of(
          "metadata.max.idle.interval.ms", "0",
          "num.io.threads", "2",
          "num.network.threads", "1",
          "group.coordinator.threads", "1",
          "background.threads", "2");

  private final Path home;
  private final int port;
  private final int controllerPort = Ports.free();
  private Process process;

  KafkaBrokerProcess(Path home, int port) {
    this.home = home;
    this.port = port;
  }

  /** The build's Kafka alone, in a scratch home on a free port; {@link #close()} stops it. */
  public static KafkaBrokerProcess startAlone() {
    KafkaBrokerProcess kafka =
        new KafkaBrokerProcess(ProjectLayout.scratch("kafka-"), Ports.free());
    try {
      kafka.start();
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
    return kafka;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /** Where its config, data and logs ({@code kafka}, {@code kafka-format}) are. */
  Path home() {
    return home;
  }

  /** Writes server.properties, formats the storage and starts the broker. */
  void start() {
    KafkaJvm.unchecked(
        () -> {
          Path data = Files.createDirectories(home.resolve("kafka-data"));
          Path config = config();
          Files.writeString(
              config,
              String.join(
                  "\n",
                  "process.roles=broker,controller",
                  "node.id=1",
                  "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                  "listeners=PLAINTEXT://127.0.0.1:"
                      + port
                      + ",CONTROLLER://127.0.0.1:"
                      + controllerPort,
                  "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                  "controller.listener.names=CONTROLLER",
                  "inter.broker.listener.name=PLAINTEXT",
                  "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                  "log.dirs=" + data,
                  "num.partitions=1",
                  "offsets.topic.replication.factor=1",
                  "transaction.state.log.replication.factor=1",
                  "transaction.state.log.min.isr=1",
                  "share.coordinator.state.topic.replication.factor=1",
                  "share.coordinator.state.topic.min.isr=1",
                  "group.initial.rebalance.delay.ms=0",
                  "auto.create.topics.enable=true",
                  KafkaJvm.propertiesLines(IDLE_SETTINGS),
                  ""));
          String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
          Process format =
              jvm(
                  "kafka-format",
                  "256m",
                  List.of(
                      "kafka.tools.StorageTool",
                      "format",
                      "-t",
                      clusterId,
                      "-c",
                      config.toString()));
          if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException(
                "Formatting Kafka storage failed: " + KafkaJvm.log(home, "kafka-format"));
          }
          startProcess();
          return null;
        });
  }

  /** See {@link ProcessStack#restartKafka(boolean, Duration)}. */
  void restart(boolean kill, Duration down) {
    KafkaJvm.unchecked(
        () -> {
          if (kill) {
            KafkaJvm.kill(process);
          } else {
            KafkaJvm.stop(process, 60);
          }
          process = null;
          // The outage itself is what the caller asked for: there is nothing to wait for.
          Thread.sleep(down.toMillis());
          startProcess();
          return null;
        });
  }

  long pid() {
    return process == null ? -1 : process.pid();
  }

  /** SIGTERM, and waits for the exit (stop the workers first: a worker outliving Kafka hangs). */
  @Override
  public void close() {
    KafkaJvm.stop(process, 60);
    process = null;
  }

  private Path config() {
    return home.resolve("server.properties");
  }

  private void startProcess() throws IOException, InterruptedException {
    process = jvm("kafka", "768m", List.of("kafka.Kafka", config().toString()));
    KafkaJvm.awaitPort(port, process, "kafka", Duration.ofSeconds(60));
  }

  private Process jvm(String name, String heap, List<String> mainAndArgs) throws IOException {
    return KafkaJvm.start(
        home, name, heap, ProjectLayout.kafkaLibs(), List.of(), Map.of(), mainAndArgs);
  }
}
