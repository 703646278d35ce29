package io.connectmqtt.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.testkit.ConnectRest;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo shows while it runs. On a terminal: a screen redrawn every second with connector
 * states, message rates, latencies, records per topic, entity-sync requests, notifications and the
 * latest record. Elsewhere (a pipe, a test): one summary line every few seconds.
 */
final class Dashboard {

  private static final String CLEAR = "\033[H\033[2J";
  private static final String BOLD = "\033[1m";
  private static final String DIM = "\033[2m";
  private static final String GREEN = "\033[32m";
  private static final String RED = "\033[31m";
  private static final String YELLOW = "\033[33m";
  private static final String RESET = "\033[0m";

  private final PrintStream out;
  private final boolean terminal;
  private final ConnectRest rest;
  private final List<String> connectors;
  private final SensorFleet fleet;
  private final KafkaTail tail;
  private final MqttActivity activity;
  private final PresenceBoard presence;
  private final List<String> howToConnect;
  private final long startedNanos = System.nanoTime();
  private long lastNanos = System.nanoTime();
  private long lastPublished;
  private long lastInKafka;
  private long lastRequests;
  private long[] kafkaLatency;
  private long[] replyLatency;

  Dashboard(
      PrintStream out,
      boolean terminal,
      ConnectRest rest,
      List<String> connectors,
      SensorFleet fleet,
      KafkaTail tail,
      MqttActivity activity,
      PresenceBoard presence,
      List<String> howToConnect) {
    this.out = out;
    this.terminal = terminal;
    this.rest = rest;
    this.connectors = connectors;
    this.fleet = fleet;
    this.tail = tail;
    this.activity = activity;
    this.presence = presence;
    this.howToConnect = howToConnect;
  }

  /** How often {@link #refresh()} should run. */
  long periodMillis() {
    return terminal ? 1_000 : 5_000;
  }

  void refresh() {
    long now = System.nanoTime();
    double seconds = Math.max(0.001, (now - lastNanos) / 1e9);
    lastNanos = now;
    long published = fleet.published();
    long inKafka = tail.total();
    long requests = activity.requests.get();
    double publishRate = (published - lastPublished) / seconds;
    double kafkaRate = (inKafka - lastInKafka) / seconds;
    double requestRate = (requests - lastRequests) / seconds;
    lastPublished = published;
    lastInKafka = inKafka;
    lastRequests = requests;
    kafkaLatency = orLast(tail.latency.drain(), kafkaLatency);
    replyLatency = orLast(activity.replyLatency.drain(), replyLatency);
    Map<String, String> states = connectorStates();
    if (!terminal) {
      out.printf(
          Locale.ROOT,
          "== published %d MQTT messages | in Kafka %d %s | requests %d, replies %d, "
              + "notifications %d, alerts %d | presence %s | %s%n",
          published,
          inKafka,
          perTopic(),
          requests,
          activity.replies.get(),
          activity.notifications.get(),
          activity.alerts.get(),
          presence.summary(),
          states);
      return;
    }
    StringBuilder screen = new StringBuilder(CLEAR);
    long uptime = (now - startedNanos) / 1_000_000_000L;
    boolean allRunning = states.values().stream().allMatch(s -> s.startsWith("RUNNING"));
    screen
        .append(BOLD)
        .append(" connect-mqtt demo")
        .append(RESET)
        .append(
            String.format(
                Locale.ROOT,
                "   up %02d:%02d:%02d   ",
                uptime / 3600,
                uptime / 60 % 60,
                uptime % 60))
        .append(
            allRunning ? GREEN + "all connectors RUNNING" : YELLOW + "not all connectors running")
        .append(RESET)
        .append("\n\n")
        .append(BOLD)
        .append(" CONNECTORS")
        .append(RESET)
        .append('\n');
    states.forEach(
        (name, state) ->
            screen.append(String.format(Locale.ROOT, "   %-16s %s%n", name, colour(state))));
    screen
        .append('\n')
        .append(BOLD)
        .append(String.format(Locale.ROOT, " %-38s %10s %9s%n", "FLOW", "total", "per s"))
        .append(RESET);
    line(screen, "MQTT published by the sensor fleet", published, publishRate, "");
    line(
        screen,
        "records in Kafka (iot.*)",
        inKafka,
        kafkaRate,
        latency("publish → Kafka", kafkaLatency));
    new TreeMap<>(tail.perTopic())
        .forEach(
            (topic, count) ->
                screen.append(String.format(Locale.ROOT, "     %-34s %10d%n", topic, count.get())));
    line(
        screen,
        "entity-sync requests",
        requests,
        requestRate,
        latency("reply", replyLatency)
            + (activity.errorReplies.get() > 0
                ? "   error replies " + activity.errorReplies.get()
                : ""));
    line(screen, "notifications (entity-notify)", activity.notifications.get(), Double.NaN, "");
    line(screen, "alerts sent to devices (sink)", activity.alerts.get(), Double.NaN, "");
    screen
        .append('\n')
        .append(BOLD)
        .append(" PRESENCE (mqtt.presence)")
        .append(RESET)
        .append("  ")
        .append(presence.summary())
        .append('\n');
    screen
        .append('\n')
        .append(BOLD)
        .append(" LATEST RECORD")
        .append(RESET)
        .append('\n')
        .append(DIM)
        .append(tail.lastSample())
        .append(RESET)
        .append('\n')
        .append(BOLD)
        .append(" CONNECT")
        .append(RESET)
        .append('\n');
    howToConnect.forEach(line -> screen.append(line).append('\n'));
    screen
        .append('\n')
        .append(DIM)
        .append(" Ctrl-C stops every process.")
        .append(RESET)
        .append('\n');
    out.print(screen);
    out.flush();
  }

  private static long[] orLast(long[] latest, long[] last) {
    return latest != null ? latest : last;
  }

  private static void line(
      StringBuilder screen, String label, long total, double rate, String extra) {
    screen.append(
        String.format(
            Locale.ROOT,
            "   %-36s %10d %9s   %s%n",
            label,
            total,
            Double.isNaN(rate) ? "" : String.format(Locale.ROOT, "%.1f", rate),
            extra));
  }

  private static String latency(String label, long[] window) {
    return window == null
        ? ""
        : String.format(Locale.ROOT, "%s p50 %d ms, p99 %d ms", label, window[0], window[1]);
  }

  private static String colour(String state) {
    String colour = state.startsWith("RUNNING") ? GREEN : state.contains("FAILED") ? RED : YELLOW;
    return colour + state + RESET;
  }

  private Map<String, Long> perTopic() {
    Map<String, Long> counts = new TreeMap<>();
    tail.perTopic().forEach((topic, count) -> counts.put(topic, count.get()));
    return counts;
  }

  /** name → "RUNNING (tasks: RUNNING)" and the like, from the Connect REST API. */
  Map<String, String> connectorStates() {
    Map<String, String> states = new TreeMap<>();
    for (String name : connectors) {
      try {
        JsonNode status = rest.status(name);
        StringBuilder tasks = new StringBuilder();
        for (JsonNode task : status.path("tasks")) {
          tasks.append(tasks.isEmpty() ? "" : ", ").append(task.path("state").asText("?"));
        }
        states.put(
            name, status.path("connector").path("state").asText("?") + " (tasks: " + tasks + ")");
      } catch (RuntimeException unreachable) {
        states.put(name, "UNREACHABLE");
      }
    }
    return states;
  }
}
