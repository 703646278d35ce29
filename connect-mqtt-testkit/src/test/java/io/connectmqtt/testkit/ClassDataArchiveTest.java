package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The archive that {@link KafkaJvm#start} writes at a JVM's first orderly exit, and maps later. */
class ClassDataArchiveTest {

  /**
   * The main class of the started JVMs, from a jar as Kafka's classes are; and a Java agent that
   * does nothing, as the Prometheus exporter is one.
   */
  public static final class Main {
    public static void premain(String agentArgs) {}

    public static void main(String[] args) throws InterruptedException {
      if (args.length > 0) {
        Thread.sleep(Long.parseLong(args[0]));
      }
    }
  }

  /** Under target/ (the build's java.io.tmpdir, which JUnit's TempDir does not create). */
  private final Path dir = ProjectLayout.scratch("class-data-test");

  @Test
  void theFirstOrderlyExitWritesTheArchiveAndTheNextJvmMapsIt() throws Exception {
    Path libs = libsWithMain();
    Path archive = ClassDataArchive.of(libs, Main.class.getName(), List.of()).archive();
    assumeTrue(archive != null, "this JDK maps no base CDS archive: no archive is written");

    assertThat(run(libs, "first", List.of()).waitFor(60, TimeUnit.SECONDS)).isTrue();
    await("archive published").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(archive));

    Process second = run(libs, "second", List.of("-Xlog:class+load=info"));
    assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(second.exitValue()).isZero();
    assertThat(Files.readString(dir.resolve("second.log")))
        .contains(Main.class.getName() + " source: shared objects file (top)");
  }

  @Test
  void aJvmWithoutTheBaseArchiveStartsAndWritesNone() throws Exception {
    Path libs = libsWithMain();

    // Asked to write a dynamic archive without the base one, the JVM would refuse to start.
    Process unshared = run(libs, "unshared", List.of("-Xshare:off"));
    assertThat(unshared.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(unshared.exitValue()).as(Files.readString(dir.resolve("unshared.log"))).isZero();
    Path archive = ClassDataArchive.of(libs, Main.class.getName(), List.of()).archive();
    // Null where this JDK maps no base archive: then no archive is ever written.
    assertThat(archive == null || !Files.exists(archive)).as("archive written").isTrue();
  }

  @Test
  void aJvmWithAJavaAgentStartsAndWritesNoneButMapsOne() throws Exception {
    Path libs = libsWithMain();
    Path archive = ClassDataArchive.of(libs, Main.class.getName(), List.of()).archive();
    assumeTrue(archive != null, "this JDK maps no base CDS archive: no archive is written");
    List<String> agent = List.of("-javaagent:" + libs.resolve("main.jar"));

    // Asked to write an archive with an agent loaded, the JVM would refuse to start.
    Process withAgent = run(libs, "agent", agent);
    assertThat(withAgent.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(withAgent.exitValue()).as(Files.readString(dir.resolve("agent.log"))).isZero();
    assertThat(archive).as("archive written with an agent").doesNotExist();

    assertThat(run(libs, "first", List.of()).waitFor(60, TimeUnit.SECONDS)).isTrue();
    await("archive published").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(archive));
    Process mapping =
        run(
            libs,
            "agent-mapping",
            Stream.concat(agent.stream(), Stream.of("-Xlog:class+load=info")).toList());
    assertThat(mapping.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(mapping.exitValue()).isZero();
    assertThat(Files.readString(dir.resolve("agent-mapping.log")))
        .contains(Main.class.getName() + " source: shared objects file (top)");
  }

  private Process run(Path libs, String name, List<String> jvmOptions, String... args)
      throws Exception {
    List<String> mainAndArgs =
        Stream.concat(Stream.of(Main.class.getName()), Stream.of(args)).toList();
    return KafkaJvm.start(dir, name, "64m", libs, jvmOptions, Map.of(), mainAndArgs);
  }

  /** A {@code libs} directory with one jar holding {@link Main}. */
  private Path libsWithMain() throws Exception {
    Path libs = Files.createDirectories(dir.resolve("dist/libs"));
    String entry = Main.class.getName().replace('.', '/') + ".class";
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", Main.class.getName());
    try (OutputStream file = Files.newOutputStream(libs.resolve("main.jar"));
        JarOutputStream jar = new JarOutputStream(file, manifest);
        InputStream classFile = Main.class.getClassLoader().getResourceAsStream(entry)) {
      jar.putNextEntry(new JarEntry(entry));
      classFile.transferTo(jar);
    }
    return libs;
  }
}
