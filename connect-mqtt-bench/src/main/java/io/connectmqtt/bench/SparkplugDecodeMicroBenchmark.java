package io.connectmqtt.bench;

import io.connectmqtt.sparkplug.EdgeNodeSessions;
import io.connectmqtt.sparkplug.SparkplugDecoder;
import io.connectmqtt.sparkplug.SparkplugTopic;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import io.connectmqtt.testkit.SparkplugMetrics;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;

/**
 * What {@code record.value.format=sparkplug} costs per message against {@code bytes} (the payload
 * passed through as it is), in one JVM, without MQTT or Kafka: the value step of the source task.
 * Sparkplug: parse the protobuf, resolve every alias from the node's kept BIRTH, check the seq,
 * build the Struct ({@link SparkplugDecoder}, {@link EdgeNodeSessions}, as {@code
 * SparkplugConverter} calls them; its few sparkplug.* headers are not in it, the header step is
 * measured by header-micro). Bytes: the {@code SchemaAndValue} the bytes format returns.
 *
 * <p>CPU time of this thread (the machine is shared), per message, median of the measured rounds,
 * the paths alternating. Payloads: NDATA with 10 Double metrics by alias (a typical edge node), and
 * NDATA with one metric of each of the 32 datatypes of the testkit's edge-node simulator, arrays,
 * DataSet and Template included, by alias.
 */
public final class SparkplugDecodeMicroBenchmark {

  private static final SparkplugTopic NBIRTH = SparkplugTopic.parse("spBv1.0/bench/NBIRTH/edge1");
  private static final SparkplugTopic NDATA = SparkplugTopic.parse("spBv1.0/bench/NDATA/edge1");
  private static long sink;

  private record Workload(String name, byte[] birth, byte[][] data) {}

  private interface ValueStep {
    Object convert(byte[] payload) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    MicroBenchmark micro = new MicroBenchmark("sparkplug-micro", args, "messages", 200_000);
    int messages = micro.items();

    StringBuilder table =
        new StringBuilder(
            "| Payload | Bytes | bytes: CPU ns per message | sparkplug: CPU ns per "
                + "message | sparkplug: ns per metric | messages/s of one core (sparkplug) |\n"
                + "| --- | ---: | ---: | ---: | ---: | ---: |\n");
    for (Workload workload : List.of(doubles(), everyDatatype())) {
      SparkplugDecoder decoder = new SparkplugDecoder();
      EdgeNodeSessions sessions = new EdgeNodeSessions(partition -> null);
      SparkplugDecoder.Decoded born = decoder.decode(NBIRTH, workload.birth(), null);
      sessions.observe(NBIRTH, born);
      ValueStep bytes = payload -> new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, payload);
      ValueStep sparkplug =
          payload -> {
            SparkplugDecoder.Decoded decoded =
                decoder.decode(NDATA, payload, sessions.birth(NDATA));
            sink += sessions.observe(NDATA, decoded).missed();
            if (decoded.unresolved() != 0) {
              throw new IllegalStateException("aliases left unresolved");
            }
            return decoded.message();
          };
      Map<ValueStep, Double> medians =
          micro.medianNanosPerItem(
              List.of(bytes, sparkplug),
              step ->
                  () -> {
                    for (int i = 0; i < messages; i++) {
                      sink += step.convert(workload.data()[i & 255]).hashCode();
                    }
                  });
      double bytesNs = medians.get(bytes);
      double sparkplugNs = medians.get(sparkplug);
      int metrics = Payload.parseFrom(workload.data()[0]).getMetricsCount();
      System.out.printf(
          Locale.ROOT,
          "%-50s bytes %8.1f ns  sparkplug %8.0f ns%n",
          workload.name(),
          bytesNs,
          sparkplugNs);
      table.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.1f | %.0f | %.0f | %.0f |%n",
              workload.name(),
              workload.data()[0].length,
              bytesNs,
              sparkplugNs,
              sparkplugNs / metrics,
              1e9 / sparkplugNs));
    }
    micro.publish(
        "sparkplug-micro",
        "### Sparkplug B decoding",
        "The source task's value step per message, in one JVM without MQTT or Kafka:"
            + " `record.value.format=bytes` (the payload passed through) against `sparkplug`"
            + " (protobuf parsed, every alias resolved from the kept NBIRTH, seq checked, the"
            + " Struct built; the handful of sparkplug.* headers not included).",
        table);
    System.out.println("(checksum " + sink + ")");
  }

  /**
   * NBIRTH declaring 10 Doubles (aliases 1..10), and 256 NDATA with all 10 by alias, values and seq
   * varying.
   */
  private static Workload doubles() {
    Payload.Builder birth = Payload.newBuilder().setTimestamp(1L).setSeq(0);
    for (int m = 1; m <= 10; m++) {
      birth.addMetrics(
          Payload.Metric.newBuilder()
              .setName("Inputs/Sensor " + m)
              .setAlias(m)
              .setDatatype(DataType.Double.getNumber())
              .setDoubleValue(0));
    }
    byte[][] data = new byte[256][];
    for (int i = 0; i < data.length; i++) {
      Payload.Builder ndata =
          Payload.newBuilder().setTimestamp(1_733_000_000_000L + i).setSeq((i + 1) % 256);
      for (int m = 1; m <= 10; m++) {
        ndata.addMetrics(
            Payload.Metric.newBuilder()
                .setAlias(m)
                .setTimestamp(1_733_000_000_000L + i)
                .setDoubleValue(i * 0.25 + m));
      }
      data[i] = ndata.build().toByteArray();
    }
    return new Workload("NDATA, 10 Double metrics by alias", birth.build().toByteArray(), data);
  }

  /** The simulator's 32 metrics, one of every datatype: NBIRTH with names, 256 NDATA by alias. */
  private static Workload everyDatatype() {
    Payload.Builder birth = Payload.newBuilder().setTimestamp(1L).setSeq(0);
    SparkplugMetrics.all(0).forEach(m -> birth.addMetrics(m.metric(0, true)));
    byte[][] data = new byte[256][];
    for (int i = 0; i < data.length; i++) {
      Payload.Builder ndata =
          Payload.newBuilder().setTimestamp(1_733_000_000_000L + i).setSeq((i + 1) % 256);
      int round = i;
      SparkplugMetrics.all(0).forEach(m -> ndata.addMetrics(m.metric(round, false)));
      data[i] = ndata.build().toByteArray();
    }
    return new Workload(
        "NDATA, one metric of each of 32 datatypes by alias", birth.build().toByteArray(), data);
  }
}
