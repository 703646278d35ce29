package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

class PayloadEncoderTest {

  private static String json(Schema schema, Object value) {
    return new String(PayloadEncoder.encode(schema, value), StandardCharsets.UTF_8);
  }

  @Test
  void bytesAndStringsPassThrough() {
    byte[] raw = {0, (byte) 0xff};
    assertThat(PayloadEncoder.encode(Schema.BYTES_SCHEMA, raw)).isEqualTo(raw);
    assertThat(PayloadEncoder.encode(null, ByteBuffer.wrap(raw))).isEqualTo(raw);
    assertThat(json(Schema.STRING_SCHEMA, "h\u00e9")).isEqualTo("h\u00e9");
  }

  @Test
  void structsWithLogicalTypesBecomeJson() {
    Schema schema =
        SchemaBuilder.struct()
            .field("price", Decimal.schema(2))
            .field("day", org.apache.kafka.connect.data.Date.SCHEMA)
            .field("at", Time.SCHEMA)
            .field("ts", Timestamp.SCHEMA)
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("blob", Schema.OPTIONAL_BYTES_SCHEMA)
            .build();
    Struct struct =
        new Struct(schema)
            .put("price", new BigDecimal("12.50"))
            .put("day", new Date(86_400_000L * 19_000))
            .put("at", new Date(13 * 3_600_000L + 45 * 60_000L + 250))
            .put("ts", new Date(1_700_000_000_123L))
            .put("tags", List.of("a", "b"))
            .put("blob", new byte[] {1, 2});
    assertThat(json(schema, struct))
        .isEqualTo(
            "{\"price\":12.50,\"day\":\"2022-01-08\",\"at\":\"13:45:00.250\","
                + "\"ts\":\"2023-11-14T22:13:20.123Z\",\"tags\":[\"a\",\"b\"],\"blob\":\"AQI=\"}");
  }

  @Test
  void mapsListsAndPrimitivesBecomeJson() {
    assertThat(json(null, Map.of("a", 1))).isEqualTo("{\"a\":1}");
    assertThat(json(null, List.of(1, true, "x"))).isEqualTo("[1,true,\"x\"]");
    assertThat(json(Schema.INT64_SCHEMA, 42L)).isEqualTo("42");
    assertThat(json(Schema.BOOLEAN_SCHEMA, true)).isEqualTo("true");
  }
}
