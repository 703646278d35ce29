package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks the licence notices of a module's built plugin directory and zip: doc/THIRD-PARTY.txt
 * names every jar in lib/ with a licence, and every licence text it refers to (doc/licenses/...) is
 * in the archive.
 */
public final class ThirdPartyNotices {
  public static final String NOTICE = "doc/THIRD-PARTY.txt";
  private static final Pattern LICENCE_FILE = Pattern.compile("doc/licenses/[A-Za-z0-9.-]+");

  /**
   * A table row: artifact, then after two or more spaces its licence, then after two or more its
   * home.
   */
  private static final Pattern ROW =
      Pattern.compile("(\\S+(?: \\(\\S+\\))?)\\s{2,}(\\S.*?)\\s{2,}(\\S.*)");

  private ThirdPartyNotices() {}

  /**
   * Every file of the plugin directory (relative to the plugin's own directory); text files with
   * contents.
   */
  public static Map<String, String> pluginDirectory(String component) {
    Path plugin = ProjectLayout.pluginDirectory(component).resolve(component);
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(plugin)) {
      for (Path file : all.filter(Files::isRegularFile).toList()) {
        String name = plugin.relativize(file).toString().replace('\\', '/');
        files.put(name, isText(name) ? Files.readString(file, StandardCharsets.UTF_8) : "");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /**
   * Every file of the module's zip in target/components (relative to its base directory), as above.
   */
  public static Map<String, String> zip(String component) {
    Path components = ProjectLayout.root().resolve(component).resolve("target/components");
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> built = Files.list(components)) {
      Path zip = built.filter(f -> f.toString().endsWith(".zip")).findFirst().orElseThrow();
      try (ZipFile archive = new ZipFile(zip.toFile())) {
        for (ZipEntry entry : archive.stream().filter(e -> !e.isDirectory()).toList()) {
          String name = entry.getName().substring(entry.getName().indexOf('/') + 1);
          files.put(
              name,
              isText(name)
                  ? new String(archive.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8)
                  : "");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  /**
   * Asserts the notices of one archive's files (from {@link #pluginDirectory} or {@link #zip}) and
   * returns the THIRD-PARTY.txt row of each bundled jar's artifact, keyed by the jar's file name,
   * for further checks.
   */
  public static Map<String, String> assertNotices(Map<String, String> files) {
    assertThat(files).containsKeys(NOTICE, "doc/LICENSE");
    String notice = files.get(NOTICE);
    Map<String, String> rows = new TreeMap<>();
    for (String line : notice.lines().toList()) {
      Matcher row = ROW.matcher(line);
      if (row.matches()) {
        rows.put(row.group(1).replaceAll(" \\(.*\\)$", ""), line);
      }
    }
    List<String> jars =
        files.keySet().stream()
            .filter(name -> name.startsWith("lib/") && name.endsWith(".jar"))
            .map(name -> name.substring("lib/".length()))
            .toList();
    assertThat(jars).as("bundled jars").isNotEmpty();
    Map<String, String> rowByJar = new TreeMap<>();
    for (String jar : jars) {
      String artifact = jar.replaceAll("-[0-9].*\\.jar$", "");
      assertThat(rows).as(NOTICE + " has a row with the licence of " + jar).containsKey(artifact);
      rowByJar.put(jar, rows.get(artifact));
    }
    Matcher referenced = LICENCE_FILE.matcher(notice);
    int texts = 0;
    while (referenced.find()) {
      String licence = referenced.group().replaceAll("\\.$", "");
      assertThat(files.get(licence)).as(licence + ", named in " + NOTICE).isNotBlank();
      texts++;
    }
    assertThat(texts).as("licence texts named in " + NOTICE).isPositive();
    return rowByJar;
  }

  /**
   * The MQTT plugins bundle protobuf-java (BSD-3-Clause: the binary must carry its copyright and
   * licence) and connect-mqtt-sparkplug, whose classes are generated from Eclipse Tahu's
   * sparkplug_b.proto (EPL-2.0: the licence and where its source is). Checks the module's plugin
   * directory, then its zip.
   */
  public static void assertSparkplugNotices(String component) {
    assertSparkplugNotices(pluginDirectory(component));
    assertSparkplugNotices(zip(component));
  }

  private static void assertSparkplugNotices(Map<String, String> files) {
    Map<String, String> rows = assertNotices(files);
    String protobuf = rowOf(rows, "protobuf-java-");
    assertThat(protobuf)
        .contains("BSD-3-Clause")
        .contains("doc/licenses/BSD-3-Clause-protobuf.txt");
    assertThat(files.get("doc/licenses/BSD-3-Clause-protobuf.txt"))
        .contains("Copyright 2008 Google Inc.")
        .contains("Redistributions in binary form must reproduce the above");
    assertThat(rowOf(rows, "connect-mqtt-sparkplug-"))
        .contains("EPL-2.0")
        .contains("doc/licenses/EPL-2.0.md");
    assertThat(files.get(NOTICE))
        .contains("https://github.com/eclipse/tahu")
        .contains("sparkplug_b.proto");
    assertThat(files.get("doc/licenses/EPL-2.0.md")).startsWith("Eclipse Public License - v 2.0");
  }

  private static String rowOf(Map<String, String> rowByJar, String jarPrefix) {
    return rowByJar.entrySet().stream()
        .filter(e -> e.getKey().startsWith(jarPrefix))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + jarPrefix + "*.jar in lib/"));
  }

  private static boolean isText(String name) {
    return name.endsWith(".txt") || name.endsWith(".md") || name.endsWith("LICENSE");
  }
}
