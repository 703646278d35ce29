package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectPluginPathTool;
import io.connectmqtt.testkit.ConnectVersion;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.KafkaBrokerProcess;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Connect version matrix of docs/compatibility.md: for each Kafka version, its own
 * ConnectPluginPath tool on our three archives, then a worker of that version (separate JVM,
 * Kafka's own classes from Maven Central) with the archives on plugin.path, a source → Kafka → sink
 * round trip and entity-sync CRUD. The broker is the build's Kafka (4.1), one for all rows: brokers
 * serve clients of older versions, and what differs between workers is the worker. Each row's
 * worker is a Connect cluster of its own (group and internal topics), stopped at the end of the
 * row, so no row sees another's connectors. Rows run at once (junit-platform.properties says how
 * many), each with topics, MQTT topics, client ids, tables and entity-sync state tables of its own.
 * Each row is appended to target/compatibility-matrix.md as it ends.
 */
class ConnectVersionMatrixIT {

  private static final String HEADER_CONVERTER = "io.connectmqtt.common.MqttHeaderConverter";

  /**
   * Each archive with the plugins it must declare; the tool may list more (all must be complete).
   */
  private static final Map<String, List<String>> ARCHIVES = new LinkedHashMap<>();

  static {
    ARCHIVES.put(
        "connect-mqtt-source",
        List.of("io.connectmqtt.source.MqttSourceConnector", HEADER_CONVERTER));
    ARCHIVES.put(
        "connect-mqtt-sink", List.of("io.connectmqtt.sink.MqttSinkConnector", HEADER_CONVERTER));
    ARCHIVES.put(
        "connect-entity-sync",
        List.of("io.connectmqtt.entitysync.EntitySyncConnector", HEADER_CONVERTER));
  }

  private static KafkaBrokerProcess kafka;
  private static HiveMqBroker broker;
  private static PostgresDatabase postgres;

  @BeforeAll
  static void start() throws IOException {
    kafka = KafkaBrokerProcess.startAlone();
    broker = HiveMqBroker.start();
    postgres = PostgresDatabase.start();
    Files.writeString(
        matrixFile(),
        "| Connect | plugin.discovery | source → Kafka → sink round trip | entity sync "
            + "CRUD | ConnectPluginPath: source archive | ConnectPluginPath: sink archive | ConnectPluginPath: "
            + "entity-sync archive |\n|---|---|---|---|---|---|---|\n");
  }

  @AfterAll
  static void stop() {
    if (postgres != null) {
      postgres.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @ParameterizedTest(name = "Connect {0}")
  @EnumSource(ConnectVersion.class)
  @Execution(ExecutionMode.CONCURRENT)
  void pluginsLoadAndWorkInThisConnectVersion(ConnectVersion version) throws Exception {
    if (version.libs().isEmpty()) {
      String reason =
          "SKIPPED Connect "
              + version.minor()
              + ": its libs were not laid out (build "
              + "connect-mqtt-connect-dists, or connect-mqtt-kafka-dist for 4.1, with Maven Central reachable)";
      System.out.println(reason);
      append("| " + version.minor() + " | | skipped: libs not laid out | | | | |");
      Assumptions.abort(reason);
    }
    Path libs = version.libs().orElseThrow();
    String exact = version.exactVersion();
    String tag = version.minor().replace(".", "");

    List<Path> locations =
        ARCHIVES.keySet().stream()
            .map(module -> ProjectLayout.pluginDirectory(module).resolve(module))
            .toList();
    // The tool's JVM runs while the worker starts: neither needs the other.
    CompletableFuture<List<ConnectPluginPathTool.Row>> toolRows =
        CompletableFuture.supplyAsync(() -> ConnectPluginPathTool.list(libs, locations));
    List<Path> pluginPath = ARCHIVES.keySet().stream().map(ProjectLayout::pluginDirectory).toList();
    try (ProcessStack stack =
        ProcessStack.startOn(kafka, "compat-" + tag, pluginPath, libs, version.pluginDiscovery())) {
      String tool = checkWithConnectPluginPath(locations, toolRows.join());
      List<String> connectors = new ArrayList<>();
      stack.rest().plugins().forEach(p -> connectors.add(p.path("class").asText()));
      assertThat(connectors)
          .as("connectors the " + exact + " worker loaded")
          .contains(
              "io.connectmqtt.source.MqttSourceConnector",
              "io.connectmqtt.sink.MqttSinkConnector",
              "io.connectmqtt.entitysync.EntitySyncConnector");
      assertThat(stack.rest().plugins().get(0).path("version").asText()).isNotBlank();

      MqttRoundTrip.Result roundTrip = MqttRoundTrip.run(stack, broker, tag);
      EntitySyncCrud.Result crud = EntitySyncCrud.run(stack, broker, postgres, tag);
      String row =
          String.format(
              "| %s | %s | pass: %d sent, %d in Kafka, %d received, lost %d, duplicates %d "
                  + "| pass: %d of 5 answered, %d change events | %s |",
              exact,
              version.pluginDiscovery() == null ? "(scanning)" : version.pluginDiscovery(),
              roundTrip.published(),
              roundTrip.inKafka(),
              roundTrip.received(),
              roundTrip.lost(),
              roundTrip.duplicates(),
              crud.answered(),
              crud.changeEvents(),
              tool);
      System.out.println(row);
      append(row);
    }
  }

  /**
   * The rows of Kafka's own verification tool of this version on our three archives ({@code
   * locations}): every plugin loadable, with manifest.
   */
  private static String checkWithConnectPluginPath(
      List<Path> locations, List<ConnectPluginPathTool.Row> rows) {
    for (Path location : locations) {
      String module = location.getFileName().toString();
      List<String> found =
          rows.stream()
              .filter(r -> r.pluginLocation().getFileName().toString().equals(module))
              .map(ConnectPluginPathTool.Row::pluginName)
              .toList();
      assertThat(found)
          .as("plugins ConnectPluginPath found in " + module)
          .containsAll(ARCHIVES.get(module));
    }
    assertThat(rows)
        .as("ConnectPluginPath rows")
        .allSatisfy(
            row -> {
              assertThat(row.loadable()).as(row + " loadable").isTrue();
              assertThat(row.hasManifest()).as(row + " has a service manifest").isTrue();
              assertThat(row.pluginVersion())
                  .as(row + " version")
                  .isNotBlank()
                  .isNotEqualTo("undefined");
            });
    List<String> perArchive = new ArrayList<>();
    for (Path location : locations) {
      perArchive.add(
          "pass: "
              + String.join(
                  ", ",
                  rows.stream()
                      .filter(r -> r.pluginLocation().getFileName().equals(location.getFileName()))
                      .map(r -> r.pluginName().substring(r.pluginName().lastIndexOf('.') + 1))
                      .sorted()
                      .toList()));
    }
    return String.join(" | ", perArchive);
  }

  private static Path matrixFile() {
    return ProjectLayout.root().resolve("connect-mqtt-compat-it/target/compatibility-matrix.md");
  }

  private static synchronized void append(String row) throws IOException {
    Files.writeString(
        matrixFile(), row + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
