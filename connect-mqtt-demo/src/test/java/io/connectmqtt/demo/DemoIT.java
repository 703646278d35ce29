package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import io.connectmqtt.examples.CrudAndSubscribe;
import io.connectmqtt.testkit.ExternalCommand;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
 * entity sync, the browser page in headless Chromium, the three client examples, and a clean stop.
 */
class DemoIT {

  private static final ByteArrayOutputStream OUTPUT = new ByteArrayOutputStream();
  private static Demo.Options options;
  private static Demo demo;
  private static CompletableFuture<Integer> running;

  @BeforeAll
  static void startDemo() {
    options =
        Demo.Options.parse(
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
      var client =
          MqttClient.builder()
              .useMqttVersion5()
              .serverHost("127.0.0.1")
              .serverPort(options.mqttPort())
              .buildBlocking();
      client.connect();
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
