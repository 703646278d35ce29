package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HiveMQ client internals this suite reads ({@link HiveMqInternals}). A client upgrade that
 * moves them fails here, at build time, instead of silently dropping the {@code mqtt.dup} and
 * {@code mqtt.message.id} headers: a socket plays the broker and sends real PUBLISH packets with
 * known DUP flags and packet identifiers to a real connection of each protocol version.
 */
class HiveMqInternalsTest {

  private static final String TOPIC = "sensors/dup";

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(strings = {MqttConnectionConfig.VERSION_5, MqttConnectionConfig.VERSION_3_1_1})
  void receivedPublishesCarryTheirDupFlagPacketIdAndPayload(String version) throws Exception {
    boolean mqtt5 = version.equals(MqttConnectionConfig.VERSION_5);
    BlockingQueue<InboundMessage> received = new LinkedBlockingQueue<>();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        MqttConnection connection =
            MqttConnectionFactory.HIVEMQ.create(settings(server.getLocalPort(), version), 10)) {
      server.setSoTimeout(10_000);
      connection.onMessage(received::add, Runnable::run);
      connection.connect();
      try (Socket broker = server.accept()) {
        broker.setSoTimeout(10_000);
        InputStream in = broker.getInputStream();
        OutputStream out = broker.getOutputStream();
        assertThat(readPacket(in)[0] & 0xF0).as("CONNECT").isEqualTo(0x10);
        out.write(mqtt5 ? new byte[] {0x20, 3, 0, 0, 0} : new byte[] {0x20, 2, 0, 0});
        // A QoS 0 message first: it has no packet id, and the client keeps it in another class.
        out.write(publishQos0(mqtt5, "at most once"));
        out.write(publish(mqtt5, true, 4242, "redelivered"));
        out.write(publish(mqtt5, false, 7, "first time"));
        out.flush();

        InboundMessage atMostOnce = received.poll(10, TimeUnit.SECONDS);
        InboundMessage redelivered = received.poll(10, TimeUnit.SECONDS);
        InboundMessage first = received.poll(10, TimeUnit.SECONDS);
        assertThat(HiveMqInternals.unavailable())
            .as("HiveMQ client %s: internals this suite reads", HiveMqInternals.clientVersion())
            .isEmpty();
        assertThat(atMostOnce).isNotNull();
        assertThat(atMostOnce.dup()).isFalse();
        assertThat(atMostOnce.packetId()).isEmpty();
        assertThat(redelivered).isNotNull();
        assertThat(redelivered.topic()).isEqualTo(TOPIC);
        assertThat(redelivered.dup()).as("DUP of the redelivered publish").isTrue();
        assertThat(redelivered.packetId()).hasValue(4242);
        assertThat(new String(redelivered.payload(), StandardCharsets.UTF_8))
            .isEqualTo("redelivered");
        assertThat(first).isNotNull();
        assertThat(first.dup()).as("DUP of a first delivery").isFalse();
        assertThat(first.packetId()).hasValue(7);
        assertThat(new String(first.payload(), StandardCharsets.UTF_8)).isEqualTo("first time");

        // Manual acknowledgement still reaches the wire through the version's own publish object.
        redelivered.acknowledge();
        byte[] puback = readPacket(in);
        assertThat(puback[0] & 0xF0).as("PUBACK").isEqualTo(0x40);
        assertThat(((puback[2] & 0xFF) << 8) | (puback[3] & 0xFF)).isEqualTo(4242);
      }
    }
  }

  @Test
  void aLocallyBuiltPublishHasNoDupOrPacketId() {
    Mqtt5Publish publish = Mqtt5Publish.builder().topic(TOPIC).build();
    assertThat(HiveMqInternals.stateful(publish)).isEqualTo(HiveMqInternals.Stateful.UNKNOWN);
  }

  @Test
  void theClientVersionIsRead() {
    assertThat(HiveMqInternals.clientVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
  }

  @Test
  void payloadBytesAreTheMessagesBytes() {
    byte[] bytes = "{\"t\":21.5}".getBytes(StandardCharsets.UTF_8);
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").payload(bytes).build();
    assertThat(HiveMqInternals.payload(publish)).isEqualTo(bytes);
  }

  @Test
  void aPayloadThatIsPartOfALargerBufferIsCopiedExactly() {
    ByteBuffer larger =
        ByteBuffer.wrap("xxpayloadyy".getBytes(StandardCharsets.US_ASCII), 2, 7).slice();
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").payload(larger).build();
    assertThat(new String(HiveMqInternals.payload(publish), StandardCharsets.US_ASCII))
        .isEqualTo("payload");
  }

  @Test
  void anEmptyPayloadIsAnEmptyArray() {
    Mqtt5Publish publish = Mqtt5Publish.builder().topic("a/b").build();
    assertThat(HiveMqInternals.payload(publish)).isEmpty();
  }

  private static MqttConnectionConfig.MqttConnectionSettings settings(int port, String version) {
    AbstractConfig config =
        new AbstractConfig(
            MqttConnectionConfig.define(new ConfigDef()),
            Map.of(
                MqttConnectionConfig.SERVER_URIS_CONFIG,
                "tcp://127.0.0.1:" + port,
                MqttConnectionConfig.VERSION_CONFIG,
                version));
    return MqttConnectionConfig.settings(config, "internals-test");
  }

  /** A QoS 1 PUBLISH as a broker sends it (short enough for a one-byte remaining length). */
  private static byte[] publish(boolean mqtt5, boolean dup, int packetId, String payload) {
    byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
    byte[] body = payload.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    packet.write(0x30 | (dup ? 0x08 : 0) | 0x02);
    packet.write(2 + topic.length + 2 + (mqtt5 ? 1 : 0) + body.length);
    packet.write(topic.length >> 8);
    packet.write(topic.length);
    packet.writeBytes(topic);
    packet.write(packetId >> 8);
    packet.write(packetId);
    if (mqtt5) {
      packet.write(0); // no properties
    }
    packet.writeBytes(body);
    return packet.toByteArray();
  }

  private static byte[] publishQos0(boolean mqtt5, String payload) {
    byte[] topic = TOPIC.getBytes(StandardCharsets.UTF_8);
    byte[] body = payload.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream packet = new ByteArrayOutputStream();
    packet.write(0x30);
    packet.write(2 + topic.length + (mqtt5 ? 1 : 0) + body.length);
    packet.write(0);
    packet.write(topic.length);
    packet.writeBytes(topic);
    if (mqtt5) {
      packet.write(0);
    }
    packet.writeBytes(body);
    return packet.toByteArray();
  }

  /** One MQTT packet: its first byte, its remaining length (as one byte here), its body. */
  private static byte[] readPacket(InputStream in) throws IOException {
    int type = in.read();
    int length = 0;
    int shift = 0;
    int b;
    do {
      b = in.read();
      length |= (b & 0x7F) << shift;
      shift += 7;
    } while ((b & 0x80) != 0);
    byte[] packet = new byte[2 + length];
    packet[0] = (byte) type;
    packet[1] = (byte) Math.min(length, 0x7F);
    System.arraycopy(in.readNBytes(length), 0, packet, 2, length);
    return packet;
  }
}
