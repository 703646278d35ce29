package io.connectmqtt.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The distributed Connect workers of a {@link ProcessStack}, each in its own JVM: worker 1 (log
 * {@code connect}) and, when a test starts them, workers 2, 3, ... (logs {@code connect-n}) of the
 * same group, each with its own REST port. Our plugins reach them only through {@code plugin.path}.
 * The group and its config, offset and status topics are named after {@link #cluster}.
 */
final class ConnectWorkers {

  private final Path home;
  private final String bootstrapServers;
  private final List<Path> pluginPath;
  private final String heap;

  /** More JVM options for worker 1 only, e.g. the Prometheus exporter agent (one port per JVM). */
  final List<String> firstWorkerJvmOptions = new ArrayList<>();

  /** The workers' environment, read by connector configs through the env config provider. */
  final Map<String, String> environment = new ConcurrentHashMap<>();

  /**
   * Worker config keys added to (or overriding) the defaults below, e.g. a shorter
   * offset.flush.interval.ms.
   */
  final Map<String, String> properties = new LinkedHashMap<>();

  /**
   * The workers' classpath: Kafka's libs by default, or those of another Connect version (see
   * ConnectVersion).
   */
  Path libs;

  /**
   * The workers' group.id and the prefix of their config, offset and status topics: workers of
   * another cluster name on the same Kafka see none of these workers' connectors or offsets.
   */
  String cluster = "connect-mqtt-cluster";

  /** The workers' plugin.discovery, or null for the version's default (classic scanning). */
  String pluginDiscovery = "service_load";

  /** REST port and process of worker n at index n - 1 (the process null while it is down). */
  private final List<Integer> restPorts = new ArrayList<>();

  private final List<Process> processes = new ArrayList<>();

  ConnectWorkers(
      Path home, String bootstrapServers, List<Path> pluginPath, int restPort, String heap) {
    this.home = home;
    this.bootstrapServers = bootstrapServers;
    this.pluginPath = pluginPath;
    this.heap = heap;
    restPorts.add(restPort);
    processes.add(null);
  }

  /** Starts (or starts again) worker {@code n} and waits until its REST API answers. */
  void start(int n) {
    while (processes.size() < n) {
      restPorts.add(Ports.free());
      processes.add(null);
    }
    processes.set(n - 1, launch(n));
  }

  /** SIGKILL: the worker gets no chance to flush, commit or disconnect. */
  void kill(int n) {
    KafkaJvm.kill(processes.get(n - 1));
    processes.set(n - 1, null);
  }

  /** SIGTERM, and waits for the exit. */
  void stop(int n) {
    KafkaJvm.stop(processes.get(n - 1), 60);
    processes.set(n - 1, null);
  }

  /** Stops every worker, the later ones first. */
  void stopAll() {
    for (int n = processes.size(); n >= 1; n--) {
      stop(n);
    }
  }

  int restPort(int n) {
    return restPorts.get(n - 1);
  }

  ConnectRest rest(int n) {
    return new ConnectRest("http://127.0.0.1:" + restPort(n));
  }

  long pid(int n) {
    Process process = processes.get(n - 1);
    return process == null ? -1 : process.pid();
  }

  private static String logName(int n) {
    return n == 1 ? "connect" : "connect-" + n;
  }

  private Process launch(int n) {
    String name = logName(n);
    int port = restPort(n);
    return KafkaJvm.unchecked(
        () -> {
          Path config = home.resolve(name + ".properties");
          Files.writeString(
              config,
              String.join(
                  "\n",
                  "bootstrap.servers=" + bootstrapServers,
                  "group.id=" + cluster,
                  "key.converter=org.apache.kafka.connect.storage.StringConverter",
                  "value.converter=org.apache.kafka.connect.converters.ByteArrayConverter",
                  "config.storage.topic=" + cluster + "-configs",
                  "offset.storage.topic=" + cluster + "-offsets",
                  "status.storage.topic=" + cluster + "-status",
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
                  // A killed worker leaves the group when its session expires; a worker started
                  // in its place waits for that before it gets tasks. 6 s is the broker's least
                  // (group.min.session.timeout.ms); Connect's 10 s default cost every kill 4 s.
                  "session.timeout.ms=6000",
                  "heartbeat.interval.ms=2000",
                  // Likewise a killed sink task's consumer: Kafka 4's consumer default is 45 s.
                  "consumer.session.timeout.ms=6000",
                  "consumer.heartbeat.interval.ms=2000",
                  "config.providers=env",
                  "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                  KafkaJvm.propertiesLines(properties),
                  ""));
          Process worker =
              KafkaJvm.start(
                  home,
                  name,
                  heap,
                  libs != null ? libs : ProjectLayout.kafkaLibs(),
                  jvmOptions(n),
                  environment,
                  List.of("org.apache.kafka.connect.cli.ConnectDistributed", config.toString()));
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          ConnectRest rest = rest(n);
          while (!rest.healthy()) {
            if (!worker.isAlive()) {
              throw new IllegalStateException("Connect worker exited: " + KafkaJvm.log(home, name));
            }
            if (System.nanoTime() > deadline) {
              throw new IllegalStateException(
                  "Connect worker REST did not answer within 120 s: " + KafkaJvm.log(home, name));
            }
            // Polling: a worker tells nothing when its REST API is up.
            Thread.sleep(250);
          }
          return worker;
        });
  }

  private List<String> jvmOptions(int n) {
    List<String> options = new ArrayList<>();
    // Extra flags for the Connect workers only, e.g. a JFR recording while profiling a benchmark.
    String extra = System.getenv("CONNECT_MQTT_WORKER_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      options.addAll(List.of(extra.trim().split("\\s+")));
    }
    if (n == 1) {
      options.addAll(firstWorkerJvmOptions);
    }
    return options;
  }
}
