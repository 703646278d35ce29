package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class PayloadConverterTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void bytesPassThroughUnchanged() throws Exception {
    byte[] payload = {0, (byte) 0xff, 7};
    SchemaAndValue value =
        new PayloadConverter(PayloadConverter.Format.BYTES, true, null).convert(payload);
    assertThat(value.schema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
    assertThat((byte[]) value.value()).isEqualTo(payload);
  }

  @Test
  void stringsMustBeValidUtf8() throws Exception {
    PayloadConverter converter = new PayloadConverter(PayloadConverter.Format.STRING, true, null);
    assertThat(converter.convert(utf8("h\u00e9llo")).value()).isEqualTo("h\u00e9llo");
    assertThatThrownBy(() -> converter.convert(new byte[] {(byte) 0xc3, 0x28}))
        .hasMessageContaining("UTF-8");
  }

  @Test
  void jsonBecomesAStructWithAnInferredSchema() throws Exception {
    PayloadConverter converter = new PayloadConverter(PayloadConverter.Format.JSON, true, null);
    SchemaAndValue value =
        converter.convert(
            utf8(
                "{\"id\":\"s1\",\"t\":21.5,\"n\":3,\"ok\":true,\"tags\":[\"a\",\"b\"],\"pos\":{\"x\":1},\"none\":null}"));
    Struct struct = (Struct) value.value();
    assertThat(struct.getString("id")).isEqualTo("s1");
    assertThat(struct.getFloat64("t")).isEqualTo(21.5);
    assertThat(struct.getInt64("n")).isEqualTo(3L);
    assertThat(struct.getBoolean("ok")).isTrue();
    assertThat(struct.getArray("tags")).containsExactly("a", "b");
    assertThat(struct.getStruct("pos").getInt64("x")).isEqualTo(1L);
    assertThat(struct.get("none")).isNull();
    assertThat(value.schema().field("t").schema().type()).isEqualTo(Schema.Type.FLOAT64);
    struct.validate();
  }

  @Test
  void mixedArraysAreKeptAsJsonText() throws Exception {
    Struct struct =
        (Struct)
            new PayloadConverter(PayloadConverter.Format.JSON, true, null)
                .convert(utf8("{\"mixed\":[1,\"a\"]}"))
                .value();
    assertThat(struct.getString("mixed")).isEqualTo("[1,\"a\"]");
  }

  @Test
  void schemalessJsonIsAMap() throws Exception {
    SchemaAndValue value =
        new PayloadConverter(PayloadConverter.Format.JSON, false, null)
            .convert(utf8("{\"a\":1,\"b\":[true,null],\"c\":{\"d\":\"e\"}}"));
    assertThat(value.schema()).isNull();
    assertThat(value.value())
        .isEqualTo(
            Map.of("a", 1L, "b", java.util.Arrays.asList(true, null), "c", Map.of("d", "e")));
  }

  @Test
  void malformedJsonIsAnErrorNamingTheProblem() {
    PayloadConverter converter = new PayloadConverter(PayloadConverter.Format.JSON, true, null);
    assertThatThrownBy(() -> converter.convert(utf8("{\"a\":")))
        .isInstanceOf(PayloadConverter.PayloadException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> converter.convert(new byte[0])).hasMessageContaining("empty");
    assertThatThrownBy(() -> converter.convert(utf8("[".repeat(100) + "]".repeat(100))))
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void jsonSchemaValidationRejectsNonConformingPayloads() throws Exception {
    String schema =
        "{\"type\":\"object\",\"required\":[\"t\"],\"properties\":{\"t\":{\"type\":\"number\"}}}";
    PayloadConverter converter = new PayloadConverter(PayloadConverter.Format.JSON, true, schema);
    assertThat(converter.convert(utf8("{\"t\":1.5}")).value()).isInstanceOf(Struct.class);
    assertThatThrownBy(() -> converter.convert(utf8("{\"t\":\"hot\"}")))
        .hasMessageContaining("JSON Schema")
        .hasMessageContaining("t");
    assertThatThrownBy(() -> converter.convert(utf8("{}"))).hasMessageContaining("required");
    assertThatThrownBy(() -> PayloadConverter.compileSchema("[1]")).hasMessageContaining("object");
  }

  @Test
  void listOfStructsGetsAStructElementSchema() throws Exception {
    Struct struct =
        (Struct)
            new PayloadConverter(PayloadConverter.Format.JSON, true, null)
                .convert(utf8("{\"r\":[{\"v\":1},{\"v\":2}]}"))
                .value();
    List<Object> readings = struct.getArray("r");
    assertThat(((Struct) readings.get(1)).getInt64("v")).isEqualTo(2L);
  }
}
