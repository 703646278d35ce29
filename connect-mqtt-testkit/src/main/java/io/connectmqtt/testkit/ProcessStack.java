package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Kafka (KRaft, broker and controller in one) and a distributed Connect worker as separate JVMs
 * started from Kafka's own classes, the way users run them. Our plugins reach the worker only
 * through {@code plugin.path}, with {@code plugin.discovery=service_load}. The worker can be killed
 * with SIGKILL and started again.
 */
public final class ProcessStack implements AutoCloseable {

  private static final List<String> KAFKA_JVM_PERFORMANCE_OPTS =
      List.of(
          "-server",
          "-XX:+UseG1GC",
          "-XX:MaxGCPauseMillis=20",
          "-XX:InitiatingHeapOccupancyPercent=35",
          "-XX:+ExplicitGCInvokesConcurrent",
          "-XX:MaxInlineLevel=15",
          "-Djava.awt.headless=true");

  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private final Path home;
  private final List<Path> pluginPath;
  private final int kafkaPort;
  private final int controllerPort;
  private final int restPort;
  private final String workerHeap;

  /**
   * More JVM options for the first worker only, e.g. the Prometheus exporter agent (one port per
   * JVM).
   */
  private final List<String> firstWorkerJvmOptions = new ArrayList<>();

  private final Map<String, String> workerEnvironment =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Worker config keys added to (or overriding) the defaults below, e.g. a shorter
   * offset.flush.interval.ms.
   */
  private final Map<String, String> workerProperties = new java.util.LinkedHashMap<>();

  /**
   * The workers' classpath: Kafka's libs by default, or those of another Connect version (see
   * ConnectVersion).
   */
  private Path workerLibs;

  /** The workers' plugin.discovery, or null for the version's default (classic scanning). */
  private String pluginDiscovery = "service_load";

  private Process kafka;
  private Process connect;

  /**
   * More workers of the same Connect cluster, when started: worker n (2, 3, ...) is at index n - 2.
   */
  private final List<Integer> extraRestPorts = new ArrayList<>();

  private final List<Process> extraWorkers = new ArrayList<>();

  private ProcessStack(List<Path> pluginPath, int kafkaPort, int restPort, String workerHeap) {
    this.home = ProjectLayout.scratch("process-stack-");
    this.pluginPath = pluginPath;
    this.kafkaPort = kafkaPort;
    this.controllerPort = Ports.free();
    this.restPort = restPort;
    this.workerHeap = workerHeap;
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
    ProcessStack stack = new ProcessStack(pluginPath, Ports.free(), Ports.free(), "512m");
    stack.workerEnvironment.putAll(workerEnvironment);
    stack.workerProperties.putAll(workerProperties);
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
    ProcessStack stack = new ProcessStack(pluginPath, kafkaPort, restPort, workerHeap);
    stack.workerEnvironment.putAll(workerEnvironment);
    stack.firstWorkerJvmOptions.addAll(firstWorkerJvmOptions);
    return stack.launch();
  }

  /**
   * As {@link #start(List, Map)}, but the Connect worker runs from {@code workerLibs} (the libs of
   * another Kafka version, e.g. {@link ConnectVersion#libs()}) while the broker stays the build's
   * Kafka: brokers serve older clients. {@code pluginDiscovery} is the worker's plugin.discovery
   * (Kafka 3.6+), or null to leave the key out and scan the plugin path the classic way.
   */
  public static ProcessStack start(
      List<Path> pluginPath,
      Map<String, String> workerEnvironment,
      Path workerLibs,
      String pluginDiscovery) {
    ProcessStack stack = new ProcessStack(pluginPath, Ports.free(), Ports.free(), "512m");
    stack.workerLibs = workerLibs;
    stack.pluginDiscovery = pluginDiscovery;
    stack.workerEnvironment.putAll(workerEnvironment);
    return stack.launch();
  }

