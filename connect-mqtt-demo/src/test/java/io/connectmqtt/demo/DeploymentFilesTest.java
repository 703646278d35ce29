package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.connectmqtt.testkit.ConfigReference;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.SinkConnectorConfig;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.sink.SinkConnector;
import org.junit.jupiter.api.Test;

/**
 * The Docker and Kubernetes files cannot run on the build machine, so they are checked here: images
 * pinned, mounted paths present, no port clashes, every ${env:...} a connector config uses defined,
 * and every connector config valid against our ConfigDefs with the values each deployment gives it.
 * The Strimzi KafkaConnectors are generated from config/ (it fails when
 * docker/kubernetes/connectors.yaml is stale; the regenerate-docs profile rewrites it).
 */
class DeploymentFilesTest {

  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS));
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");
  private static final Path ROOT = ProjectLayout.root();
  private static final Path DOCKER = ROOT.resolve("docker");

  /**
   * Keys every connector may carry beside its own: Kafka Connect's, and its per-connector client
   * overrides.
   */
  private static final List<String> FRAMEWORK_PREFIXES =
      List.of(
          "key.converter.",
          "value.converter.",
          "header.converter.",
          "producer.override.",
          "consumer.override.",
          "admin.override.",
          "transforms.",
          "predicates.",
          "topic.creation.",
          "errors.deadletterqueue.");

  @Test
  void composeImagesArePinnedAndPortsDoNotClash() throws IOException {
    JsonNode services = compose().path("services");
    assertThat(services.size()).isGreaterThanOrEqualTo(5);
    Map<String, String> hostPorts = new HashMap<>();
    services
        .fields()
        .forEachRemaining(
            service -> {
              String image = service.getValue().path("image").asText();
              assertThat(image)
                  .as(service.getKey() + " image")
                  .matches("[a-z0-9./_-]+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})");
              assertThat(image).as(service.getKey() + " image").doesNotEndWith(":latest");
              for (JsonNode port : service.getValue().path("ports")) {
                String host = port.asText().split(":")[0];
                assertThat(hostPorts.put(host, service.getKey()))
                    .as("host port " + host + " used twice")
                    .isNull();
              }
              service
                  .getValue()
                  .path("depends_on")
                  .fieldNames()
                  .forEachRemaining(
                      dependency ->
                          assertThat(services.has(dependency))
                              .as(service.getKey() + " depends on " + dependency)
                              .isTrue());
            });
    assertThat(services.fieldNames())
        .toIterable()
        .contains("kafka", "connect", "hivemq", "postgres", "register-connectors");
  }

  @Test
  void everyMountedPathExists() throws IOException {
    compose()
        .path("services")
        .fields()
        .forEachRemaining(
            service -> {
              for (JsonNode volume : service.getValue().path("volumes")) {
                String source = volume.asText().split(":")[0];
                assertThat(source).as("a bind mount, relative to docker/").startsWith(".");
                assertThat(DOCKER.resolve(source).normalize())
                    .as(service.getKey() + " mounts " + source)
                    .exists();
              }
            });
  }

  @Test
  void composeConnectWorkerLoadsOurPluginsAndEveryConnectorConfigValidates() throws IOException {
    JsonNode connect = compose().path("services").path("connect");
    Properties worker = new Properties();
    worker.load(
        new StringReader(Files.readString(DOCKER.resolve("connect-distributed.properties"))));
    assertThat(worker.getProperty("config.providers")).isEqualTo("env");
    String pluginPath = worker.getProperty("plugin.path");
    List<String> mounts = new ArrayList<>();
    connect.path("volumes").forEach(volume -> mounts.add(volume.asText()));
    for (String plugin :
        List.of("connect-mqtt-source", "connect-mqtt-sink", "connect-entity-sync")) {
      assertThat(mounts)
          .as("mounts of the connect service")
          .contains(
              "../"
                  + plugin
                  + "/target/plugin/"
                  + plugin
                  + ":"
                  + pluginPath
                  + "/"
                  + plugin
                  + ":ro");
    }
    assertThat(mounts)
        .contains(
            "../connect-mqtt-debezium-dist/target/plugin/debezium-connector-postgres:"
                + pluginPath
                + "/debezium-connector-postgres:ro",
            "../connect-mqtt-debezium-jdbc-dist/target/plugin/debezium-connector-jdbc:"
                + pluginPath
                + "/debezium-connector-jdbc:ro");
    assertThat(String.join(",", mounts))
        .contains(":/opt/connect/connect-distributed.properties:ro");
    assertThat(connect.path("command").toString())
        .contains("/opt/connect/connect-distributed.properties");
    JsonNode register = compose().path("services").path("register-connectors");
    assertThat(register.path("volumes").toString()).contains("../config:/config:ro");

    Map<String, String> environment = new TreeMap<>();
    connect
        .path("environment")
        .fields()
        .forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
    validateEveryConnectorConfig(environment, "docker-compose connect service");
  }

  @Test
  void composeBrokerListensWhereTheDemoDoes() throws IOException {
    String hivemq = Files.readString(DOCKER.resolve("hivemq/config.xml"));
    assertThat(hivemq)
        .contains("<port>1883</port>")
        .contains("<port>8000</port>")
        .contains("<path>/mqtt</path>");
    assertThat(compose().path("services").path("hivemq").path("ports").toString())
        .contains("1883:1883", "8000:8000");
    assertThat(compose().path("services").path("postgres").path("volumes").toString())
        .contains("./postgres/demo-schema.sql:/docker-entrypoint-initdb.d/");
  }

  @Test
  void strimziConnectorsAreGeneratedFromConfig() throws IOException {
    Path file = DOCKER.resolve("kubernetes/connectors.yaml");
    StringBuilder expected =
        new StringBuilder(
            """
        # One KafkaConnector per config/*.json with the same settings, generated by DeploymentFilesTest:
        # after changing config/, run ./mvnw -B -Pregenerate-docs verify and commit this file.
        """);
    for (Path config : connectorFiles()) {
      JsonNode file2 = new ObjectMapper().readTree(config.toFile());
      ObjectNode settings = ((ObjectNode) file2.path("config")).deepCopy();
      ObjectNode connector =
          YAML.createObjectNode()
              .put("apiVersion", "kafka.strimzi.io/v1beta2")
              .put("kind", "KafkaConnector");
      connector
          .putObject("metadata")
          .put("name", file2.path("name").asText())
          .putObject("labels")
          .put("strimzi.io/cluster", "connect-mqtt");
      ObjectNode spec = connector.putObject("spec");
      spec.put("class", settings.remove("connector.class").asText());
      spec.put("tasksMax", Integer.parseInt(settings.remove("tasks.max").asText()));
      spec.set("config", settings);
      expected.append("---\n").append(YAML.writeValueAsString(connector));
    }
    ConfigReference.assertCommitted(file, expected.toString());
  }

  @Test
  void strimziConnectClusterRunsOurPluginsAndEveryConnectorConfigValidates() throws IOException {
    List<JsonNode> resources = yamlDocuments(DOCKER.resolve("kubernetes/kafka-connect.yaml"));
    JsonNode connect =
        resources.stream()
            .filter(r -> r.path("kind").asText().equals("KafkaConnect"))
            .findFirst()
            .orElseThrow();
    assertThat(
            connect
                .path("metadata")
                .path("annotations")
                .path("strimzi.io/use-connector-resources")
                .asText())
        .isEqualTo("true");
    assertThat(connect.path("spec").path("image").asText()).matches(".+:[0-9][A-Za-z0-9._-]*");
    assertThat(connect.path("spec").path("config").path("config.providers").asText())
        .isEqualTo("env");
    String clusterName = connect.path("metadata").path("name").asText();

    String dockerfile = Files.readString(DOCKER.resolve("kubernetes/Dockerfile"));
    Matcher from = Pattern.compile("(?m)^FROM (\\S+)").matcher(dockerfile);
    assertThat(from.find()).isTrue();
    assertThat(from.group(1)).matches(".+:[0-9][A-Za-z0-9._-]*");
    Matcher copy = Pattern.compile("(?m)^COPY (\\S+) (\\S+)").matcher(dockerfile);
    int copied = 0;
    while (copy.find()) {
      assertThat(ROOT.resolve(copy.group(1))).as("Dockerfile COPY " + copy.group(1)).isDirectory();
      copied++;
    }
    assertThat(copied).isEqualTo(5);

    Set<String> topics = new TreeSet<>();
    for (JsonNode resource : resources) {
      if (resource.path("kind").asText().equals("KafkaTopic")) {
        topics.add(resource.path("metadata").path("name").asText());
      }
    }
    assertThat(topics)
        .contains(
            "entity-changes", "entity-subscriptions", "cdc.public.users", "cdc.public.devices");

    // Secrets are not here; stand-ins of the right shape let the configs validate.
    Map<String, String> environment = new TreeMap<>();
    for (JsonNode variable :
        connect.path("spec").path("template").path("connectContainer").path("env")) {
      environment.put(
          variable.path("name").asText(),
          variable.has("value")
              ? variable.path("value").asText()
              : switch (variable.path("valueFrom").path("secretKeyRef").path("key").asText()) {
                case "url" -> "jdbc:postgresql://postgres:5432/demo";
                default -> "from-secret";
              });
    }
    validateEveryConnectorConfig(environment, "Strimzi KafkaConnect env");

    for (JsonNode connector : yamlDocuments(DOCKER.resolve("kubernetes/connectors.yaml"))) {
      assertThat(connector.path("metadata").path("labels").path("strimzi.io/cluster").asText())
          .isEqualTo(clusterName);
    }
  }

  @Test
  void composeWorkerRunsTheExporterWithOurRulesAndPrometheusAndGrafanaReadIt() throws IOException {
    JsonNode services = compose().path("services");
    JsonNode connect = services.path("connect");
    Matcher agent =
        Pattern.compile("-javaagent:(\\S+)=(\\d+):(\\S+)")
            .matcher(connect.path("environment").path("KAFKA_OPTS").asText());
    assertThat(agent.find())
        .as("KAFKA_OPTS of the connect service starts the exporter agent")
        .isTrue();
    Map<String, String> connectMounts = mounts(connect);
    assertThat(connectMounts.get(agent.group(1)))
        .isEqualTo("../connect-mqtt-kafka-dist/target/jmx-exporter/jmx_prometheus_javaagent.jar");
    assertThat(connectMounts.get(agent.group(3))).isEqualTo("./prometheus/connect-mqtt-jmx.yml");
    String metricsPort = agent.group(2);

    JsonNode prometheus = services.path("prometheus");
    String prometheusConfig = key(mounts(prometheus), "/etc/prometheus/prometheus.yml");
    JsonNode scrape =
        YAML.readTree(DOCKER.resolve(prometheusConfig).toFile()).path("scrape_configs");
    assertThat(scrape.findValues("targets").toString())
        .as("Prometheus scrapes the worker's agent")
        .contains("\"connect:" + metricsPort + "\"");
    assertThat(prometheus.path("ports").toString()).contains(":9090\"");

    JsonNode grafana = services.path("grafana");
    Map<String, String> grafanaMounts = mounts(grafana);
    Path provisioning = DOCKER.resolve(key(grafanaMounts, "/etc/grafana/provisioning")).normalize();
    JsonNode datasource =
        YAML.readTree(provisioning.resolve("datasources/prometheus.yml").toFile())
            .path("datasources")
            .path(0);
    assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
    assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
    String dashboards =
        YAML.readTree(provisioning.resolve("dashboards/connect-mqtt.yml").toFile())
            .path("providers")
            .path(0)
            .path("options")
            .path("path")
            .asText();
    Path dashboard = DOCKER.resolve(key(grafanaMounts, dashboards)).resolve("connect-mqtt.json");
    JsonNode panels = new ObjectMapper().readTree(dashboard.toFile()).path("panels");
    assertThat(panels.size()).as("panels of " + dashboard).isGreaterThan(10);
  }

  @Test
  void strimziUsesTheShippedExporterRulesAndAPodMonitorScrapesThem() throws IOException {
    List<JsonNode> resources = yamlDocuments(DOCKER.resolve("kubernetes/kafka-connect.yaml"));
    JsonNode connect = resource(resources, "KafkaConnect");
    JsonNode metricsConfig = connect.path("spec").path("metricsConfig");
    assertThat(metricsConfig.path("type").asText()).isEqualTo("jmxPrometheusExporter");
    JsonNode reference = metricsConfig.path("valueFrom").path("configMapKeyRef");
    JsonNode configMap =
        resources.stream()
            .filter(
                r ->
                    r.path("kind").asText().equals("ConfigMap")
                        && r.path("metadata")
                            .path("name")
                            .asText()
                            .equals(reference.path("name").asText()))
            .findFirst()
            .orElseThrow();
    JsonNode strimziRules =
        YAML.readTree(configMap.path("data").path(reference.path("key").asText()).asText());
    JsonNode shipped = YAML.readTree(DOCKER.resolve("prometheus/connect-mqtt-jmx.yml").toFile());
    assertThat(strimziRules)
        .as("the ConfigMap's rules are those of docker/prometheus/connect-mqtt-jmx.yml")
        .isEqualTo(shipped);
    assertThat(shipped.path("rules").size()).isGreaterThan(5);
    for (JsonNode rule : shipped.path("rules")) {
      // The agent compiles each pattern with java.util.regex, as this does.
      assertThat(Pattern.compile(rule.path("pattern").asText()).pattern()).isNotBlank();
      assertThat(rule.path("name").asText()).matches("[a-z_$0-9]+");
    }

    JsonNode podMonitor = resource(resources, "PodMonitor");
    assertThat(
            podMonitor
                .path("spec")
                .path("selector")
                .path("matchLabels")
                .path("strimzi.io/cluster")
                .asText())
        .isEqualTo(connect.path("metadata").path("name").asText());
    assertThat(
            podMonitor
                .path("spec")
                .path("selector")
                .path("matchLabels")
                .path("strimzi.io/kind")
                .asText())
        .isEqualTo("KafkaConnect");
    // Strimzi names the metrics port of its pods tcp-prometheus.
    assertThat(podMonitor.path("spec").path("podMetricsEndpoints").path(0).path("port").asText())
        .isEqualTo("tcp-prometheus");
  }

  @Test
  void tlsExampleConfigValidates() {
    validateConnectorConfigs(
        List.of(ROOT.resolve("examples/tls/mqtt-source-mutual-tls.json")),
        Map.of("MQTT_PASSWORD", "secret"),
        "the TLS example");
  }

  private static void validateEveryConnectorConfig(Map<String, String> environment, String where) {
    validateConnectorConfigs(connectorFiles(), environment, where);
  }

  private static void validateConnectorConfigs(
      List<Path> files, Map<String, String> environment, String where) {
    for (Path file : files) {
      Map<String, String> config = ConnectRest.readConnectorFile(file);
      String name = config.remove("name");
      Map<String, String> resolved = new LinkedHashMap<>();
      config.forEach(
          (key, value) -> {
            Matcher reference = ENV_REFERENCE.matcher(value);
            StringBuilder result = new StringBuilder();
            while (reference.find()) {
              assertThat(environment)
                  .as(
                      name
                          + ": "
                          + key
                          + " uses ${env:"
                          + reference.group(1)
                          + "}, set by "
                          + where)
                  .containsKey(reference.group(1));
              reference.appendReplacement(
                  result, Matcher.quoteReplacement(environment.get(reference.group(1))));
            }
            reference.appendTail(result);
            resolved.put(key, result.toString());
          });
      assertValid(name, resolved);
    }
  }

  /** The connector's own ConfigDef and Kafka Connect's accept every key and value. */
  private static void assertValid(String name, Map<String, String> config) {
    Connector connector;
    try {
      connector =
          (Connector)
              Class.forName(config.get("connector.class")).getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(
          name + ": connector.class " + config.get("connector.class") + " is not ours", e);
    }
    ConfigDef own = connector.config();
    ConfigDef framework =
        connector instanceof SinkConnector
            ? SinkConnectorConfig.configDef()
            : SourceConnectorConfig.configDef();
    List<String> errors = new ArrayList<>();
    for (ConfigValue value : own.validate(config)) {
      value.errorMessages().forEach(message -> errors.add(value.name() + ": " + message));
    }
    for (String key : config.keySet()) {
      boolean known =
          own.names().contains(key)
              || framework.names().contains(key)
              || FRAMEWORK_PREFIXES.stream().anyMatch(key::startsWith);
      if (!known) {
        errors.add(
            key
                + ": not a setting of "
                + connector.getClass().getSimpleName()
                + " or of Kafka Connect");
      }
    }
    assertThat(errors).as(name + " (" + config.get("connector.class") + ")").isEmpty();
  }

  private static List<Path> connectorFiles() {
    try (Stream<Path> files = Files.list(ROOT.resolve("config"))) {
      List<Path> list = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      assertThat(list).hasSizeGreaterThanOrEqualTo(5);
      return list;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A service's bind mounts: container path to source path. */
  private static Map<String, String> mounts(JsonNode service) {
    Map<String, String> mounts = new TreeMap<>();
    for (JsonNode volume : service.path("volumes")) {
      String[] parts = volume.asText().split(":");
      mounts.put(parts[1], parts[0]);
    }
    return mounts;
  }

  private static String key(Map<String, String> mounts, String containerPath) {
    assertThat(mounts).as("mounts").containsKey(containerPath);
    return mounts.get(containerPath);
  }

  private static JsonNode resource(List<JsonNode> resources, String kind) {
    return resources.stream()
        .filter(r -> r.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind));
  }

  private static JsonNode compose() throws IOException {
    return YAML.readTree(DOCKER.resolve("docker-compose.yml").toFile());
  }

  private static List<JsonNode> yamlDocuments(Path file) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(file.toFile())) {
      YAML.readValues(parser, JsonNode.class)
          .forEachRemaining(
              document -> {
                if (document != null && !document.isEmpty()) {
                  documents.add(document);
                }
              });
    }
    return documents;
  }
}
