package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.FirstRecord;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.SparkplugEdgeNode;
import io.connectmqtt.testkit.SparkplugMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sparkplug B through the real stack (HiveMQ CE, Kafka, Connect): an edge node with a device
 * declares every datatype with aliases in its BIRTHs and then sends DATA with aliases only; every
 * metric arrives in Kafka as a Struct (read back through Connect's JsonConverter) with its name
 * resolved and its value and datatype intact. A connector restarted mid-stream still resolves the
 * names from the BIRTHs kept in its source offsets, without asking the node for anything; a
 * connector that never saw the BIRTH asks for a rebirth (the NCMD the node receives) and resolves
 * the names of the DATA after it.
 */
class SparkplugSourceIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures = BrokerWithConnect.hivemq();

  private static final JsonConverter JSON = new JsonConverter();

  static {
    JSON.configure(Map.of("schemas.enable", "true", "decimal.format", "NUMERIC"), false);
  }

  private static Map<String, String> config(String kafkaTopic, boolean rebirth) {
    Map<String, String> config = SourceConfigs.source(fixtures.broker().uri(), "spBv1.0/#");
    config.put("record.value.format", "sparkplug");
    config.put("sparkplug.rebirth.enable", Boolean.toString(rebirth));
    config.put("kafka.topic", kafkaTopic);
    config.put("key.converter", SourceConfigs.STRING_CONVERTER);
    config.put("value.converter", SourceConfigs.JSON_CONVERTER);
    config.put("value.converter.schemas.enable", "true");
    config.put("value.converter.decimal.format", "NUMERIC");
    return config;
  }

  @Test
  void aliasOnlyDataOfEveryDatatypeIsResolvedAndStaysResolvedAcrossARestart() {
    String name = "sparkplug-source";
    fixtures.rest().createOrReplace(name, config("sp.${sparkplug.group}.${sparkplug.type}", true));
    fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    try (SparkplugEdgeNode node =
        SparkplugEdgeNode.connect(fixtures.broker().port(), "plant", "edge1", List.of("pump"))) {
      // BIRTHs are QoS 0: repeat them until the connector's subscription is in place and one
      // arrived.
      FirstRecord.await(
          "an NBIRTH in Kafka",
          fixtures.topics(),
          "sp.plant.DBIRTH",
          Duration.ofSeconds(60),
          () -> {
            node.birth();
          });
      node.data(1);
      node.skipSeq(3);
      node.data(2);
      Struct ndata = message("sp.plant.NDATA", 1, 0);
      assertEveryMetricResolved(ndata, 1, -1);
      assertEveryMetricResolved(message("sp.plant.DDATA", 1, 100), 1, 0);
      assertThat(ndata.getString("group")).isEqualTo("plant");
      assertThat(ndata.getString("edgeNode")).isEqualTo("edge1");
      assertThat(message("sp.plant.DDATA", 1, 100).getString("device")).isEqualTo("pump");
      ConsumerRecord<byte[], byte[]> gapped = record("sp.plant.NDATA", 2, 0);
      assertThat(header(gapped, "sparkplug.seq.missed")).isEqualTo("3");
      assertThat(header(record("sp.plant.NDATA", 1, 0), "sparkplug.seq.missed")).isEqualTo("0");
      assertThat(header(gapped, "sparkplug.message.type")).isEqualTo("NDATA");
      assertThat(header(gapped, "sparkplug.group")).isEqualTo("plant");
      assertThat(header(gapped, "sparkplug.edge.node")).isEqualTo("edge1");

      fixtures.rest().restart(name);
      fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      Awaitility.await("DATA after the restart in Kafka")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                node.data(3);
                return findRecord("sp.plant.DDATA", 3, 100) != null;
              });
      assertEveryMetricResolved(message("sp.plant.NDATA", 3, 0), 3, -1);
      assertEveryMetricResolved(message("sp.plant.DDATA", 3, 100), 3, 0);
      assertThat(node.commands()).as("kept state: no rebirth asked").isEmpty();
    } finally {
      fixtures.rest().delete(name);
    }
  }

  @Test
  void aConnectorThatNeverSawTheBirthAsksForARebirthAndThenResolves() {
    String name = "sparkplug-fresh";
    try (SparkplugEdgeNode node =
        SparkplugEdgeNode.connect(fixtures.broker().port(), "line", "edge2", List.of("valve"))) {
      node.birth(); // before the connector exists: it never sees this BIRTH
      fixtures.rest().createOrReplace(name, config("fresh.${sparkplug.type}", true));
      fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      Awaitility.await("a rebirth request on the broker")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                node.data(4);
                return node.rebirths() > 0;
              });
      SparkplugEdgeNode.Command ncmd = node.commands().get(0);
      assertThat(ncmd.topic()).isEqualTo("spBv1.0/line/NCMD/edge2");
      assertThat(ncmd.payload().getMetrics(0).getName()).isEqualTo("Node Control/Rebirth");
      assertThat(ncmd.payload().getMetrics(0).getBooleanValue()).isTrue();
      ConsumerRecord<byte[], byte[]> unresolved = record("fresh.NDATA", 4, 0);
      assertThat(header(unresolved, "sparkplug.unresolved.aliases"))
          .isEqualTo(Integer.toString(SparkplugMetrics.all(0).size()));
      assertThat(
              value(unresolved).getArray("metrics").stream()
                  .map(m -> ((Struct) m).getString("name")))
          .containsOnlyNulls();
      Awaitility.await("the rebirth's DBIRTH in Kafka")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> !fixtures.topics().readAll("fresh.DBIRTH", 1, Duration.ofSeconds(1)).isEmpty());
      node.data(5);
      assertEveryMetricResolved(message("fresh.NDATA", 5, 0), 5, -1);
      assertEveryMetricResolved(message("fresh.DDATA", 5, 100), 5, 0);
      assertThat(node.rebirths()).as("one request per node, not one per DATA").isEqualTo(1);
    } finally {
      fixtures.rest().delete(name);
    }
  }

  /**
   * Every metric of the node (device -1) or a device by alias, with its name, datatype and value of
   * {@code round}.
   */
  private static void assertEveryMetricResolved(Struct message, int round, int device) {
    Map<Long, Struct> byAlias = new HashMap<>();
    for (Object metric : message.getArray("metrics")) {
      byAlias.put(((Struct) metric).getInt64("alias"), (Struct) metric);
    }
    List<SparkplugMetrics.Definition> definitions = SparkplugMetrics.all(100L * (device + 1));
    assertThat(byAlias).hasSize(definitions.size());
    assertThat(message.getInt32("unresolvedAliases")).isZero();
    for (SparkplugMetrics.Definition definition : definitions) {
      Struct metric = byAlias.get(definition.alias());
      assertThat(metric.getString("name"))
          .as("name of alias " + definition.alias())
          .isEqualTo(definition.name());
      assertThat(metric.getString("datatype"))
          .as(definition.name())
          .isEqualTo(definition.type().name());
      if (definition.field() != null) {
        assertThat(metric.getStruct("value").get(definition.field()))
            .as(definition.name() + " value")
            .isEqualTo(definition.expected().apply(round));
      } else if (definition.name().equals("DataSet")) {
        List<?> row = (List<?>) metric.getStruct("dataSet").getArray("rows").get(0);
        assertThat(
                List.of(
                    ((Struct) row.get(0)).get("intValue"),
                    ((Struct) row.get(1)).get("stringValue")))
            .isEqualTo(definition.expected().apply(round));
        assertThat(metric.getStruct("dataSet").getArray("types"))
            .containsExactly("UInt32", "String");
      } else {
        Struct member = (Struct) metric.getStruct("template").getArray("metrics").get(0);
        assertThat(List.of(member.getString("name"), member.getStruct("value").get("intValue")))
            .isEqualTo(definition.expected().apply(round));
        assertThat(metric.getStruct("template").getString("templateRef")).isEqualTo("Motor");
      }
    }
  }

  private static Struct message(String topic, int round, long aliasBase) {
    return value(record(topic, round, aliasBase));
  }

  private static ConsumerRecord<byte[], byte[]> record(String topic, int round, long aliasBase) {
    Awaitility.await(topic + " round " + round)
        .atMost(Duration.ofSeconds(30))
        .until(() -> findRecord(topic, round, aliasBase) != null);
    return findRecord(topic, round, aliasBase);
  }

  /**
   * The first record whose Int8 metric (alias base + 1) has the value of {@code round}, or null.
   */
  private static ConsumerRecord<byte[], byte[]> findRecord(
      String topic, int round, long aliasBase) {
    for (ConsumerRecord<byte[], byte[]> record :
        fixtures.topics().readAll(topic, 1, Duration.ofSeconds(2))) {
      for (Object metric : value(record).getArray("metrics")) {
        Struct m = (Struct) metric;
        if (m.getInt64("alias") == aliasBase + 1
            && m.getStruct("value") != null
            && Long.valueOf(-100 + round).equals(m.getStruct("value").get("intValue"))) {
          return record;
        }
      }
    }
    return null;
  }

  private static Struct value(ConsumerRecord<byte[], byte[]> record) {
    return (Struct) JSON.toConnectData(record.topic(), record.value()).value();
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as("header " + name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }
}
