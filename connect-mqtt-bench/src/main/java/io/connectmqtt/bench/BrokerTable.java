package io.connectmqtt.bench;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.WorkerKillScenario;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The table of docs/brokers.md: one {@link Row} per broker as {@link BrokerBenchmark} fills it. */
final class BrokerTable {

  private BrokerTable() {}

  /** One row of the table; a null cell was not reached (the row's {@code failure} says why). */
  static final class Row {
    final Broker kind;
    String name;
    String version;
    String roundTrip;
    WorkerKillScenario.Result kill;
    String restart;
    final List<Double> raw = new ArrayList<>();
    final List<Double> defaults = new ArrayList<>();
    final List<Double> tunedRuns = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    String failure;
    int publishers;

    Row(Broker kind) {
      this.kind = kind;
      this.name = kind.name();
    }
  }

  /** The header and one line per row, in Markdown; {@code backlog} is the SIGKILL column's. */
  static String markdown(List<Row> rows, int backlog) {
    StringBuilder table = new StringBuilder();
    table.append(
        "| Broker | MQTT | Round trip: payload bytes, key, headers | Worker SIGKILL, backlog of "
            + String.format(Locale.ROOT, "%,d", backlog)
            + ": lost / duplicates / drain after restart | Broker restart "
            + "mid-stream: lost / duplicates | Default (msg/s) | Tuned (msg/s) | Raw subscriber (msg/s) | Default / "
            + "tuned |\n");
    table.append("| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: |\n");
    for (Row row : rows) {
      String kill =
          row.kill == null
              ? "-"
              : String.format(
                  Locale.ROOT,
                  "%d / %d / %s",
                  row.kill.lost(),
                  row.kill.duplicates(),
                  Double.isNaN(row.kill.drainSeconds())
                      ? "not drained in 10 min"
                      : String.format(Locale.ROOT, "%.1f s", row.kill.drainSeconds()));
      if (row.kill != null && row.kill.lostConnections() > 0) {
        kill += " (" + row.kill.lostConnections() + " connection losses logged)";
      }
      double d = median(row.defaults);
      double t = median(row.tunedRuns);
      String ratio = d > 0 && t > 0 ? String.format(Locale.ROOT, "%.2f×", d / t) : "-";
      List<String> notes = new ArrayList<>(row.notes);
      if (row.failure != null) {
        notes.add(row.failure);
      }
      table.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
              row.name
                  + (notes.isEmpty()
                      ? ""
                      : " (" + String.join("; ", notes).replace('|', '/') + ")"),
              row.version == null ? "-" : row.version,
              row.roundTrip == null ? "-" : row.roundTrip.replace('|', '/'),
              kill,
              row.restart == null ? "-" : row.restart,
              rate(row.defaults),
              rate(row.tunedRuns),
              rate(row.raw),
              ratio));
    }
    return table.toString();
  }

  private static double median(List<Double> runs) {
    if (runs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(runs);
    sorted.sort(Double::compare);
    return sorted.get(sorted.size() / 2);
  }

  private static String rate(List<Double> runs) {
    if (runs.isEmpty()) {
      return "-";
    }
    if (runs.stream().anyMatch(r -> r < 0)) {
      return "incomplete: "
          + runs.stream()
              .map(r -> r < 0 ? (long) -r + " arrived" : String.format(Locale.ROOT, "%.0f", r))
              .toList();
    }
    String median = String.format(Locale.ROOT, "%,.0f", median(runs));
    return runs.size() == 1
        ? median
        : median
            + " ("
            + runs.stream().map(r -> String.format(Locale.ROOT, "%,.0f", r)).toList()
            + ")";
  }
}
