package io.connectmqtt.demo;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The main job on an embedded default stack, no Docker: HiveMQ CE, Kafka (KRaft) and a Connect worker as separate
 * JVMs loading our built plugins from plugin.path, every connector of config/ registered over REST, a simulated
 * sensor fleet, and what arrives in Kafka. Runs until Ctrl-C (or --duration seconds) and stops every process.
 */
public final class Demo {

  private final Options options;
  private final PrintStream out;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private HiveMqBroker hivemq;
  private PostgresDatabase postgres;
  private ProcessStack stack;
  private SensorFleet fleet;
  private KafkaTail tail;
  private Thread tailThread;

  record Options(int mqttPort, int websocketPort, int kafkaPort, int connectPort, int durationSeconds,
      int devicesPerSite, int ratePerDevice) {

    static Options parse(String[] args) {
      Map<String, String> values = new TreeMap<>();
      for (String arg : args) {
        if (!arg.startsWith("--") || !arg.contains("=")) {
          throw new IllegalArgumentException("Unknown argument '" + arg + "'; use --name=value, e.g. --mqtt-port=1884");
        }
        values.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
      }
      Options options = new Options(
          port(values.remove("mqtt-port"), 1883),
          port(values.remove("mqtt-ws-port"), 8000),
          port(values.remove("kafka-port"), 9092),
          port(values.remove("connect-port"), 8083),
          Integer.parseInt(values.getOrDefault("duration", "0")),
          Integer.parseInt(values.getOrDefault("devices-per-site", "3")),
          Integer.parseInt(values.getOrDefault("rate", "2")));
      values.keySet().removeAll(List.of("duration", "devices-per-site", "rate"));
      if (!values.isEmpty()) {
        throw new IllegalArgumentException("Unknown options " + values.keySet() + "; known: --mqtt-port, "
            + "--mqtt-ws-port, --kafka-port, --connect-port, --duration, --devices-per-site, --rate");
      }
      return options;
    }

    /** The requested port; by default the usual one, or a free one when that is taken. */
    private static int port(String requested, int usual) {
      if (requested != null) {
        return Integer.parseInt(requested);
      }
      try (ServerSocket socket = new ServerSocket(usual, 1, InetAddress.getLoopbackAddress())) {
        return usual;
      } catch (IOException taken) {
        return Ports.free();
      }
    }
  }

  Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Demo demo = new Demo(Options.parse(args), System.out);
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "demo-shutdown"));
    int exit = demo.run();
    System.exit(exit);
  }

  int run() throws Exception {
    long started = System.nanoTime();
    out.println("connect-mqtt demo: HiveMQ CE + Kafka (KRaft) + Kafka Connect with our plugins, no Docker");
    List<Path> pluginPath = pluginDirectories();
    out.println("[1/4] Starting HiveMQ CE on 127.0.0.1:" + options.mqttPort() + " (WebSocket "
        + options.websocketPort() + "/mqtt)");
    hivemq = HiveMqBroker.start(options.mqttPort(), options.websocketPort(), 100_000, false);
    postgres = PostgresDatabase.start();
    createDemoSchema();
    out.println("      PostgreSQL on 127.0.0.1:" + postgres.port() + " with tables public.users, public.devices");
    out.println("[2/4] Starting Kafka on 127.0.0.1:" + options.kafkaPort() + " and a Connect worker on "
        + options.connectPort() + " with plugin.path=" + pluginPath);
    stack = ProcessStack.start(pluginPath, Map.of("MQTT_SERVER_URIS", hivemq.uri(),
        "DATABASE_URL", postgres.jdbcUrl(), "DATABASE_USER", "postgres", "DATABASE_PASSWORD", "postgres",
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + options.kafkaPort()),
        options.kafkaPort(), options.connectPort(), "1g");
    // The notify sink reads the compacted subscriptions topic from its first start: create both up front.
    stack.topics().create("entity-changes", 3);
    stack.topics().createCompacted("entity-subscriptions");
    ConnectRest rest = stack.rest();
    out.println("[3/4] Registering connectors from config/ over REST at " + rest.baseUrl());
    List<String> connectors = registerConnectors(rest);
    for (String name : connectors) {
      rest.awaitRunning(name, 1, Duration.ofSeconds(90));
      out.println("      " + name + ": RUNNING");
    }
    out.printf("all connectors RUNNING (%d) after %.1f s%n", connectors.size(),
        (System.nanoTime() - started) / 1e9);
    printHowToConnect();

    out.println("[4/4] Starting the sensor fleet: " + SensorFleet.SITES.size() * options.devicesPerSite()
        + " devices, " + options.ratePerDevice() + " msg/s each. Ctrl-C stops everything.");
    fleet = new SensorFleet(options.mqttPort(), options.devicesPerSite());
    fleet.start(options.ratePerDevice());
    tail = new KafkaTail(stack.bootstrapServers(), out);
    tailThread = new Thread(tail, "kafka-tail");
    tailThread.setDaemon(true);
    tailThread.start();

    long deadline = options.durationSeconds() > 0
        ? System.nanoTime() + TimeUnit.SECONDS.toNanos(options.durationSeconds()) : Long.MAX_VALUE;
    while (!stopping.get() && System.nanoTime() < deadline) {
      if (stopped.await(5, TimeUnit.SECONDS)) {
        break;
      }
      printSummary(rest, connectors);
    }
    stop();
    return 0;
  }

  private void createDemoSchema() throws java.sql.SQLException {
    try (java.sql.Connection connection = postgres.connection();
        java.sql.Statement statement = connection.createStatement()) {
      statement.execute("create table if not exists public.users (id serial primary key, name varchar(100) not null, "
          + "email varchar(200) unique, status varchar(20) default 'active', created_at timestamp default now())");
      statement.execute("create table if not exists public.devices (id varchar(64) primary key, "
          + "owner_id integer references public.users(id), site varchar(50), firmware varchar(20), "
          + "last_seen timestamp)");
      statement.execute("insert into public.users (name, email) values ('Ada', 'ada@example.com'), "
          + "('Grace', 'grace@example.com') on conflict do nothing");
    }
  }

  private static List<Path> pluginDirectories() throws IOException {
    List<Path> plugins = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ProjectLayout.root())) {
      for (Path module : modules.filter(p -> p.getFileName().toString().startsWith("connect-")).sorted().toList()) {
        if (Files.isDirectory(module.resolve("target/plugin"))) {
          plugins.add(module.resolve("target/plugin"));
        }
      }
    }
    if (plugins.isEmpty()) {
      throw new IllegalStateException("No built plugin found; run ./demo.sh, which builds them first");
    }
    return plugins;
  }

  private List<String> registerConnectors(ConnectRest rest) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(ProjectLayout.root().resolve("config"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        Map<String, String> config = ConnectRest.readConnectorFile(file);
        String name = config.remove("name");
        rest.createOrReplace(name, config);
        names.add(name);
        out.println("      PUT /connectors/" + name + "/config  <- config/" + file.getFileName());
      }
    }
    return names;
  }

  private void printHowToConnect() {
    out.println();
    out.println("Try it:");
    out.printf("  mosquitto_sub -h 127.0.0.1 -p %d -t 'demo/sensors/#' -v%n", options.mqttPort());
    out.printf("  mosquitto_pub -h 127.0.0.1 -p %d -t demo/sensors/home/me/temperature -m '{\"value\":21}'%n",
        options.mqttPort());
    out.printf("  kcat -b %s -C -t iot.temperature -f '%%t %%k %%h %%s\\n'%n", stack.bootstrapServers());
    out.printf("  curl -s %s/connectors/mqtt-source/status%n", stack.rest().baseUrl());
    out.printf("  MQTT over WebSocket (browsers, mqtt.js): ws://127.0.0.1:%d/mqtt%n", options.websocketPort());
    out.printf("  mosquitto_sub -h 127.0.0.1 -p %d -t 'spec/me/response' -v &%n", options.mqttPort());
    out.printf("  mosquitto_pub -h 127.0.0.1 -p %d -t spec/me/request -m "
        + "'{\"id\":\"1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\"}'%n",
        options.mqttPort());
    out.println();
  }

  private void printSummary(ConnectRest rest, List<String> connectors) {
    StringBuilder states = new StringBuilder();
    for (String name : connectors) {
      try {
        states.append(name).append('=').append(rest.status(name).path("tasks").path(0).path("state").asText("?"))
            .append(' ');
      } catch (RuntimeException e) {
        states.append(name).append("=unreachable ");
      }
    }
    out.printf("== published %d MQTT messages | in Kafka %d %s | %s%n", fleet.published(), tail.total(),
        new TreeMap<>(tail.perTopic()), states.toString().trim());
  }

  /** Stops the fleet, then Connect (waiting for it), then Kafka, then HiveMQ. Safe to call twice. */
  void stop() {
    if (!stopping.compareAndSet(false, true)) {
      try {
        stopped.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    out.println("Stopping: sensor fleet, Connect worker, Kafka, HiveMQ ...");
    try {
      if (fleet != null) {
        fleet.close();
      }
      if (tail != null) {
        tail.close();
      }
      if (tailThread != null) {
        tailThread.join(5_000);
      }
      if (stack != null) {
        stack.close();
      }
      if (hivemq != null) {
        hivemq.close();
      }
      if (postgres != null) {
        postgres.close();
      }
      out.println("Stopped cleanly.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stopped.countDown();
    }
  }
}
