package io.connectmqtt.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;

/**
 * What a Connect worker hands a sink task, for unit tests: records the records reported as errant
 * (with their reasons), the commits requested and the retry timeouts set.
 */
public final class FakeSinkTaskContext implements SinkTaskContext {

  public final List<SinkRecord> reported = new ArrayList<>();
  public final List<Throwable> reasons = new ArrayList<>();
  public final List<Long> timeouts = new ArrayList<>();
  public int commitRequests;
  private final Map<String, String> configs;
  private final Set<TopicPartition> assignment;

  public FakeSinkTaskContext(Map<String, String> configs, Set<TopicPartition> assignment) {
    this.configs = configs;
    this.assignment = assignment;
  }

  @Override
  public Map<String, String> configs() {
    return configs;
  }

  @Override
  public void offset(Map<TopicPartition, Long> offsets) {}

  @Override
  public void offset(TopicPartition tp, long offset) {}

  @Override
  public synchronized void timeout(long timeoutMs) {
    timeouts.add(timeoutMs);
  }

  @Override
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  @Override
  public void pause(TopicPartition... partitions) {}

  @Override
  public void resume(TopicPartition... partitions) {}

  @Override
  public synchronized void requestCommit() {
    commitRequests++;
  }

  @Override
  public org.apache.kafka.common.metrics.PluginMetrics pluginMetrics() {
    return null;
  }

  @Override
  public ErrantRecordReporter errantRecordReporter() {
    return (record, error) -> {
      synchronized (this) {
        reported.add(record);
        reasons.add(error);
      }
      return CompletableFuture.completedFuture(null);
    };
  }
}
