package io.connectmqtt.demo;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.PrometheusExporter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The main job on an embedded default stack, no Docker: HiveMQ CE, Kafka (KRaft) and a Connect
 * worker as separate JVMs loading our built plugins from plugin.path, every connector of config/
 * registered over REST, a simulated sensor fleet, and what arrives in Kafka. Runs until Ctrl-C (or
 * --duration seconds) and stops every process.
 */
public final class Demo {

  static final String TOPIC_PREFIX = "spec";
  private final DemoOptions options;
  private final PrintStream out;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private HiveMqBroker hivemq;
  private PostgresDatabase postgres;
  private ProcessStack stack;
  private SensorFleet fleet;
  private KafkaTail tail;
  private Thread tailThread;
  private MqttActivity activity;
  private SparkplugPlant plant;
  private PresenceBoard presence;
  private Thread presenceThread;
  private WebServer web;

  Demo(DemoOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    Demo demo = new Demo(DemoOptions.parse(args), System.out);
    Runtime.getRuntime().addShutdownHook(new Thread(demo::stop, "demo-shutdown"));
    int exit = demo.run();
    System.exit(exit);
  }

  int run() throws Exception {
    long started = System.nanoTime();
    out.println(
        "connect-mqtt demo: HiveMQ CE + Kafka (KRaft) + Kafka Connect with our plugins, no Docker");
    List<Path> pluginPath = pluginDirectories();
    out.println(
        "[1/4] Starting HiveMQ CE on 127.0.0.1:"
            + options.mqttPort()
            + " (WebSocket "
            + options.websocketPort()
            + "/mqtt)");
    hivemq = HiveMqBroker.start(options.mqttPort(), options.websocketPort(), 100_000, false);
    postgres = PostgresDatabase.start();
    createDemoSchema();
    out.println(
        "      PostgreSQL on 127.0.0.1:"
            + postgres.port()
            + " with tables public.users, public.devices");
    out.println(
        "[2/4] Starting Kafka on 127.0.0.1:"
            + options.kafkaPort()
            + " and a Connect worker on "
            + options.connectPort()
            + " with plugin.path="
            + pluginPath);
    stack =
        ProcessStack.start(
            pluginPath,
            Map.ofEntries(
                Map.entry("MQTT_SERVER_URIS", hivemq.uri()),
                Map.entry("DATABASE_URL", postgres.jdbcUrl()),
                Map.entry("DATABASE_HOST", "127.0.0.1"),
                Map.entry("DATABASE_PORT", String.valueOf(postgres.port())),
                Map.entry("DATABASE_NAME", "postgres"),
                Map.entry("DATABASE_USER", "postgres"),
                Map.entry("DATABASE_PASSWORD", "postgres"),
                // The activity log's JDBC sinks write into the same database.
                Map.entry("ACTIVITY_LOG_JDBC_URL", postgres.jdbcUrl()),
                Map.entry("ACTIVITY_LOG_USER", "postgres"),
                Map.entry("ACTIVITY_LOG_PASSWORD", "postgres"),
                Map.entry("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + options.kafkaPort())),
            options.kafkaPort(),
            options.connectPort(),
            "1g",
            List.of(PrometheusExporter.javaAgentOption(options.metricsPort())));
    // The notify sink reads the compacted subscriptions topic and Debezium's change topics from its
    // first start, the activity log's sinks the activity and presence topics: create them up front
    // (as docker-compose and the Strimzi manifests do), so that no consumer's auto-creation makes
    // the presence topic first, uncompacted.
    for (String topic :
        List.of("entity-changes", "cdc.public.users", "cdc.public.devices", "mqtt.activity")) {
      stack.topics().create(topic, 3);
    }
    stack.topics().createCompacted("entity-subscriptions");
    stack.topics().createCompacted(PresenceBoard.TOPIC);
    ConnectRest rest = stack.rest();
    out.println("[3/4] Registering connectors from config/ over REST at " + rest.baseUrl());
    List<String> connectors = registerConnectors(rest);
    for (String name : connectors) {
      rest.awaitRunning(name, 1, Duration.ofSeconds(90));
      out.println("      " + name + ": RUNNING");
    }
    out.printf(
        "all connectors RUNNING (%d) after %.1f s%n",
        connectors.size(), (System.nanoTime() - started) / 1e9);
    boolean terminal =
        options.dashboard().equals("on")
            || options.dashboard().equals("auto") && System.console() != null;
    presence = new PresenceBoard(stack.bootstrapServers(), terminal ? null : out);
    web =
        WebServer.start(
            options.httpPort(), options.websocketPort(), TOPIC_PREFIX, presence::toJson);
    List<String> howToConnect = howToConnect();
    out.println();
    out.println("Try it:");
    howToConnect.forEach(out::println);
    out.println();

    out.println(
        "[4/4] Starting the sensor fleet: "
            + SensorFleet.SITES.size() * options.devicesPerSite()
            + " devices, "
            + options.ratePerDevice()
            + " msg/s each. Ctrl-C stops everything.");
    fleet = new SensorFleet(options.mqttPort(), options.devicesPerSite());
    fleet.start(options.ratePerDevice());
    out.println(
        "      and a Sparkplug B edge node "
            + SparkplugPlant.GROUP
            + "/"
            + SparkplugPlant.NODE
            + " with devices "
            + SparkplugPlant.DEVICES
            + ": its valve dies (DDEATH) and the node drops off (NDEATH, its Will) every "
            + SparkplugPlant.CYCLE_SECONDS
            + " s");
    plant = new SparkplugPlant(options.mqttPort());
    plant.start();
    presenceThread = new Thread(presence, "presence-board");
    presenceThread.setDaemon(true);
    presenceThread.start();
    activity = new MqttActivity(options.mqttPort(), TOPIC_PREFIX);
    tail = new KafkaTail(stack.bootstrapServers(), terminal ? null : out);
    tailThread = new Thread(tail, "kafka-tail");
    tailThread.setDaemon(true);
    tailThread.start();
    Dashboard dashboard =
        new Dashboard(
            out, terminal, rest, connectors, fleet, tail, activity, presence, howToConnect);

    long deadline =
        options.durationSeconds() > 0
            ? System.nanoTime() + TimeUnit.SECONDS.toNanos(options.durationSeconds())
            : Long.MAX_VALUE;
    while (!stopping.get() && System.nanoTime() < deadline) {
      if (stopped.await(dashboard.periodMillis(), TimeUnit.MILLISECONDS)) {
        break;
      }
      dashboard.refresh();
    }
    stop();
    return 0;
  }

  /** The same schema file docker-compose gives PostgreSQL, so both demos serve the same tables. */
  private void createDemoSchema() throws java.sql.SQLException, IOException {
    String script =
        Files.readString(ProjectLayout.root().resolve("docker/postgres/demo-schema.sql"))
            .replaceAll("(?m)^--.*$", "");
    try (java.sql.Connection connection = postgres.connection();
        java.sql.Statement statement = connection.createStatement()) {
      for (String sql : script.split(";")) {
        if (!sql.isBlank()) {
          statement.execute(sql);
        }
      }
    }
  }

  int postgresPort() {
    return postgres.port();
  }

  String bootstrapServers() {
    return stack.bootstrapServers();
  }

  private static List<Path> pluginDirectories() throws IOException {
    List<Path> plugins = new ArrayList<>();
    try (Stream<Path> modules = Files.list(ProjectLayout.root())) {
      for (Path module :
          modules
              .filter(p -> p.getFileName().toString().startsWith("connect-"))
              .sorted()
              .toList()) {
        if (Files.isDirectory(module.resolve("target/plugin"))) {
          plugins.add(module.resolve("target/plugin"));
        }
      }
    }
    if (plugins.isEmpty()) {
      throw new IllegalStateException(
          "No built plugin found; run ./demo.sh, which builds them first");
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
        if ("none".equalsIgnoreCase(config.get("entity.sync.auth"))) {
          out.println(
              "      note: "
                  + name
                  + " runs without authentication (entity.sync.auth=none): any MQTT client "
                  + "can read and change the demo's tables. Never deploy it like this; see docs/connect-entity-sync.md");
        }
      }
    }
    return names;
  }

  private List<String> howToConnect() {
    int mqtt = options.mqttPort();
    return List.of(
        "  browser (live users table over MQTT/WebSocket): http://127.0.0.1:" + web.port() + "/",
        "  mosquitto_sub -h 127.0.0.1 -p " + mqtt + " -t 'demo/#' -v",
        "  mosquitto_pub -h 127.0.0.1 -p "
            + mqtt
            + " -t demo/sensors/home/me/temperature -m '{\"value\":21}'",
        "  kcat -b " + stack.bootstrapServers() + " -C -t iot.temperature -f '%t %k %h %s\\n'",
        "  curl -s " + stack.rest().baseUrl() + "/connectors?expand=status",
        "  Prometheus metrics of the worker (docs/operations.md): curl -s "
            + PrometheusExporter.scrapeUrl(options.metricsPort()),
        "  MQTT over WebSocket (mqtt.js): ws://127.0.0.1:" + options.websocketPort() + "/mqtt",
        "  mosquitto_sub -h 127.0.0.1 -p " + mqtt + " -t 'spec/me/#' -v &",
        "  mosquitto_pub -h 127.0.0.1 -p "
            + mqtt
            + " -t spec/me/request -m "
            + "'{\"id\":\"1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\"}'",
        "  PostgreSQL: psql postgresql://postgres:postgres@127.0.0.1:"
            + postgres.port()
            + "/postgres",
        "  Sparkplug metrics with their names: kcat -b "
            + stack.bootstrapServers()
            + " -C -t sparkplug.plant.DDATA -c 1",
        "  device presence (compacted): kcat -b "
            + stack.bootstrapServers()
            + " -C -t "
            + PresenceBoard.TOPIC
            + " -f '%k %s\\n'",
        "  activity log (docs/activity-log.md): psql postgresql://postgres:postgres@127.0.0.1:"
            + postgres.port()
            + "/postgres -c "
            + "'select device, state, reason, last_seen from mqtt_presence order by device'");
  }

  /**
   * Stops the fleet, then Connect (waiting for it), then Kafka, then HiveMQ. Safe to call twice.
   */
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
      if (web != null) {
        web.close();
      }
      if (fleet != null) {
        fleet.close();
      }
      if (plant != null) {
        plant.close();
      }
      if (presence != null) {
        presence.close();
      }
      if (presenceThread != null) {
        presenceThread.join(5_000);
      }
      if (activity != null) {
        activity.close();
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
