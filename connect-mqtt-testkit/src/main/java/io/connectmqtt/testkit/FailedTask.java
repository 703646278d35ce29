package io.connectmqtt.testkit;

import java.time.Duration;
import org.awaitility.Awaitility;

/** Waiting for a connector's first task to fail, as Connect's REST status reports it. */
public final class FailedTask {

  private FailedTask() {}

  /**
   * Waits up to {@code atMost} until task 0 of {@code connector} is FAILED (a status that cannot be
   * read yet counts as not failed) and returns the trace Connect reports for it.
   */
  public static String awaitTrace(ConnectRest rest, String connector, Duration atMost) {
    Awaitility.await("task FAILED")
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> "FAILED".equals(task(rest, connector, "state")));
    return task(rest, connector, "trace");
  }

  private static String task(ConnectRest rest, String connector, String field) {
    return rest.status(connector).path("tasks").get(0).path(field).asText();
  }
}
