package io.connectmqtt.testkit;

import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.source.SourceTaskContext;
import org.apache.kafka.connect.storage.OffsetStorageReader;

/** What a Connect worker hands a source task, for unit tests: its configs and no stored offsets. */
public record FakeSourceTaskContext(Map<String, String> configs) implements SourceTaskContext {

  @Override
  public PluginMetrics pluginMetrics() {
    return null; // our tasks keep their own metrics (TaskMetrics)
  }

  @Override
  public OffsetStorageReader offsetStorageReader() {
    return new OffsetStorageReader() {
      @Override
      public <T> Map<String, Object> offset(Map<String, T> partition) {
        return null;
      }

      @Override
      public <T> Map<Map<String, T>, Map<String, Object>> offsets(
          Collection<Map<String, T>> partitions) {
        return Map.of();
      }
    };
  }
}
