package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.InboundMessage;
import java.util.OptionalInt;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * A message with presence records is acknowledged only once Kafka has every one of its records, in
 * any order.
 */
class MessageRecordTest {

  private static MessageRecord data() {
    InboundMessage message =
        FakeMqttConnection.message("sensors/d1/t", new byte[] {1}, 1, OptionalInt.of(7), () -> {});
    return new MessageRecord(
        message,
        null,
        null,
        "data",
        new SchemaAndValue(null, null),
        new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, new byte[] {1}),
        new ConnectHeaders());
  }

  private static SourceRecord presence(String device) {
    return new SourceRecord(
        null, null, "presence", null, Schema.STRING_SCHEMA, device, Schema.STRING_SCHEMA, "x");
  }

  @Test
  void aMessageWithoutPresenceRecordsIsDoneWithItsRecord() {
    assertThat(data().lastWritten()).isTrue();
  }

  @Test
  void theMessageWaitsForItsDataRecordAndEveryPresenceRecord() {
    MessageRecord data = data();
    MessageRecord node = data.alongside(presence("g/n"));
    MessageRecord device = data.alongside(presence("g/n/d"));
    assertThat(node.message).isSameAs(data.message);
    assertThat(node.topic()).isEqualTo("presence");
    assertThat(node.key()).isEqualTo("g/n");
    assertThat(data.lastWritten()).isFalse();
    assertThat(device.lastWritten()).isFalse();
    assertThat(node.lastWritten()).isTrue();
  }
}
