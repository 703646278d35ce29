package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ProjectLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The built plugin directory and zip carry doc/THIRD-PARTY.txt naming every bundled jar with its licence, and the
 * full text of the LGPL the MariaDB JDBC driver is under (LGPL 2.1 section 6 asks for it with the library).
 */
class ThirdPartyNoticeIT {

  private static final String NOTICE = "doc/THIRD-PARTY.txt";
  private static final String LGPL = "doc/licenses/LGPL-2.1.txt";

  @Test
  void thePluginDirectoryNamesEveryBundledJarAndShipsTheLgpl() throws Exception {
    // The directory for plugin.path holds the plugin's own directory.
    Path plugin = ProjectLayout.pluginDirectory("connect-entity-sync").resolve("connect-entity-sync");
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(plugin)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        String name = plugin.relativize(file).toString().replace('\\', '/');
        files.put(name, name.endsWith(".txt") ? Files.readString(file, StandardCharsets.UTF_8) : "");
      }
    }
    assertNotices(files);
  }

  @Test
  void theZipNamesEveryBundledJarAndShipsTheLgpl() throws Exception {
    Path zip;
    try (Stream<Path> built = Files.list(Path.of("target/components"))) {
      zip = built.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
    }
    Map<String, String> files = new TreeMap<>();
    try (ZipFile archive = new ZipFile(zip.toFile())) {
      for (ZipEntry entry : archive.stream().filter(e -> !e.isDirectory()).toList()) {
        String name = entry.getName().substring(entry.getName().indexOf('/') + 1);
        files.put(name, name.endsWith(".txt")
            ? new String(archive.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8) : "");
      }
    }
    assertNotices(files);
  }

  private static void assertNotices(Map<String, String> files) {
    assertThat(files).containsKeys(NOTICE, LGPL, "doc/LICENSE");
    String notice = files.get(NOTICE);
    List<String> jars = files.keySet().stream().filter(name -> name.startsWith("lib/") && name.endsWith(".jar"))
        .map(name -> name.substring("lib/".length())).toList();
    assertThat(jars).as("bundled jars").isNotEmpty();
    for (String jar : jars) {
      assertThat(notice).as("THIRD-PARTY.txt names " + jar).contains(jar.replaceAll("-[0-9].*\\.jar$", "") + " ");
    }
    assertThat(notice.lines().filter(line -> line.startsWith("mariadb-java-client ")).findFirst().orElse(""))
        .contains("LGPL-2.1-or-later");
    assertThat(notice).contains("its full text is " + LGPL).contains("mariadb-connector-j");
    assertThat(files.get(LGPL)).startsWith("                  GNU LESSER GENERAL PUBLIC LICENSE")
        .contains("Version 2.1, February 1999");
  }
}
