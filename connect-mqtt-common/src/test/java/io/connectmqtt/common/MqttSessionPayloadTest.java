package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MqttSessionPayloadTest {

  @Test
  void payloadBytesAreTheMessagesBytes() {
    byte[] bytes = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").payload(bytes).build();
    assertThat(MqttSession.payload(publish)).isEqualTo(bytes);
  }

  @Test
  void aPayloadThatIsPartOfALargerBufferIsCopiedExactly() {
    ByteBuffer larger =
        ByteBuffer.wrap("xxpayloadyy".getBytes(StandardCharsets.US_ASCII), 2, 7).slice();
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").payload(larger).build();
    assertThat(new String(MqttSession.payload(publish), StandardCharsets.US_ASCII))
        .isEqualTo("payload");
  }

  @Test
  void anEmptyPayloadIsAnEmptyArray() {
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").build();
    assertThat(MqttSession.payload(publish)).isEmpty();
  }
}
