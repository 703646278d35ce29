package io.connectmqtt.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.connectmqtt.sparkplug.SparkplugDecoder.Decoded;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/**
 * The decoder against payloads built with protobuf directly (as an edge node would), and the
 * encoder back.
 */
class SparkplugCodecTest {

  private final SparkplugDecoder decoder = new SparkplugDecoder();
  private static final SparkplugTopic NBIRTH = SparkplugTopic.parse("spBv1.0/plant/NBIRTH/edge1");
  private static final SparkplugTopic NDATA = SparkplugTopic.parse("spBv1.0/plant/NDATA/edge1");

  private static Payload.Metric.Builder metric(String name, long alias, DataType type) {
    return Payload.Metric.newBuilder().setName(name).setAlias(alias).setDatatype(type.getNumber());
  }

  @Test
  void topicsParseAndRefuseWhatIsNotSparkplug() {
    SparkplugTopic device = SparkplugTopic.parse("spBv1.0/g1/DDATA/n1/d1");
    assertThat(device)
        .isEqualTo(new SparkplugTopic("g1", SparkplugTopic.MessageType.DDATA, "n1", "d1", null));
    assertThat(device.toString()).isEqualTo("spBv1.0/g1/DDATA/n1/d1");
    assertThat(SparkplugTopic.parse("spBv1.0/STATE/scada").hostId()).isEqualTo("scada");
    assertThatThrownBy(() -> SparkplugTopic.parse("spBv1.0/g1/NDATA/n1/d1"))
        .hasMessageContaining("4 levels");
    assertThatThrownBy(() -> SparkplugTopic.parse("sensors/a/b"))
        .hasMessageContaining("not a Sparkplug B topic");
    assertThatThrownBy(() -> SparkplugTopic.parse("spBv1.0/g1/NFOO/n1"))
        .hasMessageContaining("message type");
  }

