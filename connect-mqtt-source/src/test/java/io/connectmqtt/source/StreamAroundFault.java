package io.connectmqtt.source;

import io.connectmqtt.testkit.MqttLoadPublisher;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.LongFunction;

/**
 * A stream of QoS 1 messages with a fault in its middle: the first half is published at a fixed
 * rate while the test waits for Kafka to hold a share of it and injects the fault; the second half
 * follows only after the fault. With the whole stream at a fixed rate, a loaded machine (two test
 * JVMs per module) once let the publisher finish all 60,000 messages of {@code SourceClusterIT}
 * before Kafka held a third, so the kill came after the stream instead of in it.
 */
final class StreamAroundFault {

  private final MqttLoadPublisher publisher;
  private final int messages;
  private final int rate;
  private final LongFunction<String> topicOf;
  private final CompletableFuture<Void> firstHalf;
  private CompletableFuture<Void> secondHalf;
  private long faultAt;

  private StreamAroundFault(
      MqttLoadPublisher publisher, int messages, int rate, LongFunction<String> topicOf) {
    this.publisher = publisher;
    this.messages = messages;
    this.rate = rate;
    this.topicOf = topicOf;
    this.firstHalf = CompletableFuture.runAsync(() -> publish(0, messages / 2));
  }

  /** Starts publishing the first half of {@code messages} (sequence numbers from 0). */
  static StreamAroundFault start(
      MqttLoadPublisher publisher, int messages, int rate, LongFunction<String> topicOf) {
    return new StreamAroundFault(publisher, messages, rate, topicOf);
  }

  /**
   * Call right after the fault: the second half follows the first. Returns the messages the broker
   * had acknowledged at the fault.
   */
  long faultInjected() {
    faultAt = System.nanoTime();
    long acknowledged = publisher.acknowledged();
    secondHalf = firstHalf.thenRunAsync(() -> publish(messages / 2, messages));
    return acknowledged;
  }

  /** Waits until the broker acknowledged every message. */
  void awaitPublished() throws InterruptedException, ExecutionException {
    if (secondHalf == null) {
      throw new IllegalStateException("faultInjected() was not called");
    }
    secondHalf.get();
  }

  /** Seconds from {@link #faultInjected()} to {@code nanoTime} ({@link System#nanoTime()}). */
  double secondsFromFaultTo(long nanoTime) {
    return (nanoTime - faultAt) / 1e9;
  }

  private void publish(long from, long to) {
    try {
      publisher.publish(from, to, 64, rate, topicOf);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
