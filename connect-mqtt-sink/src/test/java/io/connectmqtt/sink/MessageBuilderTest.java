package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.OutboundMessage;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class MessageBuilderTest {

  private static MessageBuilder builder(String... keyValues) {
    Map<String, String> props =
        new HashMap<>(Map.of("mqtt.server.uris", "tcp://a", "mqtt.topic", "t/${key}"));
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      props.put(keyValues[i], keyValues[i + 1]);
    }
    return new MessageBuilder(new MqttSinkConfig(props));
  }

  private static SinkRecord record(Object value, ConnectHeaders headers) {
    return new SinkRecord(
        "topic", 0, Schema.STRING_SCHEMA, "k", null, value, 7L, null, null, headers);
  }

  @Test
  void headersOverrideQosAndRetainAndBecomeProperties() throws Exception {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("mqtt.qos", "2");
    headers.addBoolean("mqtt.retain", true);
    headers.addString(
        "mqtt.correlation.data", Base64.getEncoder().encodeToString(new byte[] {1, 2}));
    headers.addLong("mqtt.message.expiry", 30L);
    headers.addString("mqtt.user.a", "1");
    headers.addString("mqtt.user.a", "2");
    OutboundMessage message = builder().build(record("v", headers), 1 << 20);
    assertThat(message.topic()).isEqualTo("t/k");
    assertThat(message.qos()).isEqualTo(2);
    assertThat(message.retain()).isTrue();
    assertThat(message.correlationData())
        .hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2));
    assertThat(message.messageExpirySeconds().getAsLong()).isEqualTo(30);
    assertThat(message.userProperties())
        .extracting(e -> e.getKey() + "=" + e.getValue())
        .containsExactly("a=1", "a=2");
  }

  @Test
  void sparkplugStructsBecomeCommandsAtQos0AndOtherValuesAreBadRecords() throws Exception {
    MessageBuilder sparkplug =
        builder("mqtt.payload.encoding", "sparkplug", "mqtt.qos", "2", "mqtt.retain", "true");
    org.apache.kafka.connect.data.Struct ncmd =
        new org.apache.kafka.connect.data.Struct(io.connectmqtt.sparkplug.SparkplugSchemas.MESSAGE)
            .put("namespace", "spBv1.0")
            .put("group", "g1")
            .put("messageType", "NCMD")
            .put("edgeNode", "n1")
            .put("metrics", java.util.List.of());
    OutboundMessage message = sparkplug.build(record(ncmd, new ConnectHeaders()), 1 << 20);
    assertThat(message.topic()).isEqualTo("spBv1.0/g1/NCMD/n1");
    assertThat(message.qos()).isZero();
    assertThat(message.retain()).isFalse();
    assertThatThrownBy(() -> sparkplug.build(record("text", new ConnectHeaders()), 1 << 20))
        .isInstanceOf(io.connectmqtt.common.publish.BadRecordException.class)
        .hasMessageContaining("must be a Struct");
    ncmd.put("messageType", "NDATA");
    assertThatThrownBy(() -> sparkplug.build(record(ncmd, new ConnectHeaders()), 1 << 20))
        .hasMessageContaining("NCMD or DCMD only");
  }

  @Test
  void unmappedHeadersAreIgnored() throws Exception {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("mqtt.qos", "2");
    headers.addString("mqtt.user.a", "1");
    OutboundMessage message =
        builder("mqtt.properties.from.headers", "retain").build(record("v", headers), 1 << 20);
    assertThat(message.qos()).isEqualTo(1);
    assertThat(message.userProperties()).isEmpty();
  }

  @Test
  void oversizeBadHeadersAndTombstonesAreHandled() throws Exception {
    assertThatThrownBy(
            () ->
                builder("mqtt.max.payload.bytes", "10")
                    .build(record("01234567890", new ConnectHeaders()), 1 << 20))
        .hasMessageContaining("11 bytes exceeds the limit of 10");
    assertThatThrownBy(
            () -> builder().build(record("x".repeat(2_000), new ConnectHeaders()), 2_048))
        .hasMessageContaining("broker's maximum packet size");
    ConnectHeaders badQos = new ConnectHeaders();
    badQos.addString("mqtt.qos", "high");
    assertThatThrownBy(() -> builder().build(record("v", badQos), 1 << 20))
        .hasMessageContaining("mqtt.qos");
    assertThat(builder().build(record(null, new ConnectHeaders()), 1 << 20))
        .as("skip by default")
        .isNull();
    OutboundMessage empty =
        builder("mqtt.null.value.behavior", "empty")
            .build(record(null, new ConnectHeaders()), 1 << 20);
    assertThat(empty.payload()).isEmpty();
    assertThat(empty.retain()).isFalse();
    OutboundMessage clear =
        builder("mqtt.null.value.behavior", "clear-retained")
            .build(record(null, new ConnectHeaders()), 1 << 20);
    assertThat(clear.payload()).isEmpty();
    assertThat(clear.retain()).isTrue();
    assertThat(
            new String(
                builder().build(record("h\u00e9", new ConnectHeaders()), 1 << 20).payload(),
                StandardCharsets.UTF_8))
        .isEqualTo("h\u00e9");
  }
}
