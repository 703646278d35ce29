package io.connectmqtt.sparkplug;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.MessageOrBuilder;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.apache.kafka.connect.data.Struct;

/**
 * One Sparkplug value both ways: the protobuf field that carries it (in a metric, data set cell,
 * template parameter or property value: the {@link Slot} its datatype names) and the {@link
 * SparkplugSchemas#VALUE} struct, as its datatype says. Integers are carried as the spec and
 * Eclipse Tahu do: Int8 to UInt32 in the 32-bit field (two's complement bits), Int64, UInt64 and
 * DateTime in the 64-bit one; arrays as little-endian bytes (booleans: a 4-byte count then bits,
 * most significant first; strings: each ended by NUL).
 */
final class SparkplugValues {

  /**
   * Which member of the value oneof a datatype uses: for a scalar or array the protobuf field of
   * that name in each of the four messages that carry a value (metric, data set cell, template
   * parameter, property value), read by the decoder and set by the encoder.
   */
  enum Slot {
    INT("int_value", 0),
    LONG("long_value", 0L),
    FLOAT("float_value", 0f),
    DOUBLE("double_value", 0d),
    BOOLEAN("boolean_value", false),
    STRING("string_value", ""),
    BYTES("bytes_value", ByteString.EMPTY),
    DATASET,
    TEMPLATE,
    PROPERTY_SET,
    PROPERTY_SETS,
    NONE;

    /** The protobuf field name; null where the value is no scalar. */
    final String field;

    /** What a message without that field carries (only a metric has {@code bytes_value}). */
    final Object unset;

    Slot() {
      this(null, null);
    }

    Slot(String field, Object unset) {
      this.field = field;
      this.unset = unset;
    }
  }

  /** Each value-carrying message's field of each slot, found once per message type. */
  private static final Map<Descriptors.Descriptor, Descriptors.FieldDescriptor[]> FIELDS =
      new ConcurrentHashMap<>();

  private SparkplugValues() {}

  static Slot slot(DataType type) {
    return switch (type) {
      case Int8, Int16, Int32, UInt8, UInt16, UInt32 -> Slot.INT;
      case Int64, UInt64, DateTime -> Slot.LONG;
      case Float -> Slot.FLOAT;
      case Double -> Slot.DOUBLE;
      case Boolean -> Slot.BOOLEAN;
      case String, Text, UUID -> Slot.STRING;
      case Bytes,
          File,
          Int8Array,
          Int16Array,
          Int32Array,
          Int64Array,
          UInt8Array,
          UInt16Array,
          UInt32Array,
          UInt64Array,
          FloatArray,
          DoubleArray,
          BooleanArray,
          StringArray,
          DateTimeArray ->
          Slot.BYTES;
      case DataSet -> Slot.DATASET;
      case Template -> Slot.TEMPLATE;
      case PropertySet -> Slot.PROPERTY_SET;
      case PropertySetList -> Slot.PROPERTY_SETS;
      default -> Slot.NONE;
    };
  }

  /** The datatype a number on the wire names; Unknown for numbers this version does not know. */
  static DataType dataType(int number) {
    DataType type = DataType.forNumber(number);
    return type == null ? DataType.Unknown : type;
  }

  /**
   * The field of a slot in a value-carrying message type; null where the slot is no scalar or that
   * message has no such field (a data set cell has no {@code bytes_value}).
   */
  static Descriptors.FieldDescriptor field(Descriptors.Descriptor message, Slot slot) {
    return FIELDS
        .computeIfAbsent(
            message,
            m ->
                Arrays.stream(Slot.values())
                    .map(s -> s.field == null ? null : m.findFieldByName(s.field))
                    .toArray(Descriptors.FieldDescriptor[]::new))[slot.ordinal()];
  }

  /**
   * The VALUE struct of the value a metric, data set cell, template parameter or property value
   * carries, as its datatype says; null for datatypes carried elsewhere (DataSet, Template, ...).
   */
  static Struct read(DataType type, MessageOrBuilder carrier) {
    Slot slot = slot(type);
    if (slot.field == null) {
      return null;
    }
    Descriptors.FieldDescriptor field = field(carrier.getDescriptorForType(), slot);
    return toStruct(type, field == null ? slot.unset : carrier.getField(field));
  }

