package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ConnectVersion;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our plugin jars link only against Kafka (and slf4j) fields and methods that every worker of the
 * matrix has: each member the bytecode references resolves, with the same descriptor, in that
 * version's libs (declared on the class or inherited). Compiling against 3.6.2 is not enough: javac
 * may bind a call to an overload only the newer Kafka has. Fast and static; ConnectVersionMatrixIT
 * shows the plugins running.
 */
class KafkaApiLinkageIT {

  private static final List<String> MODULES =
      List.of("connect-mqtt-source", "connect-mqtt-sink", "connect-entity-sync");

  @ParameterizedTest(name = "Connect {0}")
  @EnumSource(ConnectVersion.class)
  void everyKafkaMemberOurJarsCallExistsInThisVersion(ConnectVersion version) throws Exception {
    if (version.libs().isEmpty()) {
      String reason = "SKIPPED Connect " + version.minor() + ": its libs were not laid out";
      System.out.println(reason);
      Assumptions.abort(reason);
    }
    Set<WorkerApiReferences.Member> members = new TreeSet<>();
    for (Path jar : ourJars()) {
      members.addAll(WorkerApiReferences.of(jar));
    }
    assertThat(members)
        .as("worker API members referenced (the reader works)")
        .hasSizeGreaterThan(50);
    List<String> missing = new ArrayList<>();
    try (URLClassLoader kafka =
        new URLClassLoader(
            urls(version.libs().orElseThrow()), ClassLoader.getPlatformClassLoader())) {
      for (WorkerApiReferences.Member member : members) {
        if (!resolves(kafka, member)) {
          missing.add(member.toString());
        }
      }
    }
    System.out.printf(
        "Connect %s: %d Kafka and slf4j members referenced by our jars, %d missing%n",
        version.exactVersion(), members.size(), missing.size());
    assertThat(missing)
        .as("members our jars call that Kafka " + version.exactVersion() + " lacks")
        .isEmpty();
  }

  /**
   * The worker's API must come from the worker: no jar in any of our plugin directories carries a
   * class of a package the worker provides (a shaded or fat jar would, whatever its name).
   */
  @Test
  void noPluginJarBundlesClassesTheWorkerProvides() throws IOException {
    List<String> bundled = new ArrayList<>();
    int jars = 0;
    for (String module : MODULES) {
      try (Stream<Path> files =
          Files.list(ProjectLayout.pluginDirectory(module).resolve(module).resolve("lib"))) {
        for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
          jars++;
          try (JarFile file = new JarFile(jar.toFile())) {
            file.stream()
                .map(JarEntry::getName)
                .filter(
                    name -> WorkerApiReferences.WORKER_PACKAGES.stream().anyMatch(name::startsWith))
                .forEach(name -> bundled.add(module + ": " + jar.getFileName() + "!" + name));
          }
        }
      }
    }
    assertThat(jars).isGreaterThan(10);
    assertThat(bundled).as("worker classes inside plugin jars").isEmpty();
  }

  /** The check can fail: SinkTaskContext.pluginMetrics() came with Kafka 4.1 (KIP-877). */
  @Test
  void aMemberNewerThanTheWorkerDoesNotResolve() throws Exception {
    WorkerApiReferences.Member pluginMetrics =
        new WorkerApiReferences.Member(
            "org/apache/kafka/connect/sink/SinkTaskContext",
            "pluginMetrics",
            "()Lorg/apache/kafka/common/metrics/PluginMetrics;");
    Assumptions.assumeTrue(
        ConnectVersion.V3_6.libs().isPresent() && ConnectVersion.V4_1.libs().isPresent(),
        "SKIPPED: Connect 3.6 or 4.1 libs not laid out");
    try (URLClassLoader v36 =
            new URLClassLoader(
                urls(ConnectVersion.V3_6.libs().orElseThrow()),
                ClassLoader.getPlatformClassLoader());
        URLClassLoader v41 =
            new URLClassLoader(
                urls(ConnectVersion.V4_1.libs().orElseThrow()),
                ClassLoader.getPlatformClassLoader())) {
      assertThat(resolves(v36, pluginMetrics)).isFalse();
      assertThat(resolves(v41, pluginMetrics)).isTrue();
    }
  }

  /** The jars we build (not the third-party ones) inside each plugin directory, each once. */
  private static Set<Path> ourJars() throws IOException {
    Set<Path> jars = new TreeSet<>();
    Set<String> seen = new TreeSet<>();
    for (String module : MODULES) {
      try (Stream<Path> files =
          Files.list(ProjectLayout.pluginDirectory(module).resolve(module).resolve("lib"))) {
        files
            .filter(
                f ->
                    f.getFileName()
                        .toString()
                        .matches("connect-(mqtt|entity)-[a-z-]+-[0-9].*\\.jar"))
            .filter(f -> seen.add(f.getFileName().toString()))
            .forEach(jars::add);
      }
    }
    return jars;
  }

  private static URL[] urls(Path libs) throws IOException {
    try (Stream<Path> files = Files.list(libs)) {
      List<URL> urls = new ArrayList<>();
      for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).toList()) {
        urls.add(jar.toUri().toURL());
      }
      return urls.toArray(URL[]::new);
    }
  }

  /** As the JVM links: the owner, then its superclasses and superinterfaces. */
  private static boolean resolves(ClassLoader kafka, WorkerApiReferences.Member member) {
    Class<?> owner;
    try {
      owner = Class.forName(member.owner().replace('/', '.'), false, kafka);
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    Deque<Class<?>> types = new ArrayDeque<>(List.of(owner));
    while (!types.isEmpty()) {
      Class<?> type = types.pop();
      if (declares(type, member)) {
        return true;
      }
      if (type.getSuperclass() != null) {
        types.add(type.getSuperclass());
      }
      types.addAll(List.of(type.getInterfaces()));
    }
    // An interface's own members include Object's (JVMS §5.4.3.4).
    return owner.isInterface() && declares(Object.class, member);
  }

  private static boolean declares(Class<?> type, WorkerApiReferences.Member member) {
    if (!member.isMethod()) {
      for (Field field : type.getDeclaredFields()) {
        if (field.getName().equals(member.name())
            && field.getType().descriptorString().equals(member.descriptor())) {
          return true;
        }
      }
      return false;
    }
    List<Executable> executables = new ArrayList<>(List.of(type.getDeclaredMethods()));
    executables.addAll(List.of(type.getDeclaredConstructors()));
    for (Executable executable : executables) {
      String name = executable instanceof Constructor<?> ? "<init>" : executable.getName();
      Class<?> returns = executable instanceof Method method ? method.getReturnType() : void.class;
      StringBuilder descriptor = new StringBuilder("(");
      for (Class<?> parameter : executable.getParameterTypes()) {
        descriptor.append(parameter.descriptorString());
      }
      descriptor.append(')').append(returns.descriptorString());
      if (name.equals(member.name()) && descriptor.toString().equals(member.descriptor())) {
        return true;
      }
    }
    return false;
  }
}
