package io.connectmqtt.testkit;

import com.google.protobuf.ByteString;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * The metrics {@link SparkplugEdgeNode} publishes: one of every Sparkplug datatype that a metric
 * can carry, each with an alias, its protobuf value written here by hand (not by the connector's
 * encoder) and the Connect value a decoder must produce for it ({@code expected}: the field of the
 * value struct and its content). Scalars change with each round of DATA; arrays keep their value.
 */
public final class SparkplugMetrics {

  /**
   * @param field the field of the decoded value struct that holds it (null: DataSet or Template,
   *     checked apart)
   */
  public record Definition(
      String name,
      long alias,
      DataType type,
      String field,
      BiConsumer<Payload.Metric.Builder, Integer> write,
      IntFunction<Object> expected) {

    /**
     * The metric of {@code round}: alias and value, and in a BIRTH ({@code withName}) name and
     * datatype.
     */
    public Payload.Metric metric(int round, boolean withName) {
      Payload.Metric.Builder builder = Payload.Metric.newBuilder().setAlias(alias);
      if (withName) {
        builder.setName(name).setDatatype(type.getNumber());
      }
      write.accept(builder, round);
      return builder.build();
    }
  }

  private SparkplugMetrics() {}

  /** A metric in {@code int_value} that counts up from {@code first}, one a round. */
  private static Definition countingInt(String name, long alias, DataType type, int first) {
    return new Definition(
        name, alias, type, "intValue", (b, r) -> b.setIntValue(first + r), r -> (long) (first + r));
  }

  /** A metric in {@code string_value}: {@code prefix} and the round. */
  private static Definition numberedText(String name, long alias, DataType type, String prefix) {
    return new Definition(
        name, alias, type, "stringValue", (b, r) -> b.setStringValue(prefix + r), r -> prefix + r);
  }

  private static Definition array(
      String name, long alias, DataType type, String field, byte[] bytes, Object expected) {
    return new Definition(
        name,
        alias,
        type,
        field,
        (b, round) -> b.setBytesValue(ByteString.copyFrom(bytes)),
        round -> expected);
  }

