package io.connectmqtt.source.presence;

/**
 * What presence needs of a Sparkplug B topic, {@code spBv1.0/{group}/{type}/{edge node}[/{device}]}: the message type
 * and the identity of the edge node ({@code group/node}) or device ({@code group/node/device}). The payload is never
 * read. Kept in this one class so it can share the Sparkplug value format's topic parser once both are merged.
 */
record SparkplugPresenceTopic(String type, String group, String edgeNode, String device) {

  static final String NAMESPACE = "spBv1.0";

  /** The parsed topic, or null when it is not an edge node or device topic (STATE, other namespaces, bad shapes). */
  static SparkplugPresenceTopic parse(String topic) {
    String[] levels = topic.split("/", -1);
    if (levels.length < 4 || levels.length > 5 || !NAMESPACE.equals(levels[0])) {
      return null;
    }
    String type = levels[2];
    boolean deviceType = type.charAt(0) == 'D';
    if (!type.matches("[ND](BIRTH|DEATH|DATA|CMD)") || levels.length != (deviceType ? 5 : 4)) {
      return null;
    }
    for (String level : levels) {
      if (level.isEmpty()) {
        return null;
      }
    }
    return new SparkplugPresenceTopic(type, levels[1], levels[3], deviceType ? levels[4] : null);
  }

  /** The edge node's identity, {@code group/node}. */
  String nodeId() {
    return group + "/" + edgeNode;
  }

  /** The identity this message is about: the device's ({@code group/node/device}) or the edge node's. */
  String id() {
    return device == null ? nodeId() : nodeId() + "/" + device;
  }

  boolean isBirth() {
    return type.endsWith("BIRTH");
  }

  boolean isDeath() {
    return type.endsWith("DEATH");
  }

  /** NCMD/DCMD come from host applications, not from the node: they say nothing about its presence. */
  boolean isCommand() {
    return type.endsWith("CMD");
  }
}