  /**
   * The VALUE struct of a scalar or array value from the field its slot names (Integer, Long,
   * Float, Double, Boolean, String or ByteString).
   */
  private static Struct toStruct(DataType type, Object field) {
    Struct v = new Struct(SparkplugSchemas.VALUE);
    int intBits = field instanceof Integer i ? i : 0;
    long longBits = field instanceof Long l ? l : 0;
    ByteString bytes = field instanceof ByteString b ? b : ByteString.EMPTY;
    switch (type) {
      case Int8 -> v.put("intValue", (long) (byte) intBits);
      case Int16 -> v.put("intValue", (long) (short) intBits);
      case Int32 -> v.put("intValue", (long) intBits);
      case UInt8 -> v.put("intValue", (long) (intBits & 0xFF));
      case UInt16 -> v.put("intValue", (long) (intBits & 0xFFFF));
      case UInt32 -> v.put("intValue", Integer.toUnsignedLong(intBits));
      case Int64 -> v.put("intValue", longBits);
      case UInt64 -> v.put("uint64Value", unsigned(longBits));
      case DateTime -> v.put("dateTimeValue", new Date(longBits));
      case Float -> v.put("floatValue", (Float) field);
      case Double -> v.put("doubleValue", (Double) field);
      case Boolean -> v.put("booleanValue", (Boolean) field);
      case String, Text, UUID -> v.put("stringValue", (String) field);
      case Bytes, File -> v.put("bytesValue", bytes.toByteArray());
      case Int8Array, Int16Array, Int32Array, Int64Array, UInt8Array, UInt16Array, UInt32Array ->
          v.put("intArray", integers(type, bytes));
      case UInt64Array -> v.put("uint64Array", unsignedLongs(bytes));
      case FloatArray -> v.put("floatArray", floats(bytes));
      case DoubleArray -> v.put("doubleArray", doubles(bytes));
      case BooleanArray -> v.put("booleanArray", booleans(bytes));
      case StringArray -> v.put("stringArray", strings(bytes));
      case DateTimeArray -> v.put("dateTimeArray", dates(bytes));
      default -> {
        return null;
      }
    }
    return v;
  }

  /**
   * The value of the protobuf field its slot names for a VALUE struct; throws
   * IllegalArgumentException when the field is missing or too big.
   */
  static Object fromStruct(DataType type, Struct v) {
    if (v == null) {
      throw new IllegalArgumentException("a " + type + " value needs the value struct");
    }
    return switch (type) {
      case Int8 -> (int) ranged(type, required(v, "intValue"), Byte.MIN_VALUE, Byte.MAX_VALUE);
      case Int16 -> (int) ranged(type, required(v, "intValue"), Short.MIN_VALUE, Short.MAX_VALUE);
      case Int32 ->
          (int) ranged(type, required(v, "intValue"), Integer.MIN_VALUE, Integer.MAX_VALUE);
      case UInt8 -> (int) ranged(type, required(v, "intValue"), 0, 0xFF);
      case UInt16 -> (int) ranged(type, required(v, "intValue"), 0, 0xFFFF);
      case UInt32 -> (int) ranged(type, required(v, "intValue"), 0, 0xFFFF_FFFFL);
      case Int64 -> (Long) required(v, "intValue");
      case UInt64 -> unsignedBits((BigDecimal) required(v, "uint64Value"));
      case DateTime -> ((Date) required(v, "dateTimeValue")).getTime();
      case Float -> (Float) required(v, "floatValue");
      case Double -> (Double) required(v, "doubleValue");
      case Boolean -> (Boolean) required(v, "booleanValue");
      case String, Text, UUID -> (String) required(v, "stringValue");
      case Bytes, File -> ByteString.copyFrom((byte[]) required(v, "bytesValue"));
      case Int8Array, Int16Array, Int32Array, Int64Array, UInt8Array, UInt16Array, UInt32Array ->
          packIntegers(type, v.getArray("intArray"));
      case UInt64Array -> packUnsignedLongs(v.getArray("uint64Array"));
      case FloatArray -> packFloats(v.getArray("floatArray"));
      case DoubleArray -> packDoubles(v.getArray("doubleArray"));
      case BooleanArray -> packBooleans(v.getArray("booleanArray"));
      case StringArray -> packStrings(v.getArray("stringArray"));
      case DateTimeArray -> packDates(v.getArray("dateTimeArray"));
      default -> throw new IllegalArgumentException("datatype " + type + " has no scalar value");
    };
  }

  private static Object required(Struct v, String field) {
    Object value = v.get(field);
    if (value == null) {
      throw new IllegalArgumentException("value." + field + " is missing");
    }
    return value;
  }

  private static long ranged(DataType type, Object value, long min, long max) {
    long number = (Long) value;
    if (number < min || number > max) {
      throw new IllegalArgumentException(number + " is out of range for " + type);
    }
    return number;
  }

  static BigDecimal unsigned(long bits) {
    return new BigDecimal(new BigInteger(Long.toUnsignedString(bits)));
  }

  static long unsignedBits(BigDecimal value) {
    BigInteger integer = value.toBigIntegerExact();
    if (integer.signum() < 0 || integer.bitLength() > 64) {
      throw new IllegalArgumentException(value + " is out of range for UInt64");
    }
    return integer.longValue();
  }

  private static int width(DataType type) {
    return switch (type) {
      case Int8Array, UInt8Array -> 1;
      case Int16Array, UInt16Array -> 2;
      case Int32Array, UInt32Array, FloatArray -> 4;
      default -> 8;
    };
  }

