package io.connectmqtt.sink;

import io.connectmqtt.common.MqttHeaders;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.common.publish.BadRecordException;
import io.connectmqtt.sparkplug.SparkplugEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.sink.SinkRecord;

/** Turns a sink record into the MQTT message to publish, or says why it cannot. */
final class MessageBuilder {

  private final RecordTemplate topicTemplate;
  private final int defaultQos;
  private final boolean defaultRetain;
  private final Set<String> mapped;
  private final boolean correlationBase64;
  private final String nullBehavior;
  private final int configuredMaxPayload;
  private final boolean sparkplug;

  MessageBuilder(MqttSinkConfig config) {
    this.topicTemplate = RecordTemplate.parse(config.getString(MqttSinkConfig.TOPIC_CONFIG));
    this.defaultQos = QosConfig.qos(config);
    this.defaultRetain = config.getBoolean(MqttSinkConfig.RETAIN_CONFIG);
    this.mapped = config.mappedHeaders();
    this.correlationBase64 =
        "base64".equalsIgnoreCase(config.getString(MqttSinkConfig.CORRELATION_ENCODING_CONFIG));
    this.nullBehavior = config.nullValueBehavior();
    this.configuredMaxPayload = config.getInt(MqttSinkConfig.MAX_PAYLOAD_CONFIG);
    this.sparkplug = config.sparkplug();
  }

  /**
   * The message for {@code record}, or null when the record is to be skipped (a tombstone with
   * 'skip').
   */
  OutboundMessage build(SinkRecord record, int brokerMaxPacket) throws BadRecordException {
    if (record.value() == null && MqttSinkConfig.NULL_SKIP.equals(nullBehavior)) {
      return null;
    }
    if (sparkplug && record.value() != null) {
      return sparkplugCommand(record, brokerMaxPacket);
    }
    String topic;
    try {
      topic = topicTemplate.render(record);
    } catch (RecordTemplate.RenderException e) {
      throw new BadRecordException(
          "cannot render the MQTT topic '" + topicTemplate + "': " + e.getMessage(), e);
    }
    String problem = TopicFilters.topicNameProblem(topic);
    if (problem != null) {
      throw new BadRecordException(
          "the rendered MQTT topic '" + abbreviate(topic) + "' is not publishable: " + problem,
          null);
    }
    byte[] payload;
    try {
      payload =
          record.value() == null
              ? new byte[0]
              : PayloadEncoder.encode(record.valueSchema(), record.value());
    } catch (RuntimeException e) {
      throw new BadRecordException("cannot turn the value into a payload: " + e.getMessage(), e);
    }
    checkSize(topic, payload, brokerMaxPacket);
    int qos =
        mapped.contains("qos") ? headerInt(record, MqttHeaders.QOS).orElse(defaultQos) : defaultQos;
    if (qos < 0 || qos > 2) {
      throw new BadRecordException(
          "header " + MqttHeaders.QOS + " is " + qos + "; QoS must be 0, 1 or 2", null);
    }
    boolean retain =
        mapped.contains("retain")
            ? headerBoolean(record, MqttHeaders.RETAIN).orElse(defaultRetain)
            : defaultRetain;
    if (record.value() == null && MqttSinkConfig.NULL_CLEAR_RETAINED.equals(nullBehavior)) {
      retain = true;
    }
    Optional<String> contentType =
        mapped.contains("content.type")
            ? headerString(record, MqttHeaders.CONTENT_TYPE)
            : Optional.empty();
    Optional<String> responseTopic =
        mapped.contains("response.topic")
            ? headerString(record, MqttHeaders.RESPONSE_TOPIC)
            : Optional.empty();
    if (responseTopic.isPresent() && TopicFilters.topicNameProblem(responseTopic.get()) != null) {
      throw new BadRecordException(
          "header "
              + MqttHeaders.RESPONSE_TOPIC
              + " '"
              + responseTopic.get()
              + "' is not a topic name: "
              + TopicFilters.topicNameProblem(responseTopic.get()),
          null);
    }
    Optional<byte[]> correlation =
        mapped.contains("correlation.data") ? correlationData(record) : Optional.empty();
    Optional<Boolean> utf8 =
        mapped.contains("payload.format")
            ? headerString(record, MqttHeaders.PAYLOAD_FORMAT)
                .map(MqttHeaders.PAYLOAD_FORMAT_UTF8::equalsIgnoreCase)
            : Optional.empty();
    OptionalLong expiry = OptionalLong.empty();
    if (mapped.contains("message.expiry")) {
      Optional<Long> seconds = headerLong(record, MqttHeaders.MESSAGE_EXPIRY);
      if (seconds.isPresent()) {
        expiry = OptionalLong.of(seconds.get());
      }
    }
    List<Map.Entry<String, String>> userProperties = new ArrayList<>();
    if (mapped.contains("user")) {
      for (Header header : record.headers()) {
        if (header.key().startsWith(MqttHeaders.USER_PROPERTY_PREFIX) && header.value() != null) {
          userProperties.add(
              Map.entry(
                  header.key().substring(MqttHeaders.USER_PROPERTY_PREFIX.length()),
                  text(header.value())));
        }
      }
    }
    return new OutboundMessage(
        topic,
        payload,
        qos,
        retain,
        contentType,
        responseTopic,
        correlation,
        utf8,
        expiry,
        userProperties);
  }

