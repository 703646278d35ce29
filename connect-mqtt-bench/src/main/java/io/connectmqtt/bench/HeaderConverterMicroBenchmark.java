package io.connectmqtt.bench;

import io.connectmqtt.common.MqttHeaderConverter;
import io.connectmqtt.common.MqttHeaders;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.runtime.isolation.LoaderSwap;
import org.apache.kafka.connect.runtime.isolation.Plugins;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

/**
 * The Connect worker's header step for one source record, in this JVM, without Kafka or MQTT: what
 * {@code AbstractWorkerSourceTask.convertHeaderFor} does per record (a {@code RecordHeaders}, and
 * per header a swap of the thread's context class loader to the converter's, {@code
 * fromConnectHeader}, the swap back) with Connect's {@code SimpleHeaderConverter} and with {@link
 * MqttHeaderConverter}. In a worker the default converter comes from the worker's class path while
 * the task runs with its plugin's class loader, so every header swaps the loader twice; a converter
 * from the connector's own plugin has the task's loader and swaps nothing. Both are reproduced
 * here.
 *
 * <p>CPU time of this thread (not wall time: the machine is shared), per record, median of the
 * measured rounds, the paths alternating. The headers are those the source writes: the six of a
 * plain message, and sixteen of an MQTT 5 message with every property.
 */
public final class HeaderConverterMicroBenchmark {

  private static long sink;

  public static void main(String[] args) throws Exception {
    MicroBenchmark micro = new MicroBenchmark("header-micro", args, "records", 1_000_000);
    int records = micro.items();

    // Stand-in for the connector's PluginClassLoader: the task thread's context loader while it
    // converts.
    ClassLoader pluginLoader =
        new URLClassLoader(new URL[0], HeaderConverterMicroBenchmark.class.getClassLoader());
    ClassLoader ownLoader = MqttHeaderConverter.class.getClassLoader();
    Map<String, ConnectHeaders[]> headerSets = new LinkedHashMap<>();
    headerSets.put("6 headers (plain message)", headers(false));
    headerSets.put("16 headers (MQTT 5, every property)", headers(true));

    record Variant(String name, HeaderConverter converter, ClassLoader taskLoader) {}

    List<Variant> paths =
        List.of(
            new Variant(
                "SimpleHeaderConverter, loader swapped per header (Connect's default)",
                new SimpleHeaderConverter(),
                pluginLoader),
            new Variant(
                "SimpleHeaderConverter, no loader swap", new SimpleHeaderConverter(), ownLoader),
            new Variant(
                "MqttHeaderConverter from the connector's plugin (no swap)",
                new MqttHeaderConverter(),
                ownLoader));
    StringBuilder table = new StringBuilder();
    table.append(
        "| Headers | Path | CPU ns per record | ns per header |\n| --- | --- | ---: | ---: |\n");
    for (Map.Entry<String, ConnectHeaders[]> set : headerSets.entrySet()) {
      ConnectHeaders[] headers = set.getValue();
      Map<Variant, Double> medians =
          micro.medianNanosPerItem(
              paths,
              path -> {
                Thread.currentThread().setContextClassLoader(path.taskLoader());
                return () -> {
                  for (int i = 0; i < records; i++) {
                    sink +=
                        convert(path.converter(), headers[i & (headers.length - 1)])
                            .toArray()
                            .length;
                  }
                };
              });
      int perRecord = headers[0].size();
      for (Variant path : paths) {
        double median = medians.get(path);
        System.out.printf(
            Locale.ROOT, "%-40s %-72s %6.0f ns/record%n", set.getKey(), path.name(), median);
        table.append(
            String.format(
                Locale.ROOT,
                "| %s | %s | %.0f | %.0f |%n",
                set.getKey(),
                path.name(),
                median,
                median / perRecord));
      }
    }
    Thread.currentThread().setContextClassLoader(ownLoader);
    micro.publish(
        "source-headers-micro",
        "### Header conversion alone (in-process)",
        "The worker's header step for one record (`convertHeaderFor`: the record's"
            + " `RecordHeaders`, and per header the context class loader swap Connect does when"
            + " the converter's loader is not the task's, `fromConnectHeader`, the swap back), in"
            + " one JVM without Kafka or MQTT.",
        table);
    System.out.println("(checksum " + sink + ")");
  }

  /**
   * As {@code AbstractWorkerSourceTask.convertHeaderFor} in Kafka 4.1, with Connect's own loader
   * swap.
   */
  private static RecordHeaders convert(HeaderConverter converter, ConnectHeaders headers) {
    RecordHeaders result = new RecordHeaders();
    for (Header header : headers) {
      String key = header.key();
      try (LoaderSwap swap =
          new LoaderSwap(Plugins.compareAndSwapLoaders(converter.getClass().getClassLoader()))) {
        result.add(
            key, converter.fromConnectHeader("bench.source", key, header.schema(), header.value()));
      }
    }
    return result;
  }

  /** 1,024 records' headers, as RecordBuilder.headers writes them (packet ids and topics vary). */
  private static ConnectHeaders[] headers(boolean mqtt5) {
    ConnectHeaders[] all = new ConnectHeaders[1024];
    for (int i = 0; i < all.length; i++) {
      ConnectHeaders h = new ConnectHeaders();
      h.addString(MqttHeaders.TOPIC, "bench/src/p" + (i & 1));
      h.addInt(MqttHeaders.QOS, 1);
      h.addBoolean(MqttHeaders.RETAIN, false);
      h.addBoolean(MqttHeaders.DUP, false);
      h.addInt(MqttHeaders.MESSAGE_ID, 1 + (i * 37) % 65_535);
      h.addString(MqttHeaders.SOURCE, MqttHeaders.SOURCE_VALUE);
      if (mqtt5) {
        h.addString(MqttHeaders.CONTENT_TYPE, "application/json");
        h.addString(MqttHeaders.RESPONSE_TOPIC, "replies/dev-" + i);
        byte[] correlation = new byte[16];
        Arrays.fill(correlation, (byte) i);
        h.addBytes(MqttHeaders.CORRELATION_DATA, correlation);
        h.addString(MqttHeaders.PAYLOAD_FORMAT, MqttHeaders.PAYLOAD_FORMAT_UTF8);
        h.addLong(MqttHeaders.MESSAGE_EXPIRY, 3_600L);
        for (int p = 0; p < 5; p++) {
          h.addString(MqttHeaders.USER_PROPERTY_PREFIX + "prop" + p, "value-" + p + "-" + i);
        }
      }
      all[i] = h;
    }
    return all;
  }
}