  /**
   * The node's (and each device's) metrics; aliases start at {@code base} so node and devices never
   * share one.
   */
  public static List<Definition> all(long base) {
    return List.of(
        countingInt("Int8", base + 1, DataType.Int8, -100),
        countingInt("Int16", base + 2, DataType.Int16, -30_000),
        countingInt("Int32", base + 3, DataType.Int32, -2_000_000_000),
        new Definition(
            "Int64",
            base + 4,
            DataType.Int64,
            "intValue",
            (b, r) -> b.setLongValue(Long.MIN_VALUE + r),
            r -> Long.MIN_VALUE + r),
        new Definition(
            "UInt8",
            base + 5,
            DataType.UInt8,
            "intValue",
            (b, r) -> b.setIntValue(250 + r % 5),
            r -> (long) (250 + r % 5)),
        countingInt("UInt16", base + 6, DataType.UInt16, 65_000),
        new Definition(
            "UInt32",
            base + 7,
            DataType.UInt32,
            "intValue",
            (b, r) -> b.setIntValue(-1 - r),
            r -> 4_294_967_295L - r),
        new Definition(
            "UInt64",
            base + 8,
            DataType.UInt64,
            "uint64Value",
            (b, r) -> b.setLongValue(-1L - r),
            r -> new BigDecimal("18446744073709551615").subtract(BigDecimal.valueOf(r))),
        new Definition(
            "Float",
            base + 9,
            DataType.Float,
            "floatValue",
            (b, r) -> b.setFloatValue(1.25f * r),
            r -> 1.25f * r),
        new Definition(
            "Double",
            base + 10,
            DataType.Double,
            "doubleValue",
            (b, r) -> b.setDoubleValue(-0.5 * r),
            r -> -0.5 * r),
        new Definition(
            "Boolean",
            base + 11,
            DataType.Boolean,
            "booleanValue",
            (b, r) -> b.setBooleanValue(r % 2 == 0),
            r -> r % 2 == 0),
        numberedText("String", base + 12, DataType.String, "h\u00e9llo "),
        new Definition(
            "DateTime",
            base + 13,
            DataType.DateTime,
            "dateTimeValue",
            (b, r) -> b.setLongValue(1_700_000_000_000L + r),
            r -> new Date(1_700_000_000_000L + r)),
        numberedText("Text", base + 14, DataType.Text, "text "),
        new Definition(
            "UUID",
            base + 15,
            DataType.UUID,
            "stringValue",
            (b, r) -> b.setStringValue("123e4567-e89b-12d3-a456-42661417400" + r % 10),
            r -> "123e4567-e89b-12d3-a456-42661417400" + r % 10),
        new Definition(
            "Bytes",
            base + 16,
            DataType.Bytes,
            "bytesValue",
            (b, r) -> b.setBytesValue(ByteString.copyFrom(new byte[] {0, r.byteValue(), -1})),
            r -> new byte[] {0, (byte) r, -1}),
        new Definition(
            "File",
            base + 17,
            DataType.File,
            "bytesValue",
            (b, r) -> b.setBytesValue(ByteString.copyFromUtf8("file " + r)),
            r -> ("file " + r).getBytes(StandardCharsets.UTF_8)),
        array(
            "Int8Array",
            base + 18,
            DataType.Int8Array,
            "intArray",
            new byte[] {-1, 2},
            List.of(-1L, 2L)),
        array(
            "Int16Array",
            base + 19,
            DataType.Int16Array,
            "intArray",
            new byte[] {-2, -1, 1, 0},
            List.of(-2L, 1L)),
        array(
            "Int32Array",
            base + 20,
            DataType.Int32Array,
            "intArray",
            new byte[] {-1, -1, -1, -1},
            List.of(-1L)),
        array(
            "Int64Array",
            base + 21,
            DataType.Int64Array,
            "intArray",
            new byte[] {5, 0, 0, 0, 0, 0, 0, 0},
            List.of(5L)),
        array(
            "UInt8Array",
            base + 22,
            DataType.UInt8Array,
            "intArray",
            new byte[] {-1, 1},
            List.of(255L, 1L)),
        array(
            "UInt16Array",
            base + 23,
            DataType.UInt16Array,
            "intArray",
            new byte[] {-1, -1},
            List.of(65_535L)),
        array(
            "UInt32Array",
            base + 24,
            DataType.UInt32Array,
            "intArray",
            new byte[] {-1, -1, -1, -1},
            List.of(4_294_967_295L)),
        array(
            "UInt64Array",
            base + 25,
            DataType.UInt64Array,
            "uint64Array",
            new byte[] {-1, -1, -1, -1, -1, -1, -1, -1},
            List.of(new BigDecimal("18446744073709551615"))),
        array(
            "FloatArray",
            base + 26,
            DataType.FloatArray,
            "floatArray",
            new byte[] {0, 0, -64, 63},
            List.of(1.5f)),
        array(
            "DoubleArray",
            base + 27,
            DataType.DoubleArray,
            "doubleArray",
            new byte[] {0, 0, 0, 0, 0, 0, 4, -64},
            List.of(-2.5)),
        array(
            "BooleanArray",
            base + 28,
            DataType.BooleanArray,
            "booleanArray",
            new byte[] {3, 0, 0, 0, (byte) 0xA0},
            List.of(true, false, true)),
        array(
            "StringArray",
            base + 29,
            DataType.StringArray,
            "stringArray",
            "a\0\u00fc\0".getBytes(StandardCharsets.UTF_8),
            List.of("a", "\u00fc")),
        array(
            "DateTimeArray",
            base + 30,
            DataType.DateTimeArray,
            "dateTimeArray",
            new byte[] {1, 0, 0, 0, 0, 0, 0, 0},
            List.of(new Date(1))),
        new Definition(
            "DataSet",
            base + 31,
            DataType.DataSet,
            null,
            (b, r) ->
                b.setDatasetValue(
                    Payload.DataSet.newBuilder()
                        .setNumOfColumns(2)
                        .addColumns("id")
                        .addColumns("label")
                        .addTypes(DataType.UInt32.getNumber())
                        .addTypes(DataType.String.getNumber())
                        .addRows(
                            Payload.DataSet.Row.newBuilder()
                                .addElements(
                                    Payload.DataSet.DataSetValue.newBuilder().setIntValue(r))
                                .addElements(
                                    Payload.DataSet.DataSetValue.newBuilder()
                                        .setStringValue("row " + r)))),
            r -> List.of((long) r, "row " + r)),
        new Definition(
            "Template",
            base + 32,
            DataType.Template,
            null,
            (b, r) ->
                b.setTemplateValue(
                    Payload.Template.newBuilder()
                        .setTemplateRef("Motor")
                        .setVersion("1")
                        .addParameters(
                            Payload.Template.Parameter.newBuilder()
                                .setName("rated")
                                .setType(DataType.Double.getNumber())
                                .setDoubleValue(7.5))
                        .addMetrics(
                            Payload.Metric.newBuilder()
                                .setName("rpm")
                                .setDatatype(DataType.Int32.getNumber())
                                .setIntValue(1_000 + r))),
            r -> List.of("rpm", (long) (1_000 + r))));
  }
}