  /** Fixed-width little-endian elements, read one by one while a whole one remains. */
  private static <T> List<T> unpack(ByteString bytes, int width, Function<ByteBuffer, T> read) {
    ByteBuffer in = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    List<T> out = new ArrayList<>(in.remaining() / width);
    while (in.remaining() >= width) {
      out.add(read.apply(in));
    }
    return out;
  }

  private static ByteString pack(List<?> values, int width, BiConsumer<ByteBuffer, Object> write) {
    ByteBuffer out = ByteBuffer.allocate(values.size() * width).order(ByteOrder.LITTLE_ENDIAN);
    values.forEach(value -> write.accept(out, value));
    return ByteString.copyFrom(out.array());
  }

  private static List<Long> integers(DataType type, ByteString bytes) {
    return unpack(
        bytes,
        width(type),
        in ->
            switch (type) {
              case Int8Array -> (long) in.get();
              case Int16Array -> (long) in.getShort();
              case Int32Array -> (long) in.getInt();
              case UInt8Array -> (long) Byte.toUnsignedInt(in.get());
              case UInt16Array -> (long) Short.toUnsignedInt(in.getShort());
              case UInt32Array -> Integer.toUnsignedLong(in.getInt());
              default -> in.getLong();
            });
  }

  private static ByteString packIntegers(DataType type, List<?> values) {
    DataType element = DataType.forNumber(type.getNumber() - DataType.Int8Array.getNumber() + 1);
    return pack(
        values,
        width(type),
        (out, value) -> {
          // Range-checked as the scalar of the element type, then written in the array's width.
          int bits = element == DataType.Int64 ? 0 : fromStructInt(element, (Long) value);
          switch (type) {
            case Int8Array, UInt8Array -> out.put((byte) bits);
            case Int16Array, UInt16Array -> out.putShort((short) bits);
            case Int32Array, UInt32Array -> out.putInt(bits);
            default -> out.putLong((Long) value);
          }
        });
  }

  private static int fromStructInt(DataType element, long value) {
    Struct single = new Struct(SparkplugSchemas.VALUE).put("intValue", value);
    return (Integer) fromStruct(element, single);
  }

  private static List<BigDecimal> unsignedLongs(ByteString bytes) {
    return unpack(bytes, 8, in -> unsigned(in.getLong()));
  }

  private static ByteString packUnsignedLongs(List<?> values) {
    return pack(values, 8, (out, value) -> out.putLong(unsignedBits((BigDecimal) value)));
  }

  private static List<Float> floats(ByteString bytes) {
    return unpack(bytes, 4, ByteBuffer::getFloat);
  }

  private static ByteString packFloats(List<?> values) {
    return pack(values, 4, (out, value) -> out.putFloat((Float) value));
  }

  private static List<Double> doubles(ByteString bytes) {
    return unpack(bytes, 8, ByteBuffer::getDouble);
  }

  private static ByteString packDoubles(List<?> values) {
    return pack(values, 8, (out, value) -> out.putDouble((Double) value));
  }

  private static List<Date> dates(ByteString bytes) {
    return unpack(bytes, 8, in -> new Date(in.getLong()));
  }

  private static ByteString packDates(List<?> values) {
    return pack(values, 8, (out, value) -> out.putLong(((Date) value).getTime()));
  }

  private static List<Boolean> booleans(ByteString bytes) {
    ByteBuffer in = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 4) {
      throw new IllegalArgumentException("a BooleanArray needs a 4-byte count");
    }
    int count = in.getInt();
    if (count < 0 || (count + 7) / 8 > in.remaining()) {
      throw new IllegalArgumentException(
          "a BooleanArray of " + count + " values has " + in.remaining() + " bytes");
    }
    List<Boolean> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add((in.get(4 + i / 8) & (0x80 >>> (i % 8))) != 0);
    }
    return out;
  }

  private static ByteString packBooleans(List<?> values) {
    byte[] out = new byte[4 + (values.size() + 7) / 8];
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(values.size());
    for (int i = 0; i < values.size(); i++) {
      if ((Boolean) values.get(i)) {
        out[4 + i / 8] |= (byte) (0x80 >>> (i % 8));
      }
    }
    return ByteString.copyFrom(out);
  }

  private static List<String> strings(ByteString bytes) {
    byte[] in = bytes.toByteArray();
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < in.length; i++) {
      if (in[i] == 0) {
        out.add(new String(in, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return out;
  }

  private static ByteString packStrings(List<?> values) {
    ByteString.Output out = ByteString.newOutput();
    for (Object value : values) {
      byte[] text = ((String) value).getBytes(StandardCharsets.UTF_8);
      out.write(text, 0, text.length);
      out.write(0);
    }
    return out.toByteString();
  }
}
