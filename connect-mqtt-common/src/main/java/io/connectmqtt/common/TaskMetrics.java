package io.connectmqtt.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Percentile;
import org.apache.kafka.common.metrics.stats.Percentiles;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.utils.Time;

/**
 * Per-task metrics through Kafka's {@link Metrics}, published over JMX as {@code
 * connect-mqtt:type=<group>,connector=<name>,task=<n>}, MirrorMaker style.
 */
public final class TaskMetrics implements AutoCloseable {

  public static final String JMX_PREFIX = "connect-mqtt";

  private final Metrics metrics;
  private final String group;
  private final Map<String, String> tags;

  public TaskMetrics(String group, String connector, int task) {
    this.group = group;
    this.tags = new LinkedHashMap<>();
    tags.put("connector", connector);
    tags.put("task", Integer.toString(task));
    MetricConfig config =
        new MetricConfig()
            .samples(2)
            .timeWindow(30_000, java.util.concurrent.TimeUnit.MILLISECONDS);
    JmxReporter jmx = new JmxReporter();
    this.metrics =
        new Metrics(config, List.of(jmx), Time.SYSTEM, new KafkaMetricsContext(JMX_PREFIX));
  }

  /**
   * A counter with a total and a per-second rate: {@code <name>-total} and {@code <name>-rate}.
   * {@code record()} counts one, {@code record(n)} counts n (a sum, not Kafka's CumulativeCount,
   * which counts calls).
   */
  public Sensor counter(String name, String description) {
    Sensor sensor = metrics.sensor(name);
    sensor.add(
        metrics.metricName(name + "-total", group, "Total " + description, tags),
        new CumulativeSum());
    sensor.add(
        metrics.metricName(name + "-rate", group, "Per second: " + description, tags), new Rate());
    return sensor;
  }

  /** A latency in milliseconds: {@code <name>-avg}, {@code -max}, {@code -p50}, {@code -p99}. */
  public Sensor latency(String name, String description) {
    Sensor sensor = metrics.sensor(name);
    sensor.add(
        metrics.metricName(name + "-avg", group, "Average " + description + " (ms)", tags),
        new Avg());
    sensor.add(
        metrics.metricName(name + "-max", group, "Largest " + description + " (ms)", tags),
        new Max());
    sensor.add(
        new Percentiles(
            64 * 1024,
            0,
            10_000,
            Percentiles.BucketSizing.LINEAR,
            new Percentile(
                metrics.metricName(name + "-p50", group, "Median " + description + " (ms)", tags),
                50),
            new Percentile(
                metrics.metricName(
                    name + "-p99", group, "99th percentile " + description + " (ms)", tags),
                99)));
    return sensor;
  }

  public void gauge(String name, String description, Supplier<Number> value) {
    MetricName metricName = metrics.metricName(name, group, description, tags);
    metrics.addMetric(metricName, (Gauge<Number>) (config, now) -> value.get());
  }

  /** The current value of one of this task's metrics, for tests and summaries. */
  public double value(String name) {
    var metric = metrics.metric(metrics.metricName(name, group, tags));
    return metric == null ? Double.NaN : ((Number) metric.metricValue()).doubleValue();
  }

  @Override
  public void close() {
    metrics.close();
  }
}
