package io.connectmqtt.source.presence;

/**
 * A change of one device's presence. Times are epoch milliseconds; {@code topic} is the MQTT topic
 * of the message that caused it (null for silence).
 */
record PresenceEvent(
    String device,
    boolean online,
    String reason,
    long firstSeen,
    long lastSeen,
    long timestamp,
    String topic) {

  static final String BIRTH = "birth";
  static final String MESSAGE = "message";
  static final String EXPLICIT = "explicit";
  static final String WILL = "will";
  static final String NDEATH = "ndeath";
  static final String DDEATH = "ddeath";
  static final String SILENCE = "silence";

  String state() {
    return online ? "online" : "offline";
  }
}
