package io.connectmqtt.demo;

import java.util.Arrays;

/**
 * Latencies seen since the last {@link #drain()}: enough for the dashboard's p50/p99 of the last
 * refresh.
 */
final class LatencyWindow {

  private long[] values = new long[1024];
  private int size;

  synchronized void record(long millis) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = Math.max(0, millis);
  }

  /** {p50, p99, count} of what was recorded since the last call, or null when nothing was. */
  synchronized long[] drain() {
    if (size == 0) {
      return null;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    long[] result = {
      sorted[(sorted.length - 1) / 2], sorted[(int) Math.ceil(sorted.length * 0.99) - 1], size
    };
    size = 0;
    if (values.length > 65_536) {
      values = new long[1024];
    }
    return result;
  }
}
