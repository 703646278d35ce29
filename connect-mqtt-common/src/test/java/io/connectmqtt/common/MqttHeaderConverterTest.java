package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

/**
 * MqttHeaderConverter must write exactly the bytes SimpleHeaderConverter writes, for every value:
 * seeded random values of every type the connectors put into headers, the edges of each type, and
 * the types it hands on.
 */
class MqttHeaderConverterTest {

  private static final long SEED = 0x6d717474L;
  private static final int SAMPLES = 20_000;
  private static final String SPECIAL = "mqtt/topic/+/#\"\\[]{},:";

  private final SimpleHeaderConverter simple = new SimpleHeaderConverter();
  private final MqttHeaderConverter ours = new MqttHeaderConverter();

  @Test
  void randomStringsIncludingUnicodeSurrogatesAndEmpty() {
    Random random = new Random(SEED);
    List<String> values =
        new ArrayList<>(
            List.of(
                "",
                " ",
                "mqtt",
                "null",
                "true",
                "\u0000",
                "caf\u00e9",
                "\u65e5\u672c\u8a9e",
                "\ud83d\ude00 emoji",
                "\ud800 lone high surrogate",
                "lone low \udc00",
                "\udc00\ud800",
                "\"quoted\" and \\backslash\\",
                "[1,2]",
                "{\"a\":1}",
                "line\nbreak\r\ttab",
                "x".repeat(70_000)));
    for (int i = 0; i < SAMPLES; i++) {
      values.add(randomString(random));
    }
    for (String value : values) {
      assertSameBytes(Schema.STRING_SCHEMA, value);
      assertSameBytes(Schema.OPTIONAL_STRING_SCHEMA, value);
      assertSameBytes(null, value);
    }
  }

  @Test
  void integersAndLongsAtTheirEdgesAndAtRandom() {
    Random random = new Random(SEED);
    List<Long> longs =
        new ArrayList<>(
            List.of(
                Long.MIN_VALUE,
                Long.MIN_VALUE + 1,
                Long.MAX_VALUE,
                Long.MAX_VALUE - 1,
                (long) Integer.MIN_VALUE,
                (long) Integer.MAX_VALUE,
                Integer.MIN_VALUE - 1L,
                Integer.MAX_VALUE + 1L,
                0L,
                1L,
                -1L,
                65_535L,
                65_536L));
    for (long power = 10; ; power *= 10) {
      longs.addAll(List.of(power - 1, power, power + 1, -power + 1, -power, -power - 1));
      if (power > Long.MAX_VALUE / 10) {
        break;
      }
    }
    for (int i = 0; i < SAMPLES; i++) {
      longs.add(random.nextLong());
      longs.add(random.nextLong() >> random.nextInt(64));
    }
    for (long value : longs) {
      assertSameBytes(Schema.INT64_SCHEMA, value);
      assertSameBytes(null, value);
      assertSameBytes(Schema.INT32_SCHEMA, (int) value);
      assertSameBytes(Schema.INT16_SCHEMA, (short) value);
      assertSameBytes(Schema.INT8_SCHEMA, (byte) value);
      assertThat(MqttHeaderConverter.digits(value))
          .isEqualTo(Long.toString(value).getBytes(StandardCharsets.UTF_8));
    }
    for (int i = 1; i <= 65_535; i++) {
      assertSameBytes(Schema.INT32_SCHEMA, i);
    }
  }

