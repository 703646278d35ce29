package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.connectmqtt.examples.CrudAndSubscribe;
import io.connectmqtt.testkit.ExternalCommand;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SparkplugEdgeNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The main job as the README runs it, on free ports, shared by every test here: every connector
 * RUNNING, sensor data in Kafka, alarms sent back over MQTT by the sink, CRUD requests answered by
 * entity sync, the browser page in headless Chromium, the three client examples, the Sparkplug edge
 * node with its presence and the activity log in PostgreSQL, and a clean stop.
 */
class DemoIT {

  private static final ByteArrayOutputStream OUTPUT = new ByteArrayOutputStream();
  private static DemoOptions options;
  private static Demo demo;
  private static CompletableFuture<Integer> running;

  @BeforeAll
  static void startDemo() {
    options =
        DemoOptions.parse(
            new String[] {
              "--mqtt-port=" + Ports.free(),
              "--mqtt-ws-port=" + Ports.free(),
              "--kafka-port=" + Ports.free(),
              "--connect-port=" + Ports.free(),
              "--http-port=" + Ports.free(),
              "--metrics-port=" + Ports.free(),
              "--dashboard=off"
            });
    demo = new Demo(options, new PrintStream(OUTPUT, true, StandardCharsets.UTF_8));
    running =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return demo.run();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Awaitility.await("all connectors RUNNING")
        .atMost(Duration.ofSeconds(180))
        .until(() -> output().contains("all connectors RUNNING") || running.isDone());
    assertThat(output()).contains("all connectors RUNNING");
    Awaitility.await("the demo page is served")
        .atMost(Duration.ofSeconds(30))
        .until(() -> output().contains("[4/4]"));
  }

  @AfterAll
  static void stopDemo() throws Exception {
    if (demo == null) {
      return;
    }
    demo.stop();
    assertThat(running.get(120, TimeUnit.SECONDS)).isZero();
    System.out.println(output());
    assertThat(output()).contains("Stopped cleanly.");
  }

  private static String output() {
    return OUTPUT.toString(StandardCharsets.UTF_8);
  }

  @Test
  void everyShippedConnectorRunsAndDataFlows() throws Exception {
    try (MqttRecorder alerts =
            MqttRecorder.subscribe("demo-it-alerts", options.mqttPort(), "demo/alerts/#");
        MqttRecorder replies =
            MqttRecorder.subscribe("demo-it", options.mqttPort(), "spec/demo-it/response")) {
      var client = connectedClient();
      client
          .publishWith()
          .topic("spec/demo-it/request")
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(
              "{\"id\":\"q1\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\"}"
                  .getBytes(StandardCharsets.UTF_8))
          .send();
      JsonNode reply =
          new ObjectMapper()
              .readTree(replies.awaitAtLeast(1, Duration.ofSeconds(30)).get(0).getPayloadAsBytes());
      client.disconnect();
      assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
      assertThat(reply.path("data").findValuesAsText("name")).contains("Ada", "Grace");
      assertThat(alerts.awaitAtLeast(1, Duration.ofSeconds(60)).get(0).getTopic().toString())
          .startsWith("demo/alerts/");
    }
    Awaitility.await("records in Kafka")
        .atMost(Duration.ofSeconds(60))
        .until(() -> lastSummary()[1] > 0);
    long[] summary = lastSummary();
    assertThat(summary[1]).as("records in Kafka by the last summary").isGreaterThan(summary[0] / 2);
    assertThat(output())
        .contains("mqtt-source: RUNNING")
        .contains("mqtt-sink: RUNNING")
        .contains("entity-sync: RUNNING")
        .contains("entity-notify: RUNNING")
        .contains("mqtt.topic=demo/sensors/")
        .contains("http://127.0.0.1:" + options.httpPort() + "/");
  }

  /**
   * The Sparkplug edge node of the demo: its DDATA reaches Kafka with every metric's name resolved
   * from the DBIRTH (the DATA carries aliases only); its valve's DDEATH and the node's Will
   * (NDEATH) become offline presence records with their reason, and the page serves them.
   */
  @Test
  void sparkplugMetricsArriveNamedAndKilledDevicesGoOffline() throws Exception {
    KafkaTopics kafka = new KafkaTopics(demo.bootstrapServers());
    Set<String> pumpMetrics = new HashSet<>(SparkplugEdgeNode.names(0).values());
    Awaitility.await("a DDATA of plant/edge1/pump with every metric named")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                DemoRecords.payloads(kafka, "sparkplug.plant.DDATA").stream()
                    .filter(v -> v.path("device").asText().equals("pump"))
                    .anyMatch(v -> DemoRecords.metricNames(v).equals(pumpMetrics)));
    JsonNode ddata =
        DemoRecords.payloads(kafka, "sparkplug.plant.DDATA").stream()
            .filter(v -> v.path("device").asText().equals("pump"))
            .reduce((first, second) -> second)
            .orElseThrow();
    assertThat(ddata.path("unresolvedAliases").asInt()).isZero();
    assertThat(ddata.path("metrics").size()).isEqualTo(pumpMetrics.size());

