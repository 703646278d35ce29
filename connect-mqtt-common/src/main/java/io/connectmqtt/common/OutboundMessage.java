package io.connectmqtt.common;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A message to publish, version independent; MQTT 5 properties are ignored on an MQTT 3.1.1
 * connection.
 */
public record OutboundMessage(
    String topic,
    byte[] payload,
    int qos,
    boolean retain,
    Optional<String> contentType,
    Optional<String> responseTopic,
    Optional<byte[]> correlationData,
    Optional<Boolean> payloadUtf8,
    OptionalLong messageExpirySeconds,
    List<Map.Entry<String, String>> userProperties) {

  /**
   * The largest payload a PUBLISH to {@code topic} may carry within the broker's {@code
   * maximumPacketSize}: the packet also holds the topic, and 1 KiB is left for the fixed header,
   * packet identifier and properties. Larger, the client fails the publish or the broker refuses
   * it.
   */
  public static int largestPayload(String topic, int maximumPacketSize) {
    return maximumPacketSize - topic.getBytes(StandardCharsets.UTF_8).length - 1_024;
  }

  /** A plain message without MQTT 5 properties. */
  public static OutboundMessage of(String topic, byte[] payload, int qos, boolean retain) {
    return new OutboundMessage(
        topic,
        payload,
        qos,
        retain,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        OptionalLong.empty(),
        List.of());
  }
}
