package io.connectmqtt.sparkplug;

import java.util.Locale;

/**
 * A Sparkplug B topic: {@code spBv1.0/{group}/{type}/{edge node}[/{device}]}, or a host
 * application's {@code spBv1.0/STATE/{host id}}.
 *
 * @param group null for STATE
 * @param edgeNode null for STATE
 * @param device null for node messages and STATE
 * @param hostId the host application of a STATE message, else null
 */
public record SparkplugTopic(
    String group, MessageType type, String edgeNode, String device, String hostId) {

  public static final String NAMESPACE = "spBv1.0";

  public enum MessageType {
    NBIRTH,
    NDATA,
    NDEATH,
    NCMD,
    DBIRTH,
    DDATA,
    DDEATH,
    DCMD,
    STATE;

    public boolean isDevice() {
      return name().charAt(0) == 'D';
    }

    public boolean isBirth() {
      return this == NBIRTH || this == DBIRTH;
    }

    public boolean isData() {
      return this == NDATA || this == DDATA;
    }

    public boolean isCommand() {
      return this == NCMD || this == DCMD;
    }
  }

  /** Parses a topic; throws IllegalArgumentException saying why it is not Sparkplug B. */
  public static SparkplugTopic parse(String topic) {
    String[] levels = topic.split("/", -1);
    if (levels.length < 3 || !NAMESPACE.equals(levels[0])) {
      throw new IllegalArgumentException(
          "'"
              + topic
              + "' is not a Sparkplug B topic ("
              + NAMESPACE
              + "/group/TYPE/edge node[/device])");
    }
    if (levels.length == 3 && levels[1].equals("STATE")) {
      return new SparkplugTopic(null, MessageType.STATE, null, null, levels[2]);
    }
    MessageType type;
    try {
      type = MessageType.valueOf(levels[2].toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + topic + "' has no Sparkplug B message type at level 3: " + levels[2]);
    }
    if (type == MessageType.STATE || levels.length != (type.isDevice() ? 5 : 4)) {
      throw new IllegalArgumentException(
          "'" + topic + "': a " + type + " topic has " + (type.isDevice() ? "5" : "4") + " levels");
    }
    return new SparkplugTopic(levels[1], type, levels[3], type.isDevice() ? levels[4] : null, null);
  }

  /** A command topic: NCMD without a device, DCMD with one. */
  public static SparkplugTopic command(String group, String edgeNode, String device) {
    return new SparkplugTopic(
        group, device == null ? MessageType.NCMD : MessageType.DCMD, edgeNode, device, null);
  }

  /**
   * The edge node this message is of, "group/edge node" (null for STATE): the key of its session
   * state.
   */
  public String nodeKey() {
    return type == MessageType.STATE ? null : group + "/" + edgeNode;
  }

  @Override
  public String toString() {
    if (type == MessageType.STATE) {
      return NAMESPACE + "/STATE/" + hostId;
    }
    return NAMESPACE
        + "/"
        + group
        + "/"
        + type
        + "/"
        + edgeNode
        + (device == null ? "" : "/" + device);
  }
}
