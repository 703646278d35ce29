package io.connectmqtt.testkit;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;

/**
 * A class data sharing archive (JDK CDS, dynamic) for the JVMs a test starts from one classpath and
 * main class: Kafka brokers, Connect workers. Each such JVM started before the archive exists
 * writes the classes it loaded into one when it ends by itself or on SIGTERM (the JVM does it on
 * exit), published by a rename; every JVM started after that maps them instead of loading,
 * verifying and linking them from the jars again. Measured here on 2 cores: a Connect worker took
 * 2.5 s of CPU to answer its REST API with the archive, 4.1 s without; a broker 3.8 s against 5.3
 * s. A JVM that cannot use the archive (another JDK, a damaged file) starts without it: the JVM
 * checks the archive's header and falls back. Where this JDK has no base archive (the JVM's own,
 * which a dynamic one extends) nothing is written or mapped, and a JVM with a Java agent writes
 * none: asked to write one in either case, the JVM would not start.
 */
final class ClassDataArchive {

  /** JVM exit codes of an orderly exit: by itself, or SIGTERM (128 + 15) after its hooks. */
  private static final List<Integer> ORDERLY_EXITS = List.of(0, 143);

  /** No archive: neither written nor mapped. */
  private static final ClassDataArchive NONE = new ClassDataArchive(null, null);

  private final Path archive;
  private final Path dump;

  private ClassDataArchive(Path archive, Path dump) {
    this.archive = archive;
    this.dump = dump;
  }

  /**
   * The archive of JVMs running {@code mainClass} from {@code libs/*}: kept beside {@code libs} (in
   * the same build's {@code target/}, so a clean build starts afresh), one per JDK build.
   */
  static ClassDataArchive of(Path libs, String mainClass, List<String> jvmOptions) {
    if (!baseArchiveInUse() || jvmOptions.contains("-Xshare:off")) {
      return NONE;
    }
    Path directory = libs.toAbsolutePath().resolveSibling("class-data");
    Path archive =
        directory.resolve(
            mainClass + "-" + Runtime.version().toString().replace('+', '_') + ".jsa");
    if (Files.isRegularFile(archive)) {
      return new ClassDataArchive(archive, null);
    }
    if (jvmOptions.stream().anyMatch(option -> option.startsWith("-javaagent:"))) {
      // Asked to write one with a Java agent loaded (the Prometheus exporter), the JVM would not
      // start; it maps one written by another JVM all the same.
      return NONE;
    }
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      return NONE;
    }
    // Several JVMs may write at once (two test JVMs, a restart): each its own file, renamed when
    // done.
    return new ClassDataArchive(archive, directory.resolve(UUID.randomUUID() + ".jsa.partial"));
  }

  /** The options that map the archive, or that make the JVM write it at its exit. */
  List<String> jvmOptions() {
    if (archive == null) {
      return List.of();
    }
    // The JVM warns of each class it cannot archive (generated accessors, JFR events): not for the
    // process's log.
    String quiet = "-Xlog:cds=off,cds+dynamic=off";
    if (dump != null) {
      return List.of("-XX:ArchiveClassesAtExit=" + dump, quiet);
    }
    return List.of("-XX:SharedArchiveFile=" + archive, quiet);
  }

  /**
   * Once {@code process} (started with {@link #jvmOptions()}) has exited, publishes the archive it
   * wrote; a JVM killed by SIGKILL may have written part of one, which is deleted.
   */
  void publishWhenExited(Process process) {
    if (dump == null) {
      return;
    }
    process
        .onExit()
        .thenRun(
            () -> {
              try {
                if (ORDERLY_EXITS.contains(process.exitValue()) && Files.isRegularFile(dump)) {
                  // Replaces an archive another JVM published meanwhile: both are whole.
                  Files.move(dump, archive, StandardCopyOption.ATOMIC_MOVE);
                } else {
                  Files.deleteIfExists(dump);
                }
              } catch (IOException e) {
                // No archive this time: the next JVM started from these classes writes one.
              }
            });
  }

  Path archive() {
    return archive;
  }

  /**
   * Whether this JVM maps the JDK's base archive: the child JVMs run the same JDK ({@code
   * java.home}).
   */
  private static boolean baseArchiveInUse() {
    try {
      HotSpotDiagnosticMXBean hotspot =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return hotspot != null
          && Boolean.parseBoolean(hotspot.getVMOption("UseSharedSpaces").getValue());
    } catch (IllegalArgumentException notHotSpot) {
      return false;
    }
  }
}
