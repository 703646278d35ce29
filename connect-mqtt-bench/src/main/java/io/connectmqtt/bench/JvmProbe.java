package io.connectmqtt.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a benchmark reads of another JVM on this machine (a Connect worker, Kafka): CPU ticks from
 * /proc, per process and per thread, and the live heap through jcmd.
 */
final class JvmProbe {

  /** USER_HZ, the unit of /proc's CPU times (100 on Linux). */
  static final int CLOCK_TICKS_PER_SECOND = 100;

  private JvmProbe() {}

  /**
   * User + system CPU time of a process in clock ticks, from /proc (Linux); 0 where that is not
   * available.
   */
  static long cpuTicks(long pid) {
    try {
      return ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * User + system CPU ticks of each live thread of a process, by thread id, with the thread's name
   * as the kernel keeps it (15 characters: Connect's {@code task-thread-<connector>-<task>} reads
   * {@code task-thread-ben}).
   */
  static Map<Long, Map.Entry<String, Long>> threadTicks(long pid) {
    Map<Long, Map.Entry<String, Long>> byThread = new HashMap<>();
    try (java.nio.file.DirectoryStream<Path> threads =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path thread : threads) {
        try {
          String name = Files.readString(thread.resolve("comm")).trim();
          byThread.put(
              Long.parseLong(thread.getFileName().toString()),
              Map.entry(name, ticks(Files.readString(thread.resolve("stat")))));
        } catch (IOException | RuntimeException gone) {
          // The thread ended meanwhile.
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return byThread;
  }

  /**
   * Ticks spent between two snapshots by the threads whose name passes {@code filter} (threads that
   * ended: lost).
   */
  static long ticksBetween(
      Map<Long, Map.Entry<String, Long>> before,
      Map<Long, Map.Entry<String, Long>> after,
      java.util.function.Predicate<String> filter) {
    long sum = 0;
    for (Map.Entry<Long, Map.Entry<String, Long>> thread : after.entrySet()) {
      if (filter.test(thread.getValue().getKey())) {
        Map.Entry<String, Long> earlier = before.get(thread.getKey());
        sum += thread.getValue().getValue() - (earlier == null ? 0 : earlier.getValue());
      }
    }
    return sum;
  }

  /**
   * The JIT compiler's threads: busy for minutes after a worker starts, whatever the connector
   * does.
   */
  static boolean jitCompiler(String thread) {
    return thread.startsWith("C1 CompilerThre") || thread.startsWith("C2 CompilerThre");
  }

  /**
   * The worker's live heap in KB, through jcmd: GC.class_histogram runs a full GC first (GC.run
   * would only start a concurrent cycle under Kafka's -XX:+ExplicitGCInvokesConcurrent) and totals
   * what survived.
   */
  static long liveHeapKb(long pid) {
    try {
      Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
      String histogram = run(jcmd.toString(), Long.toString(pid), "GC.class_histogram");
      Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)").matcher(histogram);
      return total.find() ? Long.parseLong(total.group(1)) / 1024 : -1;
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  static long maxLiveHeapKb(long pid, int seconds) {
    long max = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      max = Math.max(max, liveHeapKb(pid));
      try {
        // Sampling: each reading is a full GC in the worker, so not more often than this.
        Thread.sleep(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return max;
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor(30, TimeUnit.SECONDS);
    return output;
  }

  /** utime + stime of a /proc stat line (fields 14 and 15, counted after the command's ')'). */
  private static long ticks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
