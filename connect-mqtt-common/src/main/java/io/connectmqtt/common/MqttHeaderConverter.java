package io.connectmqtt.common;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.components.Versioned;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.storage.HeaderConverter;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;

/**
 * A drop-in replacement for Kafka Connect's {@link SimpleHeaderConverter} that writes exactly the
 * same bytes, with less work for the values the MQTT connectors put into headers.
 *
 * <p>{@code SimpleHeaderConverter.fromConnectHeader} turns every value into a {@code String}
 * through {@code Values.convertToString} (a {@code StringBuilder}, a chain of {@code instanceof}
 * checks, the builder's copy) and then encodes that string as UTF-8. For strings, integers, longs,
 * shorts, bytes, booleans, floats, doubles and byte arrays this converter produces the same bytes
 * directly: a string is encoded once, a number is written as ASCII digits, a boolean is {@code
 * true}/{@code false}, a byte array is Base64 (as Connect writes it). Any other value (maps, lists,
 * structs, dates, decimals, buffers) goes to {@code SimpleHeaderConverter} unchanged, and so does
 * every read ({@link #toConnectHeader}): a sink reading these headers sees the same values either
 * way.
 *
 * <p>Set it per connector with {@code header.converter=io.connectmqtt.common.MqttHeaderConverter};
 * it is loaded from the plugin's own class loader and declared in {@code META-INF/services} for
 * {@code plugin.discovery=service_load}.
 */
public final class MqttHeaderConverter implements HeaderConverter, Versioned {

  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};

  private final SimpleHeaderConverter fallback = new SimpleHeaderConverter();

  @Override
  public String version() {
    return Versions.version(MqttHeaderConverter.class);
  }

  @Override
  public ConfigDef config() {
    return fallback.config();
  }

  @Override
  public void configure(Map<String, ?> configs) {
    fallback.configure(configs);
  }

  @Override
  public byte[] fromConnectHeader(String topic, String headerKey, Schema schema, Object value) {
    if (value == null) {
      return null;
    }
    // Exact classes only: a subclass could override toString(), which Connect would use.
    Class<?> type = value.getClass();
    if (type == String.class) {
      return ((String) value).getBytes(StandardCharsets.UTF_8);
    }
    if (type == Integer.class) {
      return digits((Integer) value);
    }
    if (type == Long.class) {
      return digits((Long) value);
    }
    if (type == Boolean.class) {
      // A fresh array each time: the producer and its interceptors receive it and may keep or
      // change it.
      return ((Boolean) value ? TRUE : FALSE).clone();
    }
    if (type == byte[].class) {
      return Base64.getEncoder().encode((byte[]) value);
    }
    if (type == Short.class || type == Byte.class) {
      return digits(((Number) value).longValue());
    }
    if (type == Double.class || type == Float.class) {
      return value.toString().getBytes(StandardCharsets.US_ASCII);
    }
    return fallback.fromConnectHeader(topic, headerKey, schema, value);
  }

  @Override
  public SchemaAndValue toConnectHeader(String topic, String headerKey, byte[] value) {
    return fallback.toConnectHeader(topic, headerKey, value);
  }

  @Override
  public void close() throws java.io.IOException {
    fallback.close();
  }

  /** {@code Long.toString(value)} as ASCII bytes, without the intermediate string. */
  static byte[] digits(long value) {
    // Counted and written on the negative side, where Long.MIN_VALUE has a magnitude too.
    boolean negative = value < 0;
    long rest = negative ? value : -value;
    int length = negative ? 2 : 1;
    for (long r = rest; r <= -10; r /= 10) {
      length++;
    }
    byte[] bytes = new byte[length];
    int at = length;
    do {
      bytes[--at] = (byte) ('0' - (int) (rest % 10));
      rest /= 10;
    } while (rest != 0);
    if (negative) {
      bytes[0] = '-';
    }
    return bytes;
  }
}