  @Test
  void scalarsKeepSignRangeAndType() throws Exception {
    Payload birth =
        Payload.newBuilder()
            .setTimestamp(1_700_000_000_000L)
            .setSeq(0)
            .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(7))
            .addMetrics(metric("i8", 1, DataType.Int8).setIntValue(-5))
            .addMetrics(metric("u32", 2, DataType.UInt32).setIntValue(-1))
            .addMetrics(metric("u64", 3, DataType.UInt64).setLongValue(-1L))
            .addMetrics(metric("when", 4, DataType.DateTime).setLongValue(1_600_000_000_000L))
            .addMetrics(metric("f", 5, DataType.Float).setFloatValue(1.5f))
            .addMetrics(metric("uuid", 6, DataType.UUID).setStringValue("a-b"))
            .build();
    Decoded decoded = decoder.decode(NBIRTH, birth.toByteArray(), null);
    List<Struct> metrics = decoded.message().getArray("metrics");
    assertThat(metrics.get(1).getStruct("value").getInt64("intValue")).isEqualTo(-5L);
    assertThat(metrics.get(2).getStruct("value").getInt64("intValue")).isEqualTo(4_294_967_295L);
    assertThat(metrics.get(3).getStruct("value").get("uint64Value"))
        .isEqualTo(new BigDecimal("18446744073709551615"));
    assertThat(metrics.get(4).getStruct("value").get("dateTimeValue"))
        .isEqualTo(new Date(1_600_000_000_000L));
    assertThat(metrics.get(5).getStruct("value").getFloat32("floatValue")).isEqualTo(1.5f);
    assertThat(metrics.get(6).getString("datatype")).isEqualTo("UUID");
    assertThat(decoded.bdSeq()).isEqualTo(7L);
    assertThat(decoded.birth().size()).isEqualTo(7);
    assertThat(Payload.parseFrom(SparkplugEncoder.payload(decoded.message()))).isEqualTo(birth);
  }

  @Test
  void arraysDataSetsTemplatesAndPropertiesRoundTrip() throws Exception {
    Payload.PropertySet quality =
        Payload.PropertySet.newBuilder()
            .addKeys("Quality")
            .addValues(
                Payload.PropertyValue.newBuilder()
                    .setType(DataType.Int32.getNumber())
                    .setIntValue(192))
            .addKeys("nested")
            .addValues(
                Payload.PropertyValue.newBuilder()
                    .setType(DataType.PropertySet.getNumber())
                    .setPropertysetValue(
                        Payload.PropertySet.newBuilder()
                            .addKeys("unit")
                            .addValues(
                                Payload.PropertyValue.newBuilder()
                                    .setType(DataType.String.getNumber())
                                    .setStringValue("degC"))))
            .build();
    Payload.DataSet table =
        Payload.DataSet.newBuilder()
            .setNumOfColumns(2)
            .addColumns("a")
            .addColumns("b")
            .addTypes(DataType.Int16.getNumber())
            .addTypes(DataType.String.getNumber())
            .addRows(
                Payload.DataSet.Row.newBuilder()
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setIntValue(-3))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setStringValue("x")))
            .build();
    Payload.Template motor =
        Payload.Template.newBuilder()
            .setVersion("1")
            .setTemplateRef("Motor")
            .addParameters(
                Payload.Template.Parameter.newBuilder()
                    .setName("rpm")
                    .setType(DataType.UInt16.getNumber())
                    .setIntValue(1500))
            .addMetrics(
                Payload.Metric.newBuilder()
                    .setName("on")
                    .setDatatype(DataType.Boolean.getNumber())
                    .setBooleanValue(true))
            .build();
    Payload birth =
        Payload.newBuilder()
            .setSeq(0)
            .addMetrics(
                metric("temp", 1, DataType.Double).setDoubleValue(21.5).setProperties(quality))
            .addMetrics(
                metric("bits", 2, DataType.BooleanArray)
                    .setBytesValue(
                        ByteString.copyFrom(
                            new byte[] {9, 0, 0, 0, (byte) 0b1010_0000, (byte) 0b1000_0000})))
            .addMetrics(
                metric("names", 3, DataType.StringArray)
                    .setBytesValue(ByteString.copyFrom("ab\0\0c\0", StandardCharsets.UTF_8)))
            .addMetrics(
                metric("shorts", 4, DataType.Int16Array)
                    .setBytesValue(
                        ByteString.copyFrom(new byte[] {(byte) 0xFF, (byte) 0xFF, 2, 0})))
            .addMetrics(metric("table", 5, DataType.DataSet).setDatasetValue(table))
            .addMetrics(metric("motor", 6, DataType.Template).setTemplateValue(motor))
            .addMetrics(
                metric("file", 7, DataType.File)
                    .setBytesValue(ByteString.copyFromUtf8("x"))
                    .setMetadata(Payload.MetaData.newBuilder().setFileName("a.txt").setSize(1)))
            .addMetrics(metric("gone", 8, DataType.Int32).setIsNull(true))
            .build();
    Decoded decoded = decoder.decode(NBIRTH, birth.toByteArray(), null);
    List<Struct> m = decoded.message().getArray("metrics");
    Map<String, Struct> properties =
        m.get(0).getMap("properties").entrySet().stream()
            .collect(
                HashMap::new,
                (map, e) -> map.put((String) e.getKey(), (Struct) e.getValue()),
                Map::putAll);
    assertThat(properties.get("Quality").getStruct("value").getInt64("intValue")).isEqualTo(192L);
    assertThat(m.get(1).getStruct("value").getArray("booleanArray"))
        .containsExactly(true, false, true, false, false, false, false, false, true);
    assertThat(m.get(2).getStruct("value").getArray("stringArray")).containsExactly("ab", "", "c");
    assertThat(m.get(3).getStruct("value").getArray("intArray")).containsExactly(-1L, 2L);
    assertThat(m.get(4).getStruct("dataSet").getArray("rows")).hasSize(1);
    assertThat(m.get(5).getStruct("template").getArray("metrics")).hasSize(1);
    assertThat(m.get(7).getBoolean("isNull")).isTrue();
    assertThat(m.get(7).get("value")).isNull();
    assertThat(Payload.parseFrom(SparkplugEncoder.payload(decoded.message()))).isEqualTo(birth);
  }

  @Test
  void dataWithOnlyAliasesIsResolvedFromTheBirthAndUnknownAliasesAreCounted() throws Exception {
    Payload birth =
        Payload.newBuilder()
            .setSeq(0)
            .addMetrics(metric("Inputs/temp", 10, DataType.Int8).setIntValue(1))
            .build();
    Decoded born = decoder.decode(NBIRTH, birth.toByteArray(), null);
    Payload data =
        Payload.newBuilder()
            .setSeq(1)
            .addMetrics(Payload.Metric.newBuilder().setAlias(10).setIntValue(-2))
            .addMetrics(Payload.Metric.newBuilder().setAlias(99).setIntValue(5))
            .build();
    Decoded decoded = decoder.decode(NDATA, data.toByteArray(), born.birth());
    List<Struct> m = decoded.message().getArray("metrics");
    assertThat(m.get(0).getString("name")).isEqualTo("Inputs/temp");
    assertThat(m.get(0).getString("datatype")).isEqualTo("Int8");
    assertThat(m.get(0).getStruct("value").getInt64("intValue")).isEqualTo(-2L);
    assertThat(m.get(1).getString("name")).isNull();
    assertThat(m.get(1).getString("datatype")).isNull();
    assertThat(m.get(1).getInt64("alias")).isEqualTo(99L);
    assertThat(decoded.unresolved()).isEqualTo(1);
    assertThat(decoded.message().getInt32("unresolvedAliases")).isEqualTo(1);
  }

  @Test
  void seqWrapsAt255AndGapsCountMissedMessages() {
    assertThat(EdgeNodeSessions.missed(254L, 255L)).isZero();
    assertThat(EdgeNodeSessions.missed(255L, 0L)).isZero();
    assertThat(EdgeNodeSessions.missed(255L, 2L)).isEqualTo(2);
    assertThat(EdgeNodeSessions.missed(10L, 10L)).isZero();
    assertThat(EdgeNodeSessions.missed(10L, 9L)).isEqualTo(254);
    assertThat(EdgeNodeSessions.missed(null, 9L)).isZero();
  }

  @Test
  void sessionsKeepBirthsThroughStoredOffsetsAndIgnoreStaleDeaths() throws Exception {
    Map<Map<String, String>, Map<String, Object>> store = new HashMap<>();
    EdgeNodeSessions first = new EdgeNodeSessions(store::get);
    Payload birth =
        Payload.newBuilder()
            .setSeq(255)
            .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(3))
            .addMetrics(metric("temp", 5, DataType.Float).setFloatValue(1f))
            .build();
    Decoded born = decoder.decode(NBIRTH, birth.toByteArray(), first.birth(NBIRTH));
    first.observe(NBIRTH, born);
    Map<String, Object> offset = first.offset(NBIRTH, born);
    // Connect refuses offsets with anything but primitive values, and then commits no offset of the
    // task at all.
    assertThat(offset.values())
        .allMatch(v -> v instanceof String || v instanceof Number || v instanceof Boolean);
    store.put(EdgeNodeSessions.partition(NBIRTH), offset);
    Decoded gap = decoder.decode(NDATA, Payload.newBuilder().setSeq(3).build().toByteArray(), null);
    assertThat(first.observe(NDATA, gap).missed()).isEqualTo(3);

    EdgeNodeSessions restarted = new EdgeNodeSessions(store::get);
    BirthCertificate kept = restarted.birth(NDATA);
    assertThat(kept.byAlias(5)).isEqualTo(new BirthCertificate.Definition("temp", DataType.Float));
    SparkplugTopic death = SparkplugTopic.parse("spBv1.0/plant/NDEATH/edge1");
    Decoded stale =
        decoder.decode(
            death,
            Payload.newBuilder()
                .addMetrics(metric("bdSeq", 0, DataType.Int64).setLongValue(2))
                .build()
                .toByteArray(),
            kept);
    assertThat(restarted.observe(death, stale).staleDeath()).isTrue();
    assertThat(restarted.birth(NDATA)).isNotNull();
  }

  @Test
  void statePayloadsOf30And22AreRead() throws Exception {
    SparkplugTopic state = SparkplugTopic.parse("spBv1.0/STATE/scada1");
    Struct online =
        decoder
            .decode(
                state, "{\"online\":true,\"timestamp\":5}".getBytes(StandardCharsets.UTF_8), null)
            .message();
    assertThat(online.getBoolean("online")).isTrue();
    assertThat(online.getInt64("timestamp")).isEqualTo(5L);
    assertThat(online.getString("hostId")).isEqualTo("scada1");
    assertThat(
            decoder
                .decode(state, "OFFLINE".getBytes(StandardCharsets.UTF_8), null)
                .message()
                .getBoolean("online"))
        .isFalse();
    assertThatThrownBy(() -> decoder.decode(state, "{}".getBytes(StandardCharsets.UTF_8), null))
        .hasMessageContaining("online");
  }

  /**
   * Data set cells, template parameters and property values read and write the value field their
   * datatype names in every slot (64-bit, float, double, boolean, string, 32-bit unsigned), and a
   * Bytes datatype, which only a metric can carry, decodes to no bytes and is refused on encode.
   */
  @Test
  void nestedValuesUseEverySlotAndBytesOnlyInAMetric() throws Exception {
    Payload.DataSet table =
        Payload.DataSet.newBuilder()
            .setNumOfColumns(6)
            .addAllColumns(List.of("i64", "f", "d", "b", "t", "u32"))
            .addTypes(DataType.Int64.getNumber())
            .addTypes(DataType.Float.getNumber())
            .addTypes(DataType.Double.getNumber())
            .addTypes(DataType.Boolean.getNumber())
            .addTypes(DataType.Text.getNumber())
            .addTypes(DataType.UInt32.getNumber())
            .addRows(
                Payload.DataSet.Row.newBuilder()
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setLongValue(-5L))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setFloatValue(1.5f))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setDoubleValue(2.25))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setBooleanValue(true))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setStringValue("t"))
                    .addElements(Payload.DataSet.DataSetValue.newBuilder().setIntValue(-1)))
            .build();
    Payload.Template motor =
        Payload.Template.newBuilder()
            .addParameters(
                Payload.Template.Parameter.newBuilder()
                    .setName("since")
                    .setType(DataType.DateTime.getNumber())
                    .setLongValue(1_700_000_000_000L))
            .addParameters(
                Payload.Template.Parameter.newBuilder()
                    .setName("gain")
                    .setType(DataType.Double.getNumber())
                    .setDoubleValue(0.5))
            .build();
    Payload.PropertySet.Builder ok =
        Payload.PropertySet.newBuilder()
            .addKeys("ok")
            .addValues(
                Payload.PropertyValue.newBuilder()
                    .setType(DataType.Boolean.getNumber())
                    .setBooleanValue(true));
    Payload.PropertySet props =
        ok.clone()
            .addKeys("blob")
            .addValues(Payload.PropertyValue.newBuilder().setType(DataType.Bytes.getNumber()))
            .build();
    Payload birth =
        Payload.newBuilder()
            .setSeq(0)
            .addMetrics(metric("table", 1, DataType.DataSet).setDatasetValue(table))
            .addMetrics(metric("motor", 2, DataType.Template).setTemplateValue(motor))
            .addMetrics(metric("x", 3, DataType.Int8).setIntValue(-2).setProperties(props))
            .build();
    Decoded decoded = decoder.decode(NBIRTH, birth.toByteArray(), null);
    List<Struct> m = decoded.message().getArray("metrics");
    List<?> row = (List<?>) m.get(0).getStruct("dataSet").getArray("rows").get(0);
    assertThat(((Struct) row.get(0)).getInt64("intValue")).isEqualTo(-5L);
    assertThat(((Struct) row.get(1)).getFloat32("floatValue")).isEqualTo(1.5f);
    assertThat(((Struct) row.get(2)).getFloat64("doubleValue")).isEqualTo(2.25);
    assertThat(((Struct) row.get(3)).getBoolean("booleanValue")).isTrue();
    assertThat(((Struct) row.get(4)).getString("stringValue")).isEqualTo("t");
    assertThat(((Struct) row.get(5)).getInt64("intValue")).isEqualTo(0xFFFF_FFFFL);
    List<Struct> parameters = m.get(1).getStruct("template").getArray("parameters");
    assertThat(parameters.get(0).getStruct("value").get("dateTimeValue"))
        .isEqualTo(new Date(1_700_000_000_000L));
    assertThat(parameters.get(1).getStruct("value").getFloat64("doubleValue")).isEqualTo(0.5);
    Map<?, ?> properties = m.get(2).getMap("properties");
    assertThat(((Struct) properties.get("ok")).getStruct("value").getBoolean("booleanValue"))
        .isTrue();
    assertThat(((Struct) properties.get("blob")).getStruct("value").getBytes("bytesValue"))
        .isEmpty();
    assertThatThrownBy(() -> SparkplugEncoder.payload(decoded.message()))
        .hasMessageContaining("Bytes cannot be carried by a PropertyValue");
    properties.remove("blob");
    Payload withoutBlob =
        birth.toBuilder().setMetrics(2, birth.getMetrics(2).toBuilder().setProperties(ok)).build();
    assertThat(Payload.parseFrom(SparkplugEncoder.payload(decoded.message())))
        .isEqualTo(withoutBlob);
  }

  @Test
  void garbageAndOutOfRangeValuesAreRefusedWithAReason() {
    assertThatThrownBy(() -> decoder.decode(NDATA, new byte[] {(byte) 0xFF, 1}, null))
        .isInstanceOf(SparkplugDecoder.SparkplugException.class)
        .hasMessageContaining("not a Sparkplug B payload");
    Struct metric =
        new Struct(SparkplugSchemas.metric(0))
            .put("name", "x")
            .put("datatype", "Int8")
            .put("value", new Struct(SparkplugSchemas.VALUE).put("intValue", 300L));
    Struct message =
        new Struct(SparkplugSchemas.MESSAGE)
            .put("namespace", "spBv1.0")
            .put("messageType", "NCMD")
            .put("group", "g")
            .put("edgeNode", "n")
            .put("metrics", List.of(metric));
    assertThatThrownBy(() -> SparkplugEncoder.payload(message))
        .hasMessageContaining("metrics[0]")
        .hasMessageContaining("out of range for Int8");
  }
}
