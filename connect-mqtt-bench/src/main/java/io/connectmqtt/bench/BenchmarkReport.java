package io.connectmqtt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;

/** The section each benchmark keeps in docs/benchmarks.md, between markers of its own. */
final class BenchmarkReport {

  private BenchmarkReport() {}

  /**
   * "Run on {date}, {n} cores, Java {version}. Command: `./bench.sh {subcommand} {arguments}`",
   * then a blank line.
   */
  static String runLine(String subcommand, String arguments) {
    String command =
        "./bench.sh"
            + (subcommand.isEmpty() ? "" : " " + subcommand)
            + (arguments.isBlank() ? "" : " " + arguments);
    return String.format(
        Locale.ROOT,
        "Run on %s, %d cores, Java %s. Command: `%s`%n%n",
        LocalDate.now(),
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        command);
  }

  /** A report section's beginning: {@code heading}, a blank line, then the {@link #runLine}. */
  static StringBuilder begin(String heading, String subcommand, String arguments) {
    return new StringBuilder(heading).append("\n\n").append(runLine(subcommand, arguments));
  }

  /**
   * Prints {@code body} between the markers {@code <!-- {name}-benchmark:start/end -->} and puts it
   * into {@code file} in place of the earlier run's section, or at the end when there is none yet.
   */
  static void publish(Path file, String name, CharSequence body) throws IOException {
    String startMarker = "<!-- " + name + "-benchmark:start -->";
    String endMarker = "<!-- " + name + "-benchmark:end -->";
    String section = startMarker + "\n" + body + endMarker + "\n";
    System.out.println(section);
    String existing = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n\n";
    int start = existing.indexOf(startMarker);
    int end = existing.indexOf(endMarker);
    Files.writeString(
        file,
        start >= 0 && end > start
            ? existing.substring(0, start)
                + section
                + existing.substring(end + endMarker.length() + 1)
            : existing + "\n" + section);
  }
}