    Map<String, String> offline = new TreeMap<>();
    Awaitility.await("offline presence records of the valve (DDEATH) and the node (NDEATH)")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              for (JsonNode value : DemoRecords.payloads(kafka, PresenceBoard.TOPIC)) {
                if (value.path("state").asText().equals("offline")) {
                  offline.put(value.path("device").asText(), value.path("reason").asText());
                }
              }
              return offline.containsKey("plant/edge1");
            });
    assertThat(offline)
        .containsEntry("plant/edge1/valve", "ddeath")
        .containsEntry("plant/edge1", "ndeath");
    JsonNode page =
        new ObjectMapper()
            .readTree(
                HttpClient.newHttpClient()
                    .send(
                        HttpRequest.newBuilder(
                                URI.create(
                                    "http://127.0.0.1:" + options.httpPort() + "/presence.json"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body());
    assertThat(page.findValuesAsText("device"))
        .contains("plant/edge1", "plant/edge1/pump", "plant/edge1/valve");
    assertThat(output()).contains("presence: plant/edge1/valve offline (ddeath)");
  }

  /**
   * The activity log: Debezium's JDBC sink writes a row per record of mqtt.activity (checked for
   * the messages of one probe device: as many rows as Kafka records, same payloads) and one row per
   * device of mqtt.presence, holding its latest state.
   */
  @Test
  void activityLogHasARowPerKafkaRecord() throws Exception {
    String probe = "probe-" + System.nanoTime();
    String topic = "demo/sensors/it/" + probe + "/temperature";
    int messages = 25;
    var client = connectedClient();
    for (int i = 0; i < messages; i++) {
      client
          .publishWith()
          .topic(topic)
          .qos(MqttQos.AT_LEAST_ONCE)
          .payload(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))
          .send();
    }
    client.disconnect();
    KafkaTopics kafka = new KafkaTopics(demo.bootstrapServers());
    List<String> inKafka = new java.util.ArrayList<>();
    Awaitility.await(messages + " probe records in mqtt.activity")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              inKafka.clear();
              inKafka.addAll(DemoRecords.activityPayloads(kafka, topic));
              return inKafka.size() >= messages;
            });
    assertThat(inKafka).hasSize(messages);
    String url = "jdbc:postgresql://127.0.0.1:" + demo.postgresPort() + "/postgres";
    Awaitility.await("a row of mqtt_messages per probe record")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .ignoreExceptionsInstanceOf(SQLException.class)
        .until(() -> DemoRecords.rowPayloads(url, topic).size() >= messages);
    assertThat(DemoRecords.rowPayloads(url, topic)).containsExactlyInAnyOrderElementsOf(inKafka);

    Awaitility.await("a row of mqtt_presence per device of mqtt.presence, in its latest state")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(2))
        .ignoreExceptionsInstanceOf(SQLException.class)
        .until(() -> DemoRecords.latestPresence(kafka).equals(DemoRecords.presenceRows(url)));
    assertThat(DemoRecords.presenceRows(url))
        .containsKeys(probe, "plant/edge1", "plant/edge1/pump", "plant/edge1/valve");
  }

  private static Mqtt5BlockingClient connectedClient() {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .serverHost("127.0.0.1")
            .serverPort(options.mqttPort())
            .buildBlocking();
    client.connect();
    return client;
  }

  /** {published, in Kafka} from the last summary line. */
  private static long[] lastSummary() {
    Matcher summary =
        Pattern.compile("== published (\\d+) MQTT messages \\| in Kafka (\\d+)").matcher(output());
    long[] last = {0, 0};
    while (summary.find()) {
      last = new long[] {Long.parseLong(summary.group(1)), Long.parseLong(summary.group(2))};
    }
    return last;
  }

  /** The worker runs the Prometheus exporter; the demo prints where to scrape it. */
  @Test
  void printsTheScrapeUrlWhereTheWorkerServesOurMetrics() throws Exception {
    String url = "http://127.0.0.1:" + options.metricsPort() + "/metrics";
    assertThat(output()).contains("curl -s " + url);
    Awaitility.await("source messages counted at " + url)
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              String metrics =
                  HttpClient.newHttpClient()
                      .send(
                          HttpRequest.newBuilder(URI.create(url)).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .body();
              Matcher received =
                  Pattern.compile(
                          "(?m)^connect_mqtt_source_messages_received_total\\{[^}]*connector=\""
                              + "mqtt-source\"[^}]*} (\\S+)$")
                      .matcher(metrics);
              return received.find() && Double.parseDouble(received.group(1)) > 0;
            });
  }

  @Test
  void servesThePageAndItsBrokerAddress() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + options.httpPort();
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("vendor/mqtt.min.js", "app.js");
    HttpResponse<String> config =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/config.json")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(new ObjectMapper().readTree(config.body()).path("websocketUrl").asText())
        .isEqualTo("ws://127.0.0.1:" + options.websocketPort() + "/mqtt");
    for (String escape : List.of("/../pom.xml", "/%2e%2e/pom.xml", "/nothing-here.js")) {
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(base + escape)).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .as(escape)
          .isEqualTo(404);
    }
  }

  @Test
  void twoBrowsersSeeEachOthersEditsAndSqlChangesOnTheLiveTable() {
    String node = ExternalCommand.require("node", "apt-get install -y nodejs npm", "node");
    String chromium =
        ExternalCommand.require(
            "Chromium", "apt-get install -y chromium", "/usr/bin/chromium", "chromium");
    Path tests = ProjectLayout.root().resolve("connect-mqtt-demo/src/test/browser");
    ExternalCommand.npmInstall(tests);
    Path screenshot = ProjectLayout.root().resolve("connect-mqtt-demo/target/live-users.png");
    ExternalCommand.Result result =
        ExternalCommand.run(
            tests,
            Map.of(
                "CHROMIUM",
                chromium,
                "DATABASE_URL",
                "postgresql://postgres:postgres@127.0.0.1:" + demo.postgresPort() + "/postgres"),
            180,
            List.of(
                node,
                "live-table.test.mjs",
                "http://127.0.0.1:" + options.httpPort() + "/",
                screenshot.toString()));
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("\"passed\":true");
    assertThat(screenshot).isNotEmptyFile();
  }

  @Test
  void theComposeRegistrationScriptRegistersEveryConfig() {
    String sh = ExternalCommand.require("sh", "a POSIX shell", "/bin/sh");
    ExternalCommand.require("curl", "apt-get install -y curl", "curl");
    Path root = ProjectLayout.root();
    ExternalCommand.Result result =
        ExternalCommand.run(
            root,
            Map.of(
                "CONNECT_URL",
                "http://127.0.0.1:" + options.connectPort(),
                "CONFIG_DIR",
                root.resolve("config").toString()),
            60,
            List.of(sh, root.resolve("docker/register-connectors.sh").toString()));
    assertThat(result.exitCode()).as(result.output()).isZero();
    for (String connector :
        List.of("mqtt-source", "mqtt-sink", "entity-sync", "entity-notify", "cdc-postgres")) {
      assertThat(result.output()).contains("PUT /connectors/" + connector + "/config");
    }
    assertThat(result.output()).contains("\"state\":\"RUNNING\"");
  }

  @Test
  void javascriptExample() {
    String node = ExternalCommand.require("node", "apt-get install -y nodejs npm", "node");
    Path example = ProjectLayout.root().resolve("examples/javascript");
    ExternalCommand.npmInstall(example);
    assertExampleRan(
        ExternalCommand.run(
            example,
            Map.of("MQTT_URL", "mqtt://127.0.0.1:" + options.mqttPort()),
            90,
            List.of(node, "crud-and-subscribe.mjs")),
        "invalid_column");
  }

  @Test
  void pythonExample() {
    // Debian's python3 has python3-paho-mqtt; another python3 earlier on PATH may not.
    String python =
        ExternalCommand.require(
            "python3",
            "apt-get install -y python3 python3-paho-mqtt",
            "/usr/bin/python3",
            "python3");
    ExternalCommand.Result paho =
        ExternalCommand.run(
            Path.of("."), Map.of(), 30, List.of(python, "-c", "import paho.mqtt.client"));
    if (paho.exitCode() != 0) {
      ExternalCommand.require("paho-mqtt for " + python, "apt-get install -y python3-paho-mqtt");
    }
    assertExampleRan(
        ExternalCommand.run(
            ProjectLayout.root().resolve("examples/python"),
            Map.of("MQTT_PORT", String.valueOf(options.mqttPort())),
            90,
            List.of(python, "crud_and_subscribe.py")),
        "invalid_filter");
  }

  @Test
  void javaExample() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    List<String> notifications;
    try (CrudAndSubscribe example = new CrudAndSubscribe("127.0.0.1", options.mqttPort(), "spec")) {
      example.connect();
      notifications = example.run(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    }
    assertExampleRan(
        new ExternalCommand.Result(0, buffer.toString(StandardCharsets.UTF_8)), "model_not_found");
    assertThat(notifications).containsExactly("create", "update", "delete");
  }

  private static void assertExampleRan(ExternalCommand.Result result, String expectedError) {
    System.out.println(result.output());
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output())
        .contains(
            "ping -> pong",
            "created users #",
            "list with filter -> 1 of 1",
            "-> " + expectedError,
            "notifications received: create, update, delete",
            "unsubscribed");
  }
}
