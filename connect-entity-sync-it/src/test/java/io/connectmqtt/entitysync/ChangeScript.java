package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.entitysync.HostileSubscriptionCorpus.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes of {@link HostileSubscriptionCorpusIT}, three rounds of rows that match, miss, enter
 * and leave the corpus's filters, then one sentinel row; a model of each row's state, from which
 * {@link #expected} derives every notification with the corpus's predicates, and the send time of
 * each write for the latency.
 */
final class ChangeScript {

  /** A message the test's listener received, when. */
  record Arrival(String topic, String payload, long nanos) {}

  /**
   * A notification the script and corpus call for, described as {@link #describe} describes
   * arrivals; the write that causes it and the corpus entry of its subscription.
   */
  record Expected(String description, int event, Entry entry) {}

  private record Event(
      String operation, Map<String, Object> before, Map<String, Object> after, long sentNanos) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROUNDS = 3;
  private final ProtocolClient writer;
  private final String run;
  private final List<Event> events = new ArrayList<>();
  private int requests;

  ChangeScript(ProtocolClient writer, String run) {
    this.writer = writer;
    this.run = run;
  }

  /**
   * Writes every change, each once its predecessor was answered, calling {@code check} after each
   * round.
   */
  void play(Runnable check) {
    for (int round = 0; round < ROUNDS; round++) {
      Map<String, Object> a = create(row("alpha", "007", 0, "0", 0.0, true));
      Map<String, Object> b = create(row("a".repeat(49), "7", 7, "123.45", 1e308, false));
      Map<String, Object> c = create(row("100%", "1e999999999", -7, "-0.5", -1.5, true));
      Map<String, Object> d =
          create(row("under_score", "NaN", 2_147_483_647, "1000000", null, null));
      update(a, Map.of("code", "7"));
      update(b, Map.of("name", "a".repeat(49) + "b", "qty", 8));
      update(c, Map.of("flag", false, "ratio", 1e-300));
      delete(b);
      update(d, Map.of("code", "1e999999999"));
      delete(a);
      check.run();
    }
    create(row(HostileSubscriptionCorpus.SENTINEL, "s", 1, "1", 1.0, true));
  }

  private static Map<String, Object> row(
      String name, String code, Integer qty, String amount, Double ratio, Boolean flag) {
    Map<String, Object> row = new HashMap<>();
    row.put("name", name);
    row.put("code", code);
    row.put("qty", qty);
    row.put("amount", amount == null ? null : new BigDecimal(amount));
    row.put("ratio", ratio);
    row.put("flag", flag);
    return row;
  }

  private Map<String, Object> create(Map<String, Object> row) {
    row.put("step", run + "-" + events.size());
    long sent = System.nanoTime();
    JsonNode reply = send("\"operation\":\"create\",\"data\":" + json(row));
    row.put("id", reply.path("data").path("id").asLong());
    events.add(new Event("create", null, new HashMap<>(row), sent));
    return row;
  }

  private void update(Map<String, Object> row, Map<String, Object> changes) {
    Map<String, Object> before = new HashMap<>(row);
    Map<String, Object> data = new HashMap<>(changes);
    data.put("step", run + "-" + events.size());
    long sent = System.nanoTime();
    send("\"operation\":\"update\",\"record_id\":" + row.get("id") + ",\"data\":" + json(data));
    row.putAll(data);
    events.add(new Event("update", before, new HashMap<>(row), sent));
  }

  private void delete(Map<String, Object> row) {
    long sent = System.nanoTime();
    send("\"operation\":\"delete\",\"record_id\":" + row.get("id"));
    events.add(new Event("delete", new HashMap<>(row), null, sent));
  }

  private JsonNode send(String body) {
    String id = run + "-w" + requests++;
    JsonNode reply =
        writer.send(
            "{\"id\":\"" + id + "\",\"type\":\"request\",\"entity\":\"items\"," + body + "}", id);
    if (!reply.path("success").asBoolean()) {
      throw new AssertionError("write refused: " + reply);
    }
    return reply;
  }

  private static String json(Map<String, Object> values) {
    Map<String, Object> plain = new LinkedHashMap<>(values);
    plain.computeIfPresent("amount", (k, v) -> v.toString());
    try {
      return JSON.writeValueAsString(plain);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The notifications SQL's meaning calls for (docs/protocol.md): a create to each subscription the
   * new row matches; an update by matching before and after (update, create on entering, leave with
   * the key on leaving); a delete to each the last row matched.
   */
  List<Expected> expected(Map<String, Entry> accepted, String run) {
    List<Expected> expected = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Event event = events.get(i);
      for (Map.Entry<String, Entry> subscription : accepted.entrySet()) {
        String topic =
            "spec/"
                + run
                + "-"
                + subscription.getValue().client()
                + "/notify/"
                + subscription.getKey();
        var matches = subscription.getValue().matches();
        boolean before = event.before() != null && matches.test(event.before());
        boolean after = event.after() != null && matches.test(event.after());
        String description =
            switch (event.operation()) {
              case "create" -> after ? content(topic, "create", event.after()) : null;
              case "delete" -> before ? content(topic, "delete", event.before()) : null;
              default ->
                  before && after
                      ? content(topic, "update", event.after())
                      : after
                          ? content(topic, "create", event.after())
                          : before
                              ? topic + "|leave|" + event.before().get("id") + "|fields 1"
                              : null;
            };
        if (description != null) {
          expected.add(new Expected(description, i, subscription.getValue()));
        }
      }
    }
    return expected;
  }

  private static String content(String topic, String operation, Map<String, Object> row) {
    return topic
        + "|"
        + operation
        + "|"
        + row.get("id")
        + "|"
        + row.get("name")
        + "|"
        + row.get("code")
        + "|"
        + row.get("qty")
        + "|"
        + row.get("flag")
        + "|"
        + row.get("step")
        + "|fields 8";
  }

  /**
   * An arrival described as {@link #content} describes a row: topic, operation, key, content, field
   * count.
   */
  static String describe(Arrival arrival) {
    JsonNode notification = read(arrival);
    JsonNode data = notification.path("data");
    String operation = notification.path("operation").asText();
    if (operation.equals("leave")) {
      return arrival.topic() + "|leave|" + data.path("id").asText() + "|fields " + data.size();
    }
    return arrival.topic()
        + "|"
        + operation
        + "|"
        + data.path("id").asText()
        + "|"
        + data.path("name").asText()
        + "|"
        + data.path("code").asText()
        + "|"
        + data.path("qty").asText()
        + "|"
        + data.path("flag").asText()
        + "|"
        + data.path("step").asText()
        + "|fields "
        + data.size();
  }

  /**
   * Whether {@code client} got the sentinel row: every change before it (one partition) was
   * processed.
   */
  boolean sawSentinel(List<Arrival> arrivals, String client) {
    String prefix = "spec/" + client + "/notify/";
    return arrivals.stream()
        .filter(a -> a.topic().startsWith(prefix))
        .map(ChangeScript::read)
        .anyMatch(
            n -> n.path("data").path("name").asText().equals(HostileSubscriptionCorpus.SENTINEL));
  }

  /** The expected notifications not among the {@code arrivals} (each arrival counts once). */
  static List<String> missing(List<Expected> expected, List<Arrival> arrivals) {
    List<String> missing = new ArrayList<>(expected.stream().map(Expected::description).toList());
    arrivals.stream()
        .filter(a -> a.topic().contains("/notify/"))
        .map(ChangeScript::describe)
        .forEach(missing::remove);
    return missing;
  }

  /** Each expected notification's latency in ms, from its write's send to its arrival. */
  List<Long> latencies(List<Arrival> arrivals, List<Expected> expected) {
    List<Expected> open = new ArrayList<>(expected);
    List<Long> latencies = new ArrayList<>();
    for (Arrival arrival : arrivals) {
      if (!arrival.topic().contains("/notify/")) {
        continue;
      }
      String description = describe(arrival);
      for (int i = 0; i < open.size(); i++) {
        if (open.get(i).description().equals(description)) {
          latencies.add(
              (arrival.nanos() - events.get(open.remove(i).event()).sentNanos()) / 1_000_000);
          break;
        }
      }
    }
    return latencies;
  }

  static long p99(List<Long> latencies) {
    return percentile(latencies, 0.99);
  }

  private static long percentile(List<Long> latencies, double fraction) {
    List<Long> sorted = latencies.stream().sorted().toList();
    return sorted.get((int) Math.ceil(sorted.size() * fraction) - 1);
  }

  /** Count, p50, p90 and maximum, for the log. */
  static String summary(List<Long> latencies) {
    return latencies.size()
        + " notifications, p50 "
        + percentile(latencies, 0.5)
        + " ms, p90 "
        + percentile(latencies, 0.9)
        + " ms, max "
        + percentile(latencies, 1.0)
        + " ms";
  }

  private static JsonNode read(Arrival arrival) {
    try {
      return JSON.readTree(arrival.payload());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
