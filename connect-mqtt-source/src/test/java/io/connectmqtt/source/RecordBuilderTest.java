package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttIntake;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.header.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What one MQTT message becomes: topic, key, value, and where a bad payload goes. */
class RecordBuilderTest {

  private final List<InboundMessage> skipped = new ArrayList<>();
  private SourceTaskMetrics metrics;

  @AfterEach
  void closeMetrics() {
    metrics.close();
  }

  @Test
  void theKeyIsTheTopicALevelOfItOrNothingAsRecordKeySays() {
    MessageRecord byTopic = builder(Map.of()).record(message("sensors/room-1/t", "1"));
    assertThat(byTopic.keySchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    assertThat(byTopic.key()).isEqualTo("sensors/room-1/t");

    Map<String, String> level =
        Map.of(
            RecordMappingConfig.RECORD_KEY_CONFIG,
            RecordMappingConfig.KEY_LEVEL,
            RecordMappingConfig.RECORD_KEY_LEVEL_CONFIG,
            "2");
    assertThat(builder(level).record(message("sensors/room-1/t", "1")).key()).isEqualTo("room-1");
    MessageRecord tooShort = builder(level).record(message("sensors", "1"));
    assertThat(tooShort.keySchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    assertThat(tooShort.key()).isNull();

    MessageRecord none =
        builder(Map.of(RecordMappingConfig.RECORD_KEY_CONFIG, RecordMappingConfig.KEY_NONE))
            .record(message("sensors/room-1/t", "1"));
    assertThat(none.keySchema()).isNull();
    assertThat(none.key()).isNull();
  }

  @Test
  void aRecordCarriesItsMessageTheMappedTopicAndTheConvertedValue() {
    InboundMessage message = message("sensors/room-1", "21.5");
    MessageRecord record =
        builder(Map.of(RecordMappingConfig.VALUE_FORMAT_CONFIG, "string")).record(message);
    assertThat(record.message).isSameAs(message);
    assertThat(record.topic()).isEqualTo("mqtt-in");
    assertThat(record.valueSchema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
    assertThat(record.value()).isEqualTo("21.5");
    assertThat(record.sourcePartition()).isNull();
    assertThat(record.sourceOffset()).isNull();
    assertThat(metrics.value("errors-total")).isZero();
  }

  @Test
  void aBadPayloadFailsTheTaskWithoutErrorTolerance() {
    RecordBuilder builder = builder(Map.of(RecordMappingConfig.VALUE_FORMAT_CONFIG, "json"));
    assertThatThrownBy(() -> builder.record(badJson()))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("MQTT message on 'sensors/a' (for Kafka topic 'mqtt-in')")
        .hasMessageContaining("errors.tolerance=all");
    assertThat(metrics.value("errors-total")).isEqualTo(1);
    assertThat(skipped).isEmpty();
  }

  @Test
  void aBadPayloadIsSkippedAndAcknowledgedWithToleranceAndNoDeadLetterTopic() {
    InboundMessage bad = badJson();
    assertThat(tolerant("").record(bad)).isNull();
    assertThat(skipped).containsExactly(bad);
    assertThat(metrics.value("errors-total")).isEqualTo(1);
    assertThat(metrics.value("dead-lettered-total")).isZero();
  }

  @Test
  void aBadPayloadGoesRawToTheDeadLetterTopicWithWhy() {
    InboundMessage bad = badJson();
    MessageRecord record = tolerant("mqtt-dlq").record(bad);

    assertThat(record.message).isSameAs(bad);
    assertThat(record.topic()).isEqualTo("mqtt-dlq");
    assertThat(record.key()).isEqualTo("sensors/a");
    assertThat(record.valueSchema()).isEqualTo(Schema.OPTIONAL_BYTES_SCHEMA);
    assertThat(record.value()).isEqualTo(bad.payload());
    Headers headers = record.headers();
    assertThat(headers.lastWithName("__connect.errors.topic").value()).isEqualTo("mqtt-in");
    assertThat(headers.lastWithName("__connect.errors.connector.name").value()).isEqualTo("conn");
    assertThat(headers.lastWithName("__connect.errors.task.id").value()).isEqualTo(3);
    assertThat(headers.lastWithName("__connect.errors.stage").value())
        .isEqualTo(RecordBuilder.DLQ_STAGE);
    assertThat(headers.lastWithName("__connect.errors.exception.class.name").value())
        .isEqualTo(PayloadConverter.PayloadException.class.getName());
    assertThat(skipped).as("acknowledged once Kafka has the dead letter").isEmpty();
    assertThat(metrics.value("errors-total")).isEqualTo(1);
    assertThat(metrics.value("dead-lettered-total")).isEqualTo(1);
  }

  /** JSON values with errors.tolerance=all and {@code deadLetterTopic} (empty: none). */
  private RecordBuilder tolerant(String deadLetterTopic) {
    return builder(
        Map.of(
            RecordMappingConfig.VALUE_FORMAT_CONFIG,
            "json",
            ErrorToleranceConfig.ERRORS_TOLERANCE_CONFIG,
            "all",
            ErrorToleranceConfig.DLQ_TOPIC_CONFIG,
            deadLetterTopic));
  }

  private static InboundMessage badJson() {
    return message("sensors/a", "{not json");
  }

  private RecordBuilder builder(Map<String, String> extra) {
    MqttSourceConfig config = SourceTestSettings.config(extra);
    if (metrics != null) {
      metrics.close();
    }
    metrics = new SourceTaskMetrics("record-builder-test", 3, new MqttIntake(10));
    return new RecordBuilder(
        config,
        "conn",
        3,
        new PayloadConverter(
            config.valueFormat(),
            config.getBoolean(RecordMappingConfig.VALUE_SCHEMAS_ENABLE_CONFIG),
            config.jsonSchemaText()),
        null,
        metrics,
        skipped::add);
  }

  private static InboundMessage message(String topic, String payload) {
    return FakeMqttConnection.message(
        topic, payload.getBytes(StandardCharsets.UTF_8), 1, OptionalInt.of(1), () -> {});
  }
}
