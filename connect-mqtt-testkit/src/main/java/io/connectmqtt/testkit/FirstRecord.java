package io.connectmqtt.testkit;

import java.time.Duration;
import org.awaitility.Awaitility;

/**
 * Waiting until a source connector is subscribed. It subscribes after Connect reports it RUNNING,
 * and REST shows no sign of it: the only signal is a message published after that reaching Kafka.
 */
public final class FirstRecord {

  private FirstRecord() {}

  /**
   * Calls {@code publish} once a second until {@code kafkaTopic} holds a record, for up to {@code
   * atMost}; the message must be one the test expects to find there.
   */
  public static void await(
      String what, KafkaTopics topics, String kafkaTopic, Duration atMost, Runnable publish) {
    Awaitility.await(what)
        .atMost(atMost)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publish.run();
              return !topics.readAll(kafkaTopic, 1, Duration.ofSeconds(1)).isEmpty();
            });
  }
}
