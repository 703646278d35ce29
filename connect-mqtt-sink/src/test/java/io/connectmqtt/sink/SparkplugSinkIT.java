package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.sparkplug.SparkplugSchemas;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.SparkplugEdgeNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Struct of the Sparkplug message shape in Kafka becomes a DCMD that the edge-node simulator
 * receives and decodes with protobuf: topic, metric names, datatypes and values as written, QoS 0.
 */
class SparkplugSinkIT {

  @RegisterExtension
  static final BrokerWithConnect<HiveMqBroker> fixtures = BrokerWithConnect.hivemq();

  private static Struct metric(String name, String type, String field, Object value) {
    return new Struct(SparkplugSchemas.metric(0))
        .put("name", name)
        .put("datatype", type)
        .put("value", new Struct(SparkplugSchemas.VALUE).put(field, value));
  }

  @Test
  void aStructFromKafkaBecomesADcmdTheDeviceDecodes() {
    Struct command =
        new Struct(SparkplugSchemas.MESSAGE)
            .put("namespace", "spBv1.0")
            .put("group", "plant")
            .put("messageType", "DCMD")
            .put("edgeNode", "edge1")
            .put("device", "pump")
            .put("timestamp", 1_700_000_000_123L)
            .put(
                "metrics",
                List.of(
                    metric("Output/Setpoint", "Double", "doubleValue", 42.5),
                    metric("Output/Enable", "Boolean", "booleanValue", true),
                    metric("Output/Mode", "Int16", "intValue", -3L),
                    metric(
                        "Output/Pattern",
                        "BooleanArray",
                        "booleanArray",
                        List.of(true, false, true))));
    JsonConverter json = new JsonConverter();
    json.configure(Map.of("schemas.enable", "true"), false);
    byte[] value = json.fromConnectData("sparkplug-commands", command.schema(), command);
    fixtures.topics().create("sparkplug-commands", 1);
    fixtures
        .topics()
        .send(List.of(new ProducerRecord<>("sparkplug-commands", "edge1".getBytes(), value)));

    try (SparkplugEdgeNode node =
        SparkplugEdgeNode.connect(fixtures.broker().port(), "plant", "edge1", List.of("pump"))) {
      Map<String, String> config =
          SinkConfigs.json("sparkplug-commands", fixtures.broker().uri(), null);
      config.put("mqtt.payload.encoding", "sparkplug");
      config.put("value.converter.schemas.enable", "true");
      fixtures.startConnector("sparkplug-sink", config);

      Awaitility.await("the DCMD at the device")
          .atMost(Duration.ofSeconds(60))
          .until(() -> !node.commands().isEmpty());
      assertThat(node.commands()).hasSize(1);
      SparkplugEdgeNode.Command dcmd = node.commands().get(0);
      assertThat(dcmd.topic()).isEqualTo("spBv1.0/plant/DCMD/edge1/pump");
      Payload payload = dcmd.payload();
      assertThat(payload.getTimestamp()).isEqualTo(1_700_000_000_123L);
      assertThat(payload.getMetricsCount()).isEqualTo(4);
      Payload.Metric setpoint = payload.getMetrics(0);
      assertThat(setpoint.getName()).isEqualTo("Output/Setpoint");
      assertThat(setpoint.getDatatype()).isEqualTo(DataType.Double.getNumber());
      assertThat(setpoint.getDoubleValue()).isEqualTo(42.5);
      assertThat(payload.getMetrics(1).getDatatype()).isEqualTo(DataType.Boolean.getNumber());
      assertThat(payload.getMetrics(1).getBooleanValue()).isTrue();
      assertThat(payload.getMetrics(2).getDatatype()).isEqualTo(DataType.Int16.getNumber());
      assertThat((short) payload.getMetrics(2).getIntValue()).isEqualTo((short) -3);
      // Sparkplug 3.0 BooleanArray: a 4-byte little-endian count, then the bits, most significant
      // first.
      assertThat(payload.getMetrics(3).getBytesValue().toByteArray())
          .containsExactly(3, 0, 0, 0, 0b1010_0000);
      assertThat(node.rebirths()).isZero();
    } finally {
      fixtures.rest().delete("sparkplug-sink");
    }
  }
}
