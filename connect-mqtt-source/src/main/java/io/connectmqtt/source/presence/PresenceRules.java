package io.connectmqtt.source.presence;

import io.connectmqtt.sparkplug.SparkplugDecoder;
import io.connectmqtt.sparkplug.SparkplugTopic;
import io.connectmqtt.sparkplug.SparkplugTopic.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Reads what one MQTT message says about a device, by the configured identity rules, in this order:
 * Sparkplug B topics (when enabled), Will topic patterns, status topic patterns, device topic
 * patterns. The first that matches decides; a message none matches says nothing.
 */
final class PresenceRules {

  enum Signal {
    /** The device sent something: online if it was not. */
    SEEN,
    ONLINE,
    OFFLINE,
    /** An edge node's NDEATH: the node and every device under it go offline. */
    OFFLINE_WITH_DEVICES
  }

  /**
   * What a message says of one device; {@code bdSeq} is the Sparkplug session number an NBIRTH or
   * NDEATH carries (null otherwise, or when unreadable).
   */
  record Observation(String device, Signal signal, String reason, Long bdSeq) {
    Observation(String device, Signal signal, String reason) {
      this(device, signal, reason, null);
    }
  }

  private final boolean sparkplug;
  private final List<TopicPattern> willTopics;
  private final List<TopicPattern> statusTopics;
  private final List<TopicPattern> deviceTopics;
  private final byte[] onlinePayload;
  private final byte[] offlinePayload;

  PresenceRules(
      boolean sparkplug,
      List<TopicPattern> willTopics,
      List<TopicPattern> statusTopics,
      List<TopicPattern> deviceTopics,
      String onlinePayload,
      String offlinePayload) {
    this.sparkplug = sparkplug;
    this.willTopics = List.copyOf(willTopics);
    this.statusTopics = List.copyOf(statusTopics);
    this.deviceTopics = List.copyOf(deviceTopics);
    this.onlinePayload = onlinePayload.getBytes(StandardCharsets.UTF_8);
    this.offlinePayload = offlinePayload.getBytes(StandardCharsets.UTF_8);
  }

  /** What the message says, or null when it says nothing about any device. */
  Observation observe(String topic, byte[] payload) {
    if (sparkplug && topic.startsWith(SparkplugTopic.NAMESPACE + "/")) {
      return sparkplug(topic, payload);
    }
    String device = device(willTopics, topic);
    if (device != null) {
      // A device that announces itself on its Will topic (retained "online", Will "offline") is
      // online again.
      return Arrays.equals(payload, onlinePayload)
          ? new Observation(device, Signal.ONLINE, PresenceEvent.EXPLICIT)
          : new Observation(device, Signal.OFFLINE, PresenceEvent.WILL);
    }
    device = device(statusTopics, topic);
    if (device != null) {
      if (Arrays.equals(payload, onlinePayload)) {
        return new Observation(device, Signal.ONLINE, PresenceEvent.EXPLICIT);
      }
      return Arrays.equals(payload, offlinePayload)
          ? new Observation(device, Signal.OFFLINE, PresenceEvent.EXPLICIT)
          : new Observation(device, Signal.SEEN, PresenceEvent.MESSAGE);
    }
    device = device(deviceTopics, topic);
    return device == null ? null : new Observation(device, Signal.SEEN, PresenceEvent.MESSAGE);
  }

  /** The device the first of {@code patterns} that matches {@code topic} names; null if none. */
  private static String device(List<TopicPattern> patterns, String topic) {
    for (TopicPattern pattern : patterns) {
      String device = pattern.device(topic);
      if (device != null) {
        return device;
      }
    }
    return null;
  }

  /**
   * An edge node is {@code group/node}, a device {@code group/node/device}; only the topic is read,
   * and the bdSeq of an NBIRTH or NDEATH. NCMD/DCMD come from host applications and STATE is a
   * host's: they say nothing about a node's presence.
   */
  private static Observation sparkplug(String topic, byte[] payload) {
    SparkplugTopic spb;
    try {
      spb = SparkplugTopic.parse(topic);
    } catch (IllegalArgumentException notAnEdgeNodeTopic) {
      return null;
    }
    MessageType type = spb.type();
    if (type == MessageType.STATE || type.isCommand()) {
      return null;
    }
    String id = spb.device() == null ? spb.nodeKey() : spb.nodeKey() + "/" + spb.device();
    if (type == MessageType.NBIRTH) {
      return new Observation(
          id, Signal.ONLINE, PresenceEvent.BIRTH, SparkplugDecoder.bdSeq(payload));
    }
    if (type.isBirth()) {
      return new Observation(id, Signal.ONLINE, PresenceEvent.BIRTH);
    }
    if (type == MessageType.NDEATH) {
      return new Observation(
          id, Signal.OFFLINE_WITH_DEVICES, PresenceEvent.NDEATH, SparkplugDecoder.bdSeq(payload));
    }
    if (type == MessageType.DDEATH) {
      return new Observation(id, Signal.OFFLINE, PresenceEvent.DDEATH);
    }
    return new Observation(id, Signal.SEEN, PresenceEvent.MESSAGE);
  }
}
