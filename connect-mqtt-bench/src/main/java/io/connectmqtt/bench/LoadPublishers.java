package io.connectmqtt.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Several load publishers sending one range of numbered messages together, each a share. */
final class LoadPublishers {

  private LoadPublishers() {}

  /** Publishes one share: messages {@code start} to {@code end - 1}, as publisher {@code index}. */
  @FunctionalInterface
  interface Share {
    void publish(int index, long start, long end) throws InterruptedException;
  }

  /**
   * Messages {@code from} to {@code to - 1} in {@code publishers} equal shares (the last takes the
   * rest), published at the same time; returns once every share is done, throws if that takes
   * longer than {@code timeout}.
   */
  static void publish(int publishers, long from, long to, Duration timeout, Share share)
      throws Exception {
    List<CompletableFuture<Void>> running = new ArrayList<>();
    long size = (to - from) / publishers;
    for (int p = 0; p < publishers; p++) {
      long start = from + p * size;
      long end = p == publishers - 1 ? to : start + size;
      int index = p;
      running.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  share.publish(index, start, end);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }));
    }
    CompletableFuture.allOf(running.toArray(new CompletableFuture[0]))
        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
