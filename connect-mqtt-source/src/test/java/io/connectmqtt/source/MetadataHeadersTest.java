package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.InboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.junit.jupiter.api.Test;

/** record.headers: which metadata headers the source writes. */
class MetadataHeadersTest {

  private static final InboundMessage FULL =
      new InboundMessage(
          "plant/1/temp",
          "21.5".getBytes(StandardCharsets.UTF_8),
          1,
          false,
          true,
          OptionalInt.of(7),
          Optional.of("text/plain"),
          Optional.of("replies/1"),
          Optional.of(new byte[] {1, 2}),
          Optional.of(true),
          OptionalLong.of(60),
          List.of(Map.entry("site", "berlin"), Map.entry("tag", "a"), Map.entry("tag", "b")),
          0,
          () -> {});

  @Test
  void theDefaultWritesEveryHeaderInTheDocumentedOrder() {
    MetadataHeaders selected =
        new MetadataHeaders(
            new MqttSourceConfig(config(null)).getList(RecordMappingConfig.HEADERS_CONFIG));
    assertThat(keys(selected.of(FULL)))
        .containsExactly(
            "mqtt.topic",
            "mqtt.qos",
            "mqtt.retain",
            "mqtt.dup",
            "mqtt.message.id",
            "source",
            "mqtt.content.type",
            "mqtt.response.topic",
            "mqtt.correlation.data",
            "mqtt.payload.format",
            "mqtt.message.expiry",
            "mqtt.user.site",
            "mqtt.user.tag",
            "mqtt.user.tag");
    assertThat(keys(RecordBuilder.headers(FULL))).isEqualTo(keys(selected.of(FULL)));
  }

  @Test
  void writesOnlyTheSelectedHeaders() {
    assertThat(keys(select("topic").of(FULL))).containsExactly("mqtt.topic");
    assertThat(keys(select("user,topic").of(FULL)))
        .containsExactly("mqtt.topic", "mqtt.user.site", "mqtt.user.tag", "mqtt.user.tag");
    assertThat(keys(select("message.id,correlation.data,message.expiry").of(FULL)))
        .containsExactly("mqtt.message.id", "mqtt.correlation.data", "mqtt.message.expiry");
    assertThat(keys(select("").of(FULL))).isEmpty();
    ConnectHeaders topicAndQos = select("topic,qos").of(FULL);
    assertThat(topicAndQos.lastWithName("mqtt.topic").value()).isEqualTo("plant/1/temp");
    assertThat(topicAndQos.lastWithName("mqtt.qos").value()).isEqualTo(1);
  }

  @Test
  void unknownNamesAreRefused() {
    assertThatThrownBy(() -> new MqttSourceConfig(config("topic,mqtt.qos")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("record.headers");
  }

  private static MetadataHeaders select(String list) {
    return new MetadataHeaders(
        new MqttSourceConfig(config(list)).getList(RecordMappingConfig.HEADERS_CONFIG));
  }

  private static Map<String, String> config(String headers) {
    Map<String, String> props = new HashMap<>();
    props.put(SubscriptionConfig.TOPICS_CONFIG, "plant/#");
    props.put("mqtt.server.uris", "tcp://localhost:1883");
    if (headers != null) {
      props.put(RecordMappingConfig.HEADERS_CONFIG, headers);
    }
    return props;
  }

  private static List<String> keys(ConnectHeaders headers) {
    List<String> keys = new ArrayList<>();
    for (Header header : headers) {
      keys.add(header.key());
    }
    return keys;
  }
}
