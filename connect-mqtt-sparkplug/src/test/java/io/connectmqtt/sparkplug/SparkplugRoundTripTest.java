package io.connectmqtt.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Date;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.connect.data.Struct;

/**
 * Every scalar and array datatype: a struct encoded by the sink and decoded by the source is the
 * same struct.
 */
class SparkplugRoundTripTest {

  private static final SparkplugTopic NCMD = SparkplugTopic.parse("spBv1.0/g/NCMD/n");

  @Property(tries = 2000)
  void anyValueSurvivesEncodeThenDecode(@ForAll("metrics") Struct metric) throws Exception {
    Struct message =
        new Struct(SparkplugSchemas.MESSAGE)
            .put("namespace", "spBv1.0")
            .put("group", "g")
            .put("messageType", "NCMD")
            .put("edgeNode", "n")
            .put("seq", 255L)
            .put("metrics", List.of(metric))
            .put("unresolvedAliases", 0);
    Struct decoded =
        new SparkplugDecoder().decode(NCMD, SparkplugEncoder.payload(message), null).message();
    assertThat(decoded).isEqualTo(message);
  }

  @Provide
  Arbitrary<Struct> metrics() {
    return Arbitraries.oneOf(
        List.of(
            ints(DataType.Int8, Byte.MIN_VALUE, Byte.MAX_VALUE),
            ints(DataType.Int16, Short.MIN_VALUE, Short.MAX_VALUE),
            ints(DataType.Int32, Integer.MIN_VALUE, Integer.MAX_VALUE),
            ints(DataType.Int64, Long.MIN_VALUE, Long.MAX_VALUE),
            ints(DataType.UInt8, 0, 255),
            ints(DataType.UInt16, 0, 65_535),
            ints(DataType.UInt32, 0, 0xFFFF_FFFFL),
            Arbitraries.bigIntegers()
                .between(BigInteger.ZERO, BigInteger.TWO.pow(64).subtract(BigInteger.ONE))
                .map(v -> metric(DataType.UInt64, "uint64Value", new BigDecimal(v))),
            Arbitraries.floats().map(v -> metric(DataType.Float, "floatValue", v)),
            Arbitraries.doubles().map(v -> metric(DataType.Double, "doubleValue", v)),
            Arbitraries.of(true, false).map(v -> metric(DataType.Boolean, "booleanValue", v)),
            Arbitraries.strings().map(v -> metric(DataType.Text, "stringValue", v)),
            Arbitraries.longs().map(v -> metric(DataType.DateTime, "dateTimeValue", new Date(v))),
            Arbitraries.bytes()
                .array(byte[].class)
                .map(v -> metric(DataType.Bytes, "bytesValue", v)),
            intArray(DataType.Int8Array, Byte.MIN_VALUE, Byte.MAX_VALUE),
            intArray(DataType.UInt16Array, 0, 65_535),
            intArray(DataType.UInt32Array, 0, 0xFFFF_FFFFL),
            intArray(DataType.Int64Array, Long.MIN_VALUE, Long.MAX_VALUE),
            Arbitraries.floats().list().map(v -> metric(DataType.FloatArray, "floatArray", v)),
            Arbitraries.doubles().list().map(v -> metric(DataType.DoubleArray, "doubleArray", v)),
            Arbitraries.of(true, false)
                .list()
                .map(v -> metric(DataType.BooleanArray, "booleanArray", v)),
            Arbitraries.strings()
                .excludeChars('\0')
                .list()
                .map(v -> metric(DataType.StringArray, "stringArray", v)),
            Arbitraries.longs()
                .map(Date::new)
                .list()
                .map(v -> metric(DataType.DateTimeArray, "dateTimeArray", v)),
            Arbitraries.bigIntegers()
                .between(BigInteger.ZERO, BigInteger.TWO.pow(64).subtract(BigInteger.ONE))
                .map(BigDecimal::new)
                .list()
                .map(v -> metric(DataType.UInt64Array, "uint64Array", v))));
  }

  private static Arbitrary<Struct> ints(DataType type, long min, long max) {
    return Arbitraries.longs().between(min, max).map(v -> metric(type, "intValue", v));
  }

  private static Arbitrary<Struct> intArray(DataType type, long min, long max) {
    return Arbitraries.longs().between(min, max).list().map(v -> metric(type, "intArray", v));
  }

  private static Struct metric(DataType type, String field, Object value) {
    return new Struct(SparkplugSchemas.metric(0))
        .put("name", "m/" + type)
        .put("alias", 7L)
        .put("timestamp", 1L)
        .put("datatype", type.name())
        .put("value", new Struct(SparkplugSchemas.VALUE).put(field, value));
  }
}
