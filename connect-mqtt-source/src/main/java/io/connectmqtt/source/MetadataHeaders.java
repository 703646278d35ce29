package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttHeaders;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.header.ConnectHeaders;

/**
 * Which MQTT metadata headers the source writes ({@code record.headers}) and how. Every header
 * costs CPU in the Connect worker (the header converter, the producer's record encoding) and in the
 * Kafka broker, and bytes on disk; a connector whose consumers read only some of them can write
 * only those.
 */
final class MetadataHeaders {

  /** The metadata headers the source can write, in the order it writes them. */
  enum Header {
    TOPIC("topic"),
    QOS("qos"),
    RETAIN("retain"),
    DUP("dup"),
    MESSAGE_ID("message.id"),
    SOURCE("source"),
    CONTENT_TYPE("content.type"),
    RESPONSE_TOPIC("response.topic"),
    CORRELATION_DATA("correlation.data"),
    PAYLOAD_FORMAT("payload.format"),
    MESSAGE_EXPIRY("message.expiry"),
    USER("user");

    /** The name in {@code record.headers}: the header's name without 'mqtt.'. */
    final String configName;

    Header(String configName) {
      this.configName = configName;
    }
  }

  /** The values of {@code record.headers}, in the order the headers are written. */
  static final List<String> NAMES =
      Arrays.stream(Header.values()).map(header -> header.configName).toList();

  static final MetadataHeaders ALL = new MetadataHeaders(NAMES);

  private final EnumSet<Header> selected = EnumSet.noneOf(Header.class);

  MetadataHeaders(Collection<String> names) {
    for (Header header : Header.values()) {
      if (names.contains(header.configName)) {
        selected.add(header);
      }
    }
  }

  /** The selected headers of one message, MQTT 5 properties only where the message has them. */
  ConnectHeaders of(InboundMessage message) {
    ConnectHeaders headers = new ConnectHeaders();
    if (selected.contains(Header.TOPIC)) {
      headers.addString(MqttHeaders.TOPIC, message.topic());
    }
    if (selected.contains(Header.QOS)) {
      headers.addInt(MqttHeaders.QOS, message.qos());
    }
    if (selected.contains(Header.RETAIN)) {
      headers.addBoolean(MqttHeaders.RETAIN, message.retain());
    }
    if (selected.contains(Header.DUP)) {
      headers.addBoolean(MqttHeaders.DUP, message.dup());
    }
    if (selected.contains(Header.MESSAGE_ID)) {
      message.packetId().ifPresent(id -> headers.addInt(MqttHeaders.MESSAGE_ID, id));
    }
    if (selected.contains(Header.SOURCE)) {
      headers.addString(MqttHeaders.SOURCE, MqttHeaders.SOURCE_VALUE);
    }
    if (selected.contains(Header.CONTENT_TYPE)) {
      message.contentType().ifPresent(v -> headers.addString(MqttHeaders.CONTENT_TYPE, v));
    }
    if (selected.contains(Header.RESPONSE_TOPIC)) {
      message.responseTopic().ifPresent(v -> headers.addString(MqttHeaders.RESPONSE_TOPIC, v));
    }
    if (selected.contains(Header.CORRELATION_DATA)) {
      message.correlationData().ifPresent(v -> headers.addBytes(MqttHeaders.CORRELATION_DATA, v));
    }
    if (selected.contains(Header.PAYLOAD_FORMAT)) {
      message
          .payloadUtf8()
          .ifPresent(
              utf8 ->
                  headers.addString(
                      MqttHeaders.PAYLOAD_FORMAT,
                      utf8 ? MqttHeaders.PAYLOAD_FORMAT_UTF8 : MqttHeaders.PAYLOAD_FORMAT_BYTES));
    }
    if (selected.contains(Header.MESSAGE_EXPIRY)) {
      message.messageExpirySeconds().ifPresent(v -> headers.addLong(MqttHeaders.MESSAGE_EXPIRY, v));
    }
    if (selected.contains(Header.USER)) {
      for (Map.Entry<String, String> property : message.userProperties()) {
        headers.addString(
            MqttHeaders.USER_PROPERTY_PREFIX + property.getKey(), property.getValue());
      }
    }
    return headers;
  }
}
