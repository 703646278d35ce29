package io.connectmqtt.testkit;

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
}
