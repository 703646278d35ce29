package io.connectmqtt.testkit;

import java.util.regex.Pattern;

/** What the source connector's task log says, for tests and benchmarks that wait for it. */
public final class SourceLog {

  private SourceLog() {}

  /**
   * Whether {@code log} has the line a source task writes once all of its MQTT connections
   * subscribed to {@code filter}, plain or inside {@code $share/<group>/} (several connections per
   * task share one group).
   */
  public static boolean allSubscribed(String log, String filter) {
    return log.lines()
        .anyMatch(
            line ->
                line.contains("connection(s) subscribed to [")
                    && (line.contains("[" + filter + "]") || line.contains("/" + filter + "]")));
  }

  /**
   * How often the MQTT clients of connector {@code connector}'s tasks lost their connection in
   * {@code log} (client ids {@code <connector>-<task>}, and {@code -c1}, {@code -c2}, ... where a
   * task opens several connections), after a CONNACK: each loss is one more session resume, and so
   * one more redelivery of what the task had not acknowledged. (Attempts that never connected are
   * logged as "could not connect".)
   */
  public static long lostConnections(String log, String connector) {
    Pattern lost =
        Pattern.compile(
            "MQTT client " + Pattern.quote(connector) + "-\\d+(?:-c\\d+)? lost its connection");
    return log.lines().filter(line -> lost.matcher(line).find()).count();
  }
}
