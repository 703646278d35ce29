package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttHeaders;
import java.util.Collection;
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

  static final String TOPIC = "topic";
  static final String QOS = "qos";
  static final String RETAIN = "retain";
  static final String DUP = "dup";
  static final String MESSAGE_ID = "message.id";
  static final String SOURCE = "source";
  static final String CONTENT_TYPE = "content.type";
  static final String RESPONSE_TOPIC = "response.topic";
  static final String CORRELATION_DATA = "correlation.data";
  static final String PAYLOAD_FORMAT = "payload.format";
  static final String MESSAGE_EXPIRY = "message.expiry";
  static final String USER = "user";

  /** The values of {@code record.headers}, in the order the headers are written. */
  static final List<String> NAMES =
      List.of(
          TOPIC,
          QOS,
          RETAIN,
          DUP,
          MESSAGE_ID,
          SOURCE,
          CONTENT_TYPE,
          RESPONSE_TOPIC,
          CORRELATION_DATA,
          PAYLOAD_FORMAT,
          MESSAGE_EXPIRY,
          USER);

  static final MetadataHeaders ALL = new MetadataHeaders(NAMES);

  private final boolean topic;
  private final boolean qos;
  private final boolean retain;
  private final boolean dup;
  private final boolean messageId;
  private final boolean source;
  private final boolean contentType;
  private final boolean responseTopic;
  private final boolean correlationData;
  private final boolean payloadFormat;
  private final boolean messageExpiry;
  private final boolean user;

  MetadataHeaders(Collection<String> names) {
    topic = names.contains(TOPIC);
    qos = names.contains(QOS);
    retain = names.contains(RETAIN);
    dup = names.contains(DUP);
    messageId = names.contains(MESSAGE_ID);
    source = names.contains(SOURCE);
    contentType = names.contains(CONTENT_TYPE);
    responseTopic = names.contains(RESPONSE_TOPIC);
    correlationData = names.contains(CORRELATION_DATA);
    payloadFormat = names.contains(PAYLOAD_FORMAT);
    messageExpiry = names.contains(MESSAGE_EXPIRY);
    user = names.contains(USER);
  }

  /** The selected headers of one message, MQTT 5 properties only where the message has them. */
  ConnectHeaders of(InboundMessage message) {
    ConnectHeaders headers = new ConnectHeaders();
    if (topic) {
      headers.addString(MqttHeaders.TOPIC, message.topic());
    }
    if (qos) {
      headers.addInt(MqttHeaders.QOS, message.qos());
    }
    if (retain) {
      headers.addBoolean(MqttHeaders.RETAIN, message.retain());
    }
    if (dup) {
      headers.addBoolean(MqttHeaders.DUP, message.dup());
    }
    if (messageId) {
      message.packetId().ifPresent(id -> headers.addInt(MqttHeaders.MESSAGE_ID, id));
    }
    if (source) {
      headers.addString(MqttHeaders.SOURCE, MqttHeaders.SOURCE_VALUE);
    }
    if (contentType) {
      message.contentType().ifPresent(v -> headers.addString(MqttHeaders.CONTENT_TYPE, v));
    }
    if (responseTopic) {
      message.responseTopic().ifPresent(v -> headers.addString(MqttHeaders.RESPONSE_TOPIC, v));
    }
    if (correlationData) {
      message.correlationData().ifPresent(v -> headers.addBytes(MqttHeaders.CORRELATION_DATA, v));
    }
    if (payloadFormat) {
      message
          .payloadUtf8()
          .ifPresent(
              utf8 ->
                  headers.addString(
                      MqttHeaders.PAYLOAD_FORMAT,
                      utf8 ? MqttHeaders.PAYLOAD_FORMAT_UTF8 : MqttHeaders.PAYLOAD_FORMAT_BYTES));
    }
    if (messageExpiry) {
      message.messageExpirySeconds().ifPresent(v -> headers.addLong(MqttHeaders.MESSAGE_EXPIRY, v));
    }
    if (user) {
      for (Map.Entry<String, String> property : message.userProperties()) {
        headers.addString(
            MqttHeaders.USER_PROPERTY_PREFIX + property.getKey(), property.getValue());
      }
    }
    return headers;
  }
}
