package io.connectmqtt.bench;

import java.util.Arrays;

/** Latencies in microseconds, kept whole (a benchmark run holds at most a few hundred thousand). */
final class Histogram {
  private long[] values = new long[1 << 16];
  private int size;

  synchronized void record(long micros) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = Math.max(0, micros);
  }

  synchronized double percentileMillis(double percentile) {
    return percentileMillisSince(0, percentile);
  }

  /** The percentile of the values recorded after the first {@code from}. */
  synchronized double percentileMillisSince(int from, double percentile) {
    int count = size - from;
    if (count <= 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOfRange(values, from, size);
    Arrays.sort(sorted);
    int index = (int) Math.min(count - 1, Math.ceil(percentile / 100.0 * count) - 1);
    return sorted[Math.max(0, index)] / 1000.0;
  }

  synchronized int size() {
    return size;
  }
}
