package io.connectmqtt.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the in-process micro benchmarks share: their options ({@code --<items>=N}, {@code --rounds},
 * default 11, {@code --warmup-rounds}, default 5, {@code --out}), how they measure (the CPU time of
 * this thread, not wall time: the machine is shared, per item, every path once in each round, the
 * paths alternating; a path's figure is the median of its rounds after the warm-up rounds) and
 * their report section.
 */
final class MicroBenchmark {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** One path's pass over all its items: the part that is timed. */
  @FunctionalInterface
  interface Pass {
    void run() throws Exception;
  }

  /** Prepares a path's pass (untimed), e.g. sets the thread's context class loader. */
  @FunctionalInterface
  interface PassOf<P> {
    Pass prepare(P path);
  }

  private final String subcommand;
  private final String arguments;
  private final Map<String, String> options;
  private final String unit;
  private final int items;
  private final int rounds;
  private final int warmupRounds;

  /**
   * The micro benchmark run as {@code ./bench.sh subcommand args}: each pass goes over as many
   * items as the option named {@code unit} says (e.g. {@code --records=N}), else {@code
   * defaultItems}.
   */
  MicroBenchmark(String subcommand, String[] args, String unit, int defaultItems) {
    this.subcommand = subcommand;
    this.arguments = String.join(" ", args);
    this.options = BenchmarkSetup.options(args);
    this.unit = unit;
    this.items = Integer.parseInt(options.getOrDefault(unit, Integer.toString(defaultItems)));
    this.rounds = Integer.parseInt(options.getOrDefault("rounds", "11"));
    this.warmupRounds = Integer.parseInt(options.getOrDefault("warmup-rounds", "5"));
  }

  /** How many items each pass goes over. */
  int items() {
    return items;
  }

  /** Each of {@code paths}, in order, with its median CPU ns per item. */
  <P> Map<P, Double> medianNanosPerItem(List<P> paths, PassOf<P> passOf) throws Exception {
    Map<P, List<Double>> nanos = new LinkedHashMap<>();
    paths.forEach(path -> nanos.put(path, new ArrayList<>()));
    for (int round = 0; round < warmupRounds + rounds; round++) {
      for (P path : paths) {
        Pass pass = passOf.prepare(path);
        long start = THREADS.getCurrentThreadCpuTime();
        pass.run();
        double perItem = (THREADS.getCurrentThreadCpuTime() - start) / (double) items;
        if (round >= warmupRounds) {
          nanos.get(path).add(perItem);
        }
      }
    }
    Map<P, Double> medians = new LinkedHashMap<>();
    nanos.forEach((path, values) -> medians.put(path, median(values)));
    return medians;
  }

  /**
   * Publishes the report section {@code section} into {@code --out}: {@code heading}, the run line,
   * {@code measured} (what one item is) followed by how it was measured, and {@code table}.
   */
  void publish(String section, String heading, String measured, CharSequence table)
      throws IOException {
    StringBuilder report =
        BenchmarkReport.begin(heading, subcommand, arguments)
            .append(measured)
            .append(
                String.format(
                    Locale.ROOT,
                    " CPU time of the converting thread, median of %d rounds of %d %s after %d"
                        + " warm-up rounds, the paths alternating in the same run.%n%n",
                    rounds,
                    items,
                    unit,
                    warmupRounds))
            .append(table)
            .append('\n');
    BenchmarkReport.publish(
        Path.of(options.getOrDefault("out", "docs/benchmarks.md")), section, report);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }
}
