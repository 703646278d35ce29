package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttHeaderConverter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.junit.jupiter.api.Test;

/**
 * The headers the source task writes, for seeded random MQTT messages with and without every MQTT 5
 * property, converted by MqttHeaderConverter and by Connect's default SimpleHeaderConverter: the
 * same bytes, header by header, and the same values read back.
 */
class SourceHeadersConverterTest {

  @Test
  void everyHeaderTheTaskWritesHasTheDefaultConvertersBytes() {
    SimpleHeaderConverter simple = new SimpleHeaderConverter();
    MqttHeaderConverter ours = new MqttHeaderConverter();
    Random random = new Random(42);
    int headersCompared = 0;
    for (int i = 0; i < 10_000; i++) {
      InboundMessage message = randomMessage(random);
      for (Header header : RecordBuilder.headers(message)) {
        byte[] expected =
            simple.fromConnectHeader("kafka.topic", header.key(), header.schema(), header.value());
        byte[] actual =
            ours.fromConnectHeader("kafka.topic", header.key(), header.schema(), header.value());
        assertThat(actual).as("%s = %s", header.key(), header.value()).isEqualTo(expected);
        assertThat(ours.toConnectHeader("kafka.topic", header.key(), actual))
            .isEqualTo(simple.toConnectHeader("kafka.topic", header.key(), expected));
        headersCompared++;
      }
    }
    assertThat(headersCompared).isGreaterThan(10_000 * 6);
  }

  private static InboundMessage randomMessage(Random random) {
    boolean mqtt5 = random.nextBoolean();
    int qos = random.nextInt(3);
    List<Map.Entry<String, String>> userProperties = new ArrayList<>();
    if (mqtt5) {
      for (int p = random.nextInt(4); p > 0; p--) {
        userProperties.add(Map.entry(text(random), text(random)));
      }
    }
    byte[] correlation = new byte[random.nextInt(32)];
    random.nextBytes(correlation);
    return new InboundMessage(
        "devices/" + text(random) + "/telemetry",
        "payload".getBytes(StandardCharsets.UTF_8),
        qos,
        random.nextBoolean(),
        random.nextBoolean(),
        qos == 0 ? OptionalInt.empty() : OptionalInt.of(1 + random.nextInt(65_535)),
        mqtt5 && random.nextBoolean() ? Optional.of(text(random)) : Optional.empty(),
        mqtt5 && random.nextBoolean() ? Optional.of("replies/" + text(random)) : Optional.empty(),
        mqtt5 && random.nextBoolean() ? Optional.of(correlation) : Optional.empty(),
        mqtt5 && random.nextBoolean() ? Optional.of(random.nextBoolean()) : Optional.empty(),
        mqtt5 && random.nextBoolean()
            ? OptionalLong.of(random.nextLong() & 0xffffffffL)
            : OptionalLong.empty(),
        userProperties,
        System.nanoTime(),
        () -> {});
  }

  /** Empty, ASCII, accented, CJK, emoji and quote/backslash text. */
  private static String text(Random random) {
    String[] parts = {
      "",
      "a",
      "plant-1",
      "caf\u00e9",
      "\u65e5\u672c",
      "\ud83d\ude00",
      "\"q\"",
      "\\",
      " ",
      "42",
      "true",
      "[x]"
    };
    StringBuilder s = new StringBuilder();
    for (int n = random.nextInt(4); n > 0; n--) {
      s.append(parts[random.nextInt(parts.length)]);
    }
    return s.toString();
  }
}
