package io.connectmqtt.entitysync;

import io.connectmqtt.common.TaskMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.metrics.Sensor;

/** The task's request metrics: how many, how many failed, by operation and outcome, how long. */
final class RequestMetrics {

  private final TaskMetrics metrics;
  private final Sensor requests;
  private final Sensor failures;
  private final Sensor latency;
  private final Map<String, Sensor> byOutcome = new ConcurrentHashMap<>();

  RequestMetrics(TaskMetrics metrics) {
    this.metrics = metrics;
    requests = metrics.counter("requests", "requests handled");
    failures = metrics.counter("request-errors", "requests answered with an error");
    latency = metrics.latency("request-latency", "time from receipt to reply");
  }

  /**
   * Counts a handled request, also in requests-&lt;operation&gt;-&lt;ok or error code&gt;-total,
   * created as outcomes appear.
   */
  void handled(Outcome outcome) {
    requests.record();
    String operation = outcome.operation();
    String result = outcome.outcome();
    if (!result.equals("ok")) {
      failures.record();
    }
    byOutcome
        .computeIfAbsent(
            operation + "-" + result,
            key ->
                metrics.counter("requests-" + key, operation + " requests answered with " + result))
        .record();
  }

  /** Records the time from a request's receipt ({@link System#nanoTime()}) until now. */
  void completed(long receivedNanos) {
    latency.record((System.nanoTime() - receivedNanos) / 1_000_000.0);
  }
}
