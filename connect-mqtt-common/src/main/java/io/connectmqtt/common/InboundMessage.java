package io.connectmqtt.common;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A message received from the broker, version independent. {@link #acknowledge()} sends
 * PUBACK/PUBREC for QoS 1/2; until then the broker keeps the message in the session and redelivers
 * it after a reconnect.
 */
public record InboundMessage(
    String topic,
    byte[] payload,
    int qos,
    boolean retain,
    boolean dup,
    OptionalInt packetId,
    Optional<String> contentType,
    Optional<String> responseTopic,
    Optional<byte[]> correlationData,
    Optional<Boolean> payloadUtf8,
    OptionalLong messageExpirySeconds,
    List<Map.Entry<String, String>> userProperties,
    long receivedNanos,
    Runnable acknowledgement) {

  /** A message without MQTT 5 properties, neither retained nor a redelivery. */
  public static InboundMessage withoutProperties(
      String topic,
      byte[] payload,
      int qos,
      OptionalInt packetId,
      long receivedNanos,
      Runnable acknowledgement) {
    return new InboundMessage(
        topic,
        payload,
        qos,
        false,
        false,
        packetId,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        List.of(),
        receivedNanos,
        acknowledgement);
  }

  public void acknowledge() {
    acknowledgement.run();
  }
}