  private ProcessStack launch() {
    try {
      startKafka();
      startConnect();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    return this;
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  public ConnectRest rest() {
    return new ConnectRest("http://127.0.0.1:" + restPort);
  }

  public KafkaTopics topics() {
    return new KafkaTopics(bootstrapServers());
  }

  public Path home() {
    return home;
  }

  private void startKafka() {
    try {
      Path data = Files.createDirectories(home.resolve("kafka-data"));
      Path config = home.resolve("server.properties");
      Files.writeString(
          config,
          String.join(
              "\n",
              "process.roles=broker,controller",
              "node.id=1",
              "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
              "listeners=PLAINTEXT://127.0.0.1:"
                  + kafkaPort
                  + ",CONTROLLER://127.0.0.1:"
                  + controllerPort,
              "advertised.listeners=PLAINTEXT://127.0.0.1:" + kafkaPort,
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
              ""));
      String clusterId = org.apache.kafka.common.Uuid.randomUuid().toString();
      Process format =
          java(
              "kafka-format",
              "256m",
              List.of(
                  "kafka.tools.StorageTool", "format", "-t", clusterId, "-c", config.toString()));
      if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
        throw new IllegalStateException("Formatting Kafka storage failed: " + log("kafka-format"));
      }
      startKafkaProcess();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void startKafkaProcess() throws IOException, InterruptedException {
    kafka =
        java("kafka", "768m", List.of("kafka.Kafka", home.resolve("server.properties").toString()));
    awaitPort(kafkaPort, kafka, "kafka", Duration.ofSeconds(60));
  }

  /**
   * Kills the Kafka broker with SIGKILL ({@code kill}) or stops it (SIGTERM), waits {@code down},
   * and starts it again on the same port and data: the workers keep running and must recover by
   * themselves.
   */
  public void restartKafka(boolean kill, Duration down) {
    try {
      if (kill) {
        kafka.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      } else {
        stopProcess(kafka, 60);
      }
      kafka = null;
      Thread.sleep(down.toMillis());
      startKafkaProcess();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts (or starts again) the Connect worker and waits until its REST API answers. */
  public void startConnect() {
    connect = startWorker("connect", restPort);
  }

  /**
   * Starts (or starts again) worker {@code n} (2, 3, ...) of the same Connect cluster (same group
   * and topics, its own REST port), so tasks spread over several JVMs; see {@link
   * #killWorker(int)}.
   */
  public void startWorker(int n) {
    while (extraWorkers.size() < n - 1) {
      extraRestPorts.add(Ports.free());
      extraWorkers.add(null);
    }
    extraWorkers.set(n - 2, startWorker("connect-" + n, extraRestPorts.get(n - 2)));
  }

  /**
   * SIGKILL to worker {@code n}: 1 is the first worker (as {@link #killConnect()}), 2, 3, ... those
   * of {@link #startWorker(int)}. Its tasks move to the others once the group notices it is gone.
   */
  public void killWorker(int n) {
    if (n == 1) {
      killConnect();
      return;
    }
    kill(extraWorkers.get(n - 2));
    extraWorkers.set(n - 2, null);
  }

  /** The REST API of worker {@code n} (1 is the first). */
  public ConnectRest rest(int n) {
    return n == 1 ? rest() : new ConnectRest("http://127.0.0.1:" + extraRestPorts.get(n - 2));
  }

  /**
   * The REST port of worker {@code n}, as Connect's status names workers ({@code 127.0.0.1:port}).
   */
  public int restPort(int n) {
    return n == 1 ? restPort : extraRestPorts.get(n - 2);
  }

  private Process startWorker(String name, int port) {
    try {
      Path config = home.resolve(name + ".properties");
      Files.writeString(
          config,
          String.join(
              "\n",
              "bootstrap.servers=" + bootstrapServers(),
              "group.id=connect-mqtt-cluster",
              "key.converter=org.apache.kafka.connect.storage.StringConverter",
              "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter",
              "config.storage.topic=connect-configs",
              "offset.storage.topic=connect-offsets",
              "status.storage.topic=connect-status",
              "config.storage.replication.factor=1",
              "offset.storage.replication.factor=1",
              "status.storage.replication.factor=1",
              "listeners=http://127.0.0.1:" + port,
              "rest.advertised.host.name=127.0.0.1",
              "rest.advertised.port=" + port,
              "plugin.path="
                  + pluginPath.stream().map(Path::toString).collect(Collectors.joining(",")),
              pluginDiscovery == null ? "" : "plugin.discovery=" + pluginDiscovery,
              "connector.client.config.override.policy=All",
              "scheduled.rebalance.max.delay.ms=0",
              "config.providers=env",
              "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
              workerProperties.entrySet().stream()
                  .map(e -> e.getKey() + "=" + e.getValue())
                  .collect(Collectors.joining("\n")),
              ""));
      Process worker =
          java(
              name,
              workerHeap,
              List.of("org.apache.kafka.connect.cli.ConnectDistributed", config.toString()));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      ConnectRest rest = new ConnectRest("http://127.0.0.1:" + port);
      while (!rest.healthy()) {
        if (!worker.isAlive()) {
          throw new IllegalStateException("Connect worker exited: " + log(name));
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "Connect worker REST did not answer within 120 s: " + log(name));
        }
        Thread.sleep(250);
      }
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void kill(Process process) {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** SIGKILL: the worker gets no chance to flush, commit or disconnect. */
  public void killConnect() {
    kill(connect);
    connect = null;
  }

  public long kafkaPid() {
    return kafka == null ? -1 : kafka.pid();
  }

  public long connectPid() {
    return connect == null ? -1 : connect.pid();
  }

  /** Stops the worker gracefully (SIGTERM) and waits for it to exit. */
  public void stopConnect() {
    stopProcess(connect, 60);
    connect = null;
  }

  private Process java(String name, String heap, List<String> mainAndArgs) throws IOException {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log4j = home.resolve("log4j2.properties");
    if (!Files.exists(log4j)) {
      Files.writeString(
          log4j,
          String.join(
              "\n",
              "rootLogger.level=INFO",
              "rootLogger.appenderRef.stdout.ref=STDOUT",
              "appender.stdout.type=Console",
              "appender.stdout.name=STDOUT",
              "appender.stdout.layout.type=PatternLayout",
              "appender.stdout.layout.pattern=[%d] %p %X{connector.context}%m (%c{1})%n",
              "logger.kafka.name=kafka",
              "logger.kafka.level=WARN",
              "logger.kafkaorg.name=org.apache.kafka",
              "logger.kafkaorg.level=WARN",
              "logger.connectruntime.name=org.apache.kafka.connect.runtime.Worker",
              "logger.connectruntime.level=INFO",
              "logger.ours.name=io.connectmqtt",
              "logger.ours.level=INFO",
              ""));
    }
    Path log4j1 = ConnectVersion.log4j1Config(log4j);
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // Own session: Ctrl-C in a terminal reaches only our JVM, which then stops Connect before
      // Kafka.
      command.add(SETSID.toString());
    }
    command.addAll(List.of(javaBin.toString(), "-Xmx" + heap));
    // The JVM flags Kafka's own scripts (kafka-run-class.sh) give brokers and Connect workers:
    // short G1 pauses.
    command.addAll(KAFKA_JVM_PERFORMANCE_OPTS);
    // Extra flags for the Connect workers only, e.g. a JFR recording while profiling a benchmark.
    String extra = System.getenv("CONNECT_MQTT_WORKER_JVM_OPTS");
    if (name.startsWith("connect") && extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.trim().split("\\s+")));
    }
    if (name.equals("connect")) {
      command.addAll(firstWorkerJvmOptions);
    }
    command.addAll(
        List.of(
            "-Djava.io.tmpdir=" + home,
            "-Dlog4j2.configurationFile=" + log4j,
            "-Dlog4j.configuration=" + log4j1.toUri(),
            "-Dkafka.logs.dir=" + home.resolve("logs-" + name),
            "-cp",
            (name.startsWith("connect") && workerLibs != null
                        ? workerLibs
                        : ProjectLayout.kafkaLibs())
                    .toAbsolutePath()
                + "/*"));
    command.addAll(mainAndArgs);
    ProcessBuilder builder = new ProcessBuilder(command);
    if (name.startsWith("connect")) {
      builder.environment().putAll(workerEnvironment);
    }
    return builder
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve(name + ".log").toFile()))
        .start();
  }

  /** The last lines a process printed, for failure messages. */
  public String log(String name) {
    try {
      List<String> lines = Files.readAllLines(home.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static void awaitPort(int port, Process process, String name, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive()) {
          throw new IllegalStateException(name + " exited before listening on " + port);
        }
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException(name + " did not listen on " + port + " within " + timeout);
  }

  private static void stopProcess(Process process, int seconds) {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** Stops Connect first and waits for it: a worker outliving its Kafka hangs. */
  @Override
  public void close() {
    extraWorkers.forEach(worker -> stopProcess(worker, 60));
    extraWorkers.clear();
    stopProcess(connect, 60);
    connect = null;
    stopProcess(kafka, 60);
    kafka = null;
  }
}
