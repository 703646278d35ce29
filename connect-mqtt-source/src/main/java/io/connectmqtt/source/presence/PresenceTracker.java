package io.connectmqtt.source.presence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The presence state machine: every device seen, online or offline, with first and last seen. It
 * yields an event only when a device's state changes, never one per data message. Times come from
 * the caller (epoch ms), so tests drive it with a fake clock.
 */
final class PresenceTracker {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final class Device {
    boolean online;
    final long firstSeen;
    long lastSeen;

    /**
     * When the silence rule starts counting: the last message, or the task's start for a restored
     * device.
     */
    long silentSince;

    /** An edge node's Sparkplug session: the bdSeq of its last NBIRTH; null when unknown. */
    Long bdSeq;

    Device(boolean online, long firstSeen, long lastSeen, long silentSince) {
      this.online = online;
      this.firstSeen = firstSeen;
      this.lastSeen = lastSeen;
      this.silentSince = silentSince;
    }
  }

  private final PresenceRules rules;
  private final long offlineAfterMs;

  /** Sorted, so an edge node's devices ({@code group/node/...}) are one range. */
  private final TreeMap<String, Device> devices = new TreeMap<>();

  PresenceTracker(PresenceRules rules, long offlineAfterMs) {
    this.rules = rules;
    this.offlineAfterMs = offlineAfterMs;
  }

  int size() {
    return devices.size();
  }

  /** The events one MQTT message causes (none when nothing changes). */
  List<PresenceEvent> onMessage(String topic, byte[] payload, long now) {
    PresenceRules.Observation seen = rules.observe(topic, payload);
    if (seen == null) {
      return List.of();
    }
    List<PresenceEvent> events = new ArrayList<>(1);
    Device device = devices.get(seen.device());
    if (isDeathOfAnotherSession(seen, device)) {
      return List.of();
    }
    if (device != null && seen.signal() == PresenceRules.Signal.ONLINE && seen.bdSeq() != null) {
      device.bdSeq = seen.bdSeq();
    }
    switch (seen.signal()) {
      case SEEN, ONLINE -> {
        if (device == null) {
          device = new Device(true, now, now, now);
          device.bdSeq = seen.bdSeq();
          devices.put(seen.device(), device);
          events.add(event(seen.device(), device, seen.reason(), now, topic));
        } else {
          device.lastSeen = now;
          device.silentSince = now;
          if (!device.online) {
            device.online = true;
            events.add(event(seen.device(), device, seen.reason(), now, topic));
          }
        }
      }
      case OFFLINE, OFFLINE_WITH_DEVICES -> {
        // A Will or DEATH is sent by the broker or on the device's behalf: last seen stays the
        // device's own message.
        boolean explicit = PresenceEvent.EXPLICIT.equals(seen.reason());
        if (device == null) {
          device = new Device(false, now, now, now);
          devices.put(seen.device(), device);
          events.add(event(seen.device(), device, seen.reason(), now, topic));
        } else {
          if (explicit) {
            device.lastSeen = now;
          }
          if (device.online) {
            device.online = false;
            events.add(event(seen.device(), device, seen.reason(), now, topic));
          }
        }
        if (seen.signal() == PresenceRules.Signal.OFFLINE_WITH_DEVICES) {
          String prefix = seen.device() + "/";
          // '0' follows '/' in UTF-16 order: the range holds exactly the ids that start with the
          // prefix.
          for (Map.Entry<String, Device> child :
              devices.subMap(prefix, seen.device() + "0").entrySet()) {
            if (child.getValue().online) {
              child.getValue().online = false;
              events.add(event(child.getKey(), child.getValue(), seen.reason(), now, topic));
            }
          }
        }
      }
    }
    return events;
  }

  /**
   * Sparkplug 3.0: an NDEATH whose bdSeq is not the one of the node's current NBIRTH is the Will of
   * an earlier session, which the broker may deliver after the new NBIRTH. Where either is unknown
   * (no bdSeq, not protobuf) the NDEATH counts.
   */
  private static boolean isDeathOfAnotherSession(PresenceRules.Observation seen, Device node) {
    return seen.signal() == PresenceRules.Signal.OFFLINE_WITH_DEVICES
        && node != null
        && node.bdSeq != null
        && seen.bdSeq() != null
        && !node.bdSeq.equals(seen.bdSeq());
  }

  /**
   * Offline events for the online devices silent for the configured time; none when the rule is
   * off.
   */
  List<PresenceEvent> expire(long now) {
    if (offlineAfterMs <= 0) {
      return List.of();
    }
    List<PresenceEvent> events = new ArrayList<>(0);
    for (Map.Entry<String, Device> entry : devices.entrySet()) {
      Device device = entry.getValue();
      if (device.online && now - device.silentSince >= offlineAfterMs) {
        device.online = false;
        events.add(event(entry.getKey(), device, PresenceEvent.SILENCE, now, null));
      }
    }
    return events;
  }

  private static PresenceEvent event(
      String id, Device device, String reason, long now, String topic) {
    return new PresenceEvent(
        id, device.online, reason, device.firstSeen, device.lastSeen, now, topic);
  }

  /**
   * Every device's state as JSON text: {"device": [online 1/0, first seen, last seen, (bdSeq of an
   * edge node)], ...}.
   */
  String snapshot() {
    ObjectNode root = JSON.createObjectNode();
    devices.forEach(
        (id, device) -> {
          ArrayNode values =
              root.putArray(id)
                  .add(device.online ? 1 : 0)
                  .add(device.firstSeen)
                  .add(device.lastSeen);
          if (device.bdSeq != null) {
            values.add(device.bdSeq);
          }
        });
    return root.toString();
  }

  /**
   * Restores the state a previous task kept. Online devices get a full silence period from {@code
   * now}: how long they were silent while no task ran is unknown, and they must neither be
   * forgotten nor all timed out at once.
   */
  void restore(String snapshot, long now) {
    JsonNode root;
    try {
      root = JSON.readTree(snapshot);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("unreadable presence state: " + e.getOriginalMessage(), e);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      ArrayNode values = (ArrayNode) entry.getValue();
      Device device =
          new Device(
              values.get(0).asInt() == 1, values.get(1).asLong(), values.get(2).asLong(), now);
      // Absent in the state of earlier versions and for anything but an edge node.
      device.bdSeq = values.size() > 3 ? values.get(3).asLong() : null;
      devices.put(entry.getKey(), device);
    }
  }
}
