package io.connectmqtt.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a program outside the JVM (node, python3, npm) for a test, with output captured, and skips
 * the test with a visible message when the program is not installed (.ci/run installs them).
 */
public final class ExternalCommand {

  /** What a finished command left: its exit code and its stdout and stderr, interleaved. */
  public record Result(int exitCode, String output) {}

  private ExternalCommand() {}

  /**
   * The first of {@code candidates} (names on PATH or absolute paths) that exists, or the test is
   * skipped.
   */
  public static String require(String what, String installHint, String... candidates) {
    for (String candidate : candidates) {
      String found = find(candidate);
      if (found != null) {
        return found;
      }
    }
    System.err.println("SKIPPED: " + what + " is not installed; " + installHint);
    Assumptions.abort(what + " is not installed (" + installHint + ")");
    return null;
  }

  /** The absolute path of {@code program} (a name on PATH or an absolute path), or null. */
  public static String find(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program)) ? program : null;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  /** Runs {@code command} in {@code directory}, killing it after {@code timeoutSeconds}. */
  public static Result run(
      Path directory, Map<String, String> environment, long timeoutSeconds, List<String> command) {
    try {
      Path output = Files.createTempFile("command-", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile());
      builder.environment().putAll(environment);
      Process process = builder.start();
      boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      Files.deleteIfExists(output);
      return new Result(
          finished ? process.exitValue() : -1,
          finished ? text : text + "\n[killed after " + timeoutSeconds + " s]");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code npm ci} in {@code directory} unless its node_modules already match its
   * package-lock.json.
   */
  public static void npmInstall(Path directory) {
    Path installedLock = directory.resolve("node_modules/.package-lock.json");
    if (Files.exists(installedLock)) {
      return;
    }
    String npm = require("npm", "apt-get install -y nodejs npm", "npm");
    Result result = run(directory, Map.of(), 300, List.of(npm, "ci", "--no-audit", "--no-fund"));
    if (result.exitCode() != 0) {
      throw new IllegalStateException("npm ci in " + directory + " failed:\n" + result.output());
    }
  }
}
