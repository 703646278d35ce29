package io.connectmqtt.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kafka (KRaft, broker and controller in one) and a distributed Connect worker as separate JVMs
 * started from Kafka's own classes, the way users run them. Our plugins reach the worker only
 * through {@code plugin.path}, with {@code plugin.discovery=service_load}. The worker can be killed
 * with SIGKILL and started again. The broker is a {@link KafkaBrokerProcess}, the workers are
 * {@link ConnectWorkers}, each JVM a {@link KafkaJvm}; this class is what tests hold. A stack
 * started {@linkplain #startOn on a running Kafka} owns only its workers: closing it leaves that
 * Kafka to its owner.
 */
public final class ProcessStack implements AutoCloseable {

  private final Path home;
  private final KafkaBrokerProcess kafka;
  private final boolean ownsKafka;
  private final ConnectWorkers workers;

  private ProcessStack(
      Path home,
      KafkaBrokerProcess kafka,
      boolean ownsKafka,
      List<Path> pluginPath,
      int restPort,
      String workerHeap) {
    this.home = home;
    this.kafka = kafka;
    this.ownsKafka = ownsKafka;
    this.workers =
        new ConnectWorkers(home, kafka.bootstrapServers(), pluginPath, restPort, workerHeap);
  }

  /** A stack, not yet launched, with a Kafka of its own on {@code kafkaPort}. */
  private static ProcessStack owningKafka(
      List<Path> pluginPath, int kafkaPort, int restPort, String workerHeap) {
    Path home = ProjectLayout.scratch("process-stack-");
    return new ProcessStack(
        home, new KafkaBrokerProcess(home, kafkaPort), true, pluginPath, restPort, workerHeap);
  }

  /**
   * Starts Kafka, then a Connect worker with {@code pluginPath}, on free ports. {@code
   * workerEnvironment} is the worker's environment, read by connector configs through the env
   * config provider: ${env:NAME}.
   */
  public static ProcessStack start(List<Path> pluginPath, Map<String, String> workerEnvironment) {
    return start(pluginPath, workerEnvironment, Ports.free(), Ports.free(), "512m");
  }

  /**
   * As {@link #start(List, Map)}, with {@code workerProperties} in every worker's config: for a
   * test that waits for something Connect does only on a timer, e.g. {@code
   * offset.flush.interval.ms} (60 s by default) for the commit of offsets no record will follow.
   */
  public static ProcessStack start(
      List<Path> pluginPath,
      Map<String, String> workerEnvironment,
      Map<String, String> workerProperties) {
    ProcessStack stack = owningKafka(pluginPath, Ports.free(), Ports.free(), "512m");
    stack.workers.environment.putAll(workerEnvironment);
    stack.workers.properties.putAll(workerProperties);
    return stack.launch();
  }

  public static ProcessStack start(
      List<Path> pluginPath,
      Map<String, String> workerEnvironment,
      int kafkaPort,
      int restPort,
      String workerHeap) {
    return start(pluginPath, workerEnvironment, kafkaPort, restPort, workerHeap, List.of());
  }

  /**
   * As {@link #start(List, Map, int, int, String)}, with more JVM options for the first worker,
   * e.g. {@link PrometheusExporter#javaAgentOption(int)}.
   */
  public static ProcessStack start(
      List<Path> pluginPath,
      Map<String, String> workerEnvironment,
      int kafkaPort,
      int restPort,
      String workerHeap,
      List<String> firstWorkerJvmOptions) {
    ProcessStack stack = owningKafka(pluginPath, kafkaPort, restPort, workerHeap);
    stack.workers.environment.putAll(workerEnvironment);
    stack.workers.firstWorkerJvmOptions.addAll(firstWorkerJvmOptions);
    return stack.launch();
  }

  /**
   * A Connect worker with {@code pluginPath} on {@code kafka}, which its caller started and stops,
   * in a Connect cluster of its own: group.id {@code cluster} and topics {@code cluster-configs},
   * {@code -offsets} and {@code -status}, so it sees no connector of another cluster on that Kafka.
   * The worker runs from {@code workerLibs} (the libs of another Kafka version, e.g. {@link
   * ConnectVersion#libs()}) while the broker stays the build's Kafka: brokers serve older clients.
   * {@code pluginDiscovery} is the worker's plugin.discovery (Kafka 3.6+), or null to leave the key
   * out and scan the plugin path the classic way. {@link #close()} stops only the workers.
   */
  public static ProcessStack startOn(
      KafkaBrokerProcess kafka,
      String cluster,
      List<Path> pluginPath,
      Path workerLibs,
      String pluginDiscovery) {
    ProcessStack stack =
        new ProcessStack(
            ProjectLayout.scratch("process-stack-"),
            kafka,
            false,
            pluginPath,
            Ports.free(),
            "512m");
    stack.workers.cluster = cluster;
    stack.workers.libs = workerLibs;
    stack.workers.pluginDiscovery = pluginDiscovery;
    return stack.launch();
  }

  private ProcessStack launch() {
    try {
      if (ownsKafka) {
        kafka.start();
      }
      startConnect();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public ConnectRest rest() {
    return rest(1);
  }

  public KafkaTopics topics() {
    return new KafkaTopics(bootstrapServers());
  }

  public Path home() {
    return home;
  }

  /**
   * Kills the Kafka broker with SIGKILL ({@code kill}) or stops it (SIGTERM), waits {@code down},
   * and starts it again on the same port and data: the workers keep running and must recover by
   * themselves. Only for a stack that started its Kafka.
   */
  public void restartKafka(boolean kill, Duration down) {
    if (!ownsKafka) {
      throw new IllegalStateException("this stack's Kafka is its caller's, see startOn");
    }
    kafka.restart(kill, down);
  }

  /** Starts (or starts again) the Connect worker and waits until its REST API answers. */
  public void startConnect() {
    workers.start(1);
  }

  /**
   * Starts (or starts again) worker {@code n} (2, 3, ...) of the same Connect cluster (same group
   * and topics, its own REST port), so tasks spread over several JVMs; see {@link
   * #killWorker(int)}.
   */
  public void startWorker(int n) {
    workers.start(n);
  }

  /**
   * SIGKILL to worker {@code n}: 1 is the first worker (as {@link #killConnect()}), 2, 3, ... those
   * of {@link #startWorker(int)}. Its tasks move to the others once the group notices it is gone.
   */
  public void killWorker(int n) {
    workers.kill(n);
  }

  /** The REST API of worker {@code n} (1 is the first). */
  public ConnectRest rest(int n) {
    return workers.rest(n);
  }

  /**
   * The REST port of worker {@code n}, as Connect's status names workers ({@code 127.0.0.1:port}).
   */
  public int restPort(int n) {
    return workers.restPort(n);
  }

  /** SIGKILL: the worker gets no chance to flush, commit or disconnect. */
  public void killConnect() {
    workers.kill(1);
  }

  public long kafkaPid() {
    return kafka.pid();
  }

  public long connectPid() {
    return workers.pid(1);
  }

  /** Stops the worker gracefully (SIGTERM) and waits for it to exit. */
  public void stopConnect() {
    workers.stop(1);
  }

  /**
   * The last lines a process printed, for failure messages: {@code kafka}, {@code connect} (worker
   * 1), {@code connect-n}.
   */
  public String log(String name) {
    return KafkaJvm.log(name.startsWith("kafka") ? kafka.home() : home, name);
  }

  /** The size of the first worker's log now: where {@link #workerLog} reads what comes after. */
  public long workerLogSize() {
    return KafkaJvm.unchecked(() -> Files.size(home.resolve("connect.log")));
  }

  /** The first worker's whole log from {@code from} (a {@link #workerLogSize}) on. */
  public String workerLog(long from) {
    String log = KafkaJvm.unchecked(() -> Files.readString(home.resolve("connect.log")));
    return log.substring((int) Math.min(from, log.length()));
  }

  /**
   * Stops Connect first and waits for it: a worker outliving its Kafka hangs. Then Kafka, unless
   * the stack was started {@linkplain #startOn on another's Kafka}.
   */
  @Override
  public void close() {
    workers.stopAll();
    if (ownsKafka) {
      kafka.close();
    }
  }
}