  @Test
  void floatsAndDoublesIncludingNanInfinitiesAndNegativeZero() {
    Random random = new Random(SEED);
    List<Double> doubles =
        new ArrayList<>(
            List.of(
                0.0,
                -0.0,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE,
                Double.MAX_VALUE,
                Double.MIN_NORMAL,
                1e-7,
                1e7,
                0.1,
                1.0 / 3));
    for (int i = 0; i < SAMPLES; i++) {
      doubles.add(Double.longBitsToDouble(random.nextLong()));
      doubles.add(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
    }
    for (double value : doubles) {
      assertSameBytes(Schema.FLOAT64_SCHEMA, value);
      assertSameBytes(Schema.FLOAT32_SCHEMA, (float) value);
    }
  }

  @Test
  void booleansAndFreshArraysEachTime() {
    assertSameBytes(Schema.BOOLEAN_SCHEMA, true);
    assertSameBytes(Schema.BOOLEAN_SCHEMA, false);
    assertSameBytes(null, Boolean.TRUE);
    byte[] first = ours.fromConnectHeader("t", "k", Schema.BOOLEAN_SCHEMA, true);
    first[0] = 'X';
    assertThat(ours.fromConnectHeader("t", "k", Schema.BOOLEAN_SCHEMA, true))
        .isEqualTo("true".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void byteArraysAreBase64LikeConnectWritesThem() {
    Random random = new Random(SEED);
    List<byte[]> values =
        new ArrayList<>(
            List.of(
                new byte[0],
                new byte[] {0},
                new byte[] {(byte) 0xff, (byte) 0xfe},
                "corr-42".getBytes(StandardCharsets.UTF_8)));
    for (int i = 0; i < SAMPLES; i++) {
      byte[] bytes = new byte[random.nextInt(i % 100 == 0 ? 5_000 : 64)];
      random.nextBytes(bytes);
      values.add(bytes);
    }
    for (byte[] value : values) {
      assertSameBytes(Schema.BYTES_SCHEMA, value);
      assertSameBytes(Schema.OPTIONAL_BYTES_SCHEMA, value);
    }
  }

  @Test
  void nullIsNullWhateverTheSchema() {
    for (Schema schema :
        new Schema[] {
          null,
          Schema.OPTIONAL_STRING_SCHEMA,
          Schema.OPTIONAL_INT32_SCHEMA,
          Schema.OPTIONAL_BOOLEAN_SCHEMA,
          Schema.OPTIONAL_BYTES_SCHEMA
        }) {
      assertThat(ours.fromConnectHeader("t", "k", schema, null)).isNull();
      assertSameBytes(schema, null);
    }
  }

  @Test
  void everythingElseIsHandedToSimpleHeaderConverter() {
    Schema struct =
        SchemaBuilder.struct()
            .field("name", Schema.STRING_SCHEMA)
            .field("n", Schema.INT32_SCHEMA)
            .build();
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("a", 1);
    map.put("b \"quoted\"", List.of("x", true));
    List<Object[]> cases =
        List.of(
            new Object[] {Decimal.schema(2), new BigDecimal("12.34")},
            new Object[] {Timestamp.SCHEMA, new Date(1_700_000_000_123L)},
            new Object[] {null, new Date(86_400_000L)},
            new Object[] {SchemaBuilder.array(Schema.INT32_SCHEMA).build(), List.of(1, 2, 3)},
            new Object[] {null, map},
            new Object[] {struct, new Struct(struct).put("name", "caf\u00e9").put("n", 7)},
            new Object[] {Schema.BYTES_SCHEMA, ByteBuffer.wrap(new byte[] {1, 2, 3})},
            // A Number subclass Connect writes with its toString(): handed on, not taken for an
            // int.
            new Object[] {null, new AtomicInteger(42)});
    for (Object[] c : cases) {
      assertSameBytes((Schema) c[0], c[1]);
    }
  }

  @Test
  void readsAreSimpleHeaderConvertersReads() {
    Random random = new Random(SEED);
    List<byte[]> inputs = new ArrayList<>();
    inputs.add(null);
    for (String s :
        List.of(
            "",
            "true",
            "42",
            "-9223372036854775808",
            "1.5",
            "[1,2]",
            "{\"a\":1}",
            "mqtt",
            "2023-11-14T22:13:20.123Z",
            "caf\u00e9")) {
      inputs.add(s.getBytes(StandardCharsets.UTF_8));
    }
    for (int i = 0; i < 2_000; i++) {
      inputs.add(randomString(random).getBytes(StandardCharsets.UTF_8));
    }
    for (byte[] input : inputs) {
      assertThat(ours.toConnectHeader("t", "k", input))
          .isEqualTo(simple.toConnectHeader("t", "k", input));
    }
  }

  @Test
  void declaredForServiceLoaderDiscovery() {
    List<Class<?>> found = new ArrayList<>();
    ServiceLoader.load(HeaderConverter.class).stream().forEach(p -> found.add(p.type()));
    assertThat(found).contains(MqttHeaderConverter.class);
    assertThat(ours.config().names()).isEqualTo(simple.config().names());
    assertThat(ours.version()).isNotBlank();
  }

  private void assertSameBytes(Schema schema, Object value) {
    byte[] expected = simple.fromConnectHeader("topic", "key", schema, value);
    byte[] actual = ours.fromConnectHeader("topic", "key", schema, value);
    assertThat(actual)
        .as("%s (%s)", value, value == null ? null : value.getClass().getSimpleName())
        .isEqualTo(expected);
  }

  /** Code points from ASCII, Latin-1, the BMP, the supplementary planes, and lone surrogates. */
  private static String randomString(Random random) {
    int length = random.nextInt(40);
    StringBuilder s = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(6)) {
        case 0 -> s.append((char) (0x20 + random.nextInt(0x5f)));
        case 1 -> s.append((char) random.nextInt(0x100));
        case 2 -> s.append((char) random.nextInt(0x10000));
        case 3 -> s.appendCodePoint(0x10000 + random.nextInt(0x100000));
        case 4 -> s.append((char) (0xd800 + random.nextInt(0x800)));
        default -> s.append(SPECIAL.charAt(random.nextInt(SPECIAL.length())));
      }
    }
    return s.toString();
  }
}