  private void checkSize(String topic, byte[] payload, int brokerMaxPacket)
      throws BadRecordException {
    int limit = configuredMaxPayload > 0 ? configuredMaxPayload : brokerMaxPacket;
    if (payload.length
        > (configuredMaxPayload > 0
            ? configuredMaxPayload
            : OutboundMessage.largestPayload(topic, brokerMaxPacket))) {
      throw new BadRecordException(
          "the payload of "
              + payload.length
              + " bytes exceeds the limit of "
              + limit
              + " bytes ("
              + (configuredMaxPayload > 0
                  ? MqttSinkConfig.MAX_PAYLOAD_CONFIG
                  : "the broker's maximum packet size")
              + ")",
          null);
    }
  }

  /**
   * A Sparkplug NCMD or DCMD from a Struct of the source's shape: QoS 0, not retained (Sparkplug
   * 3.0).
   */
  private OutboundMessage sparkplugCommand(SinkRecord record, int brokerMaxPacket)
      throws BadRecordException {
    if (!(record.value() instanceof Struct struct)) {
      throw new BadRecordException(
          "with "
              + MqttSinkConfig.PAYLOAD_ENCODING_CONFIG
              + "=sparkplug the value must be "
              + "a Struct (a converter with schemas), not "
              + record.value().getClass().getSimpleName(),
          null);
    }
    SparkplugEncoder.Encoded command;
    try {
      command = SparkplugEncoder.command(struct);
    } catch (RuntimeException e) {
      throw new BadRecordException("cannot encode a Sparkplug command: " + e.getMessage(), e);
    }
    String topic = command.topic().toString();
    String problem = TopicFilters.topicNameProblem(topic);
    if (problem != null) {
      throw new BadRecordException(
          "the Sparkplug topic '" + abbreviate(topic) + "' is not publishable: " + problem, null);
    }
    checkSize(topic, command.payload(), brokerMaxPacket);
    return OutboundMessage.of(topic, command.payload(), 0, false);
  }

  private Optional<byte[]> correlationData(SinkRecord record) throws BadRecordException {
    Header header = record.headers().lastWithName(MqttHeaders.CORRELATION_DATA);
    if (header == null || header.value() == null) {
      return Optional.empty();
    }
    Object value = header.value();
    if (value instanceof byte[] bytes) {
      return Optional.of(bytes);
    }
    if (value instanceof ByteBuffer buffer) {
      return Optional.of(PayloadEncoder.encode(null, buffer));
    }
    String text = text(value);
    if (!correlationBase64) {
      return Optional.of(text.getBytes(StandardCharsets.UTF_8));
    }
    try {
      return Optional.of(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      throw new BadRecordException(
          "header "
              + MqttHeaders.CORRELATION_DATA
              + " is not Base64 text; set "
              + MqttSinkConfig.CORRELATION_ENCODING_CONFIG
              + "=utf-8 to send it as UTF-8",
          e);
    }
  }

  private static String text(Object value) {
    if (value instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return String.valueOf(value);
  }

  private static Optional<String> headerString(SinkRecord record, String name) {
    Header header = record.headers().lastWithName(name);
    return header == null || header.value() == null
        ? Optional.empty()
        : Optional.of(text(header.value()));
  }

  private static Optional<Integer> headerInt(SinkRecord record, String name)
      throws BadRecordException {
    Optional<Long> value = headerLong(record, name);
    return value.map(Long::intValue);
  }

  private static Optional<Long> headerLong(SinkRecord record, String name)
      throws BadRecordException {
    Header header = record.headers().lastWithName(name);
    if (header == null || header.value() == null) {
      return Optional.empty();
    }
    Object value = header.value();
    if (value instanceof Number number) {
      return Optional.of(number.longValue());
    }
    try {
      return Optional.of(Long.parseLong(text(value).trim()));
    } catch (NumberFormatException e) {
      throw new BadRecordException(
          "header " + name + " is '" + text(value) + "', not a whole number", e);
    }
  }

  private static Optional<Boolean> headerBoolean(SinkRecord record, String name)
      throws BadRecordException {
    Header header = record.headers().lastWithName(name);
    if (header == null || header.value() == null) {
      return Optional.empty();
    }
    if (header.value() instanceof Boolean flag) {
      return Optional.of(flag);
    }
    String text = text(header.value()).trim();
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Optional.of(Boolean.parseBoolean(text));
    }
    throw new BadRecordException("header " + name + " is '" + text + "', not true or false", null);
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
