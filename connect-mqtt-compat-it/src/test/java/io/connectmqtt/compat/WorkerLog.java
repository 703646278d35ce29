package io.connectmqtt.compat;

import io.connectmqtt.testkit.ProcessStack;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import org.awaitility.Awaitility;

/**
 * The first worker's log as a signal, for what only the log tells (e.g. a task's MQTT
 * subscription).
 */
final class WorkerLog {
  private WorkerLog() {}

  /** Waits until one line of connect.log contains every fragment. */
  static void await(ProcessStack stack, String... fragments) {
    Awaitility.await("worker log line with " + Arrays.toString(fragments))
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                Files.readAllLines(stack.home().resolve("connect.log")).stream()
                    .anyMatch(line -> Arrays.stream(fragments).allMatch(line::contains)));
  }
}
