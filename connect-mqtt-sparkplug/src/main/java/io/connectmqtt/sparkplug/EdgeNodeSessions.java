package io.connectmqtt.sparkplug;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.sparkplug.SparkplugDecoder.Decoded;
import io.connectmqtt.sparkplug.SparkplugTopic.MessageType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a Sparkplug consumer keeps per edge node: the last BIRTH certificate of the node and of each
 * of its devices, its bdSeq, and the last seq (one counter for the node and its devices, 0 to 255,
 * wrapping).
 *
 * <p>The certificates outlive a restart of the consumer through {@link #partition}/{@link #offset}:
 * the source connector stores each BIRTH's certificate (and each DEATH's end of it) as the Kafka
 * Connect source offset of that BIRTH's record, one source partition per node or device, so it is
 * kept exactly when Kafka has the record. After a restart {@link #birth} reads it back the first
 * time the node or device shows up, through {@code stored}. The seq is not kept: the first message
 * after a restart starts the count anew.
 */
public final class EdgeNodeSessions {

  /**
   * What one message says about the session: messages missed before it, and whether it is a stale
   * NDEATH.
   */
  public record Observation(int missed, boolean staleDeath) {
    static final Observation NONE = new Observation(0, false);
  }

  static final String PARTITION_NODE = "sparkplug.node";
  static final String PARTITION_DEVICE = "sparkplug.device";
  static final String OFFSET_ALIASES = "aliases";
  static final String OFFSET_BD_SEQ = "bdSeq";

  private static final class Node {
    Long bdSeq;
    Long lastSeq;
    final Map<String, BirthCertificate> births = new HashMap<>();
    final Map<String, Boolean> looked = new HashMap<>();
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final Function<Map<String, String>, Map<String, Object>> stored;
  private final Map<String, Node> nodes = new HashMap<>();

  /**
   * {@code stored} returns the offset stored for a partition, or null (e.g. Connect's
   * OffsetStorageReader).
   */
  public EdgeNodeSessions(Function<Map<String, String>, Map<String, Object>> stored) {
    this.stored = stored;
  }

  /** The certificate of the topic's node (no device) or device: kept, else stored, else null. */
  public BirthCertificate birth(SparkplugTopic topic) {
    if (topic.type() == MessageType.STATE) {
      return null;
    }
    Node node = nodes.computeIfAbsent(topic.nodeKey(), key -> new Node());
    String device = deviceKey(topic);
    BirthCertificate birth = node.births.get(device);
    if (birth == null && node.looked.putIfAbsent(device, Boolean.TRUE) == null) {
      Map<String, Object> offset = stored.apply(partition(topic));
      if (offset != null && offset.get(OFFSET_ALIASES) instanceof String aliases) {
        birth = BirthCertificate.fromList(readList(aliases));
        node.births.put(device, birth);
        if (device.isEmpty() && offset.get(OFFSET_BD_SEQ) instanceof Number bdSeq) {
          node.bdSeq = bdSeq.longValue();
        }
      }
    }
    return birth;
  }

  /** Takes in a decoded message of {@code topic}: new certificates, deaths, and the seq check. */
  public Observation observe(SparkplugTopic topic, Decoded decoded) {
    if (topic.type() == MessageType.STATE || topic.type().isCommand()) {
      return Observation
          .NONE; // commands are sent by host applications and carry no seq of the node
    }
    Node node = nodes.computeIfAbsent(topic.nodeKey(), key -> new Node());
    String device = deviceKey(topic);
    switch (topic.type()) {
      case NBIRTH -> {
        node.births.clear();
        node.births.put("", decoded.birth());
        node.bdSeq = decoded.bdSeq();
        node.lastSeq = decoded.seq();
        return Observation.NONE;
      }
      case NDEATH -> {
        if (node.bdSeq != null && decoded.bdSeq() != null && !node.bdSeq.equals(decoded.bdSeq())) {
          return new Observation(
              0, true); // the Will of an earlier session: the current one is alive
        }
        node.births.clear();
        node.lastSeq = null;
        return Observation.NONE;
      }
      case DBIRTH -> node.births.put(device, decoded.birth());
      case DDEATH -> node.births.remove(device);
      default -> {
        // NDATA, DDATA: only the seq below
      }
    }
    int missed = missed(node.lastSeq, decoded.seq());
    if (decoded.seq() != null) {
      node.lastSeq = decoded.seq();
    }
    return new Observation(missed, false);
  }

  /**
   * Messages missed between the last seq and this one (0 to 255 wrapping); a repeat of the last one
   * misses none.
   */
  static int missed(Long last, Long seq) {
    if (last == null || seq == null) {
      return 0;
    }
    long expected = (last + 1) % 256;
    return seq.longValue() == last.longValue() ? 0 : (int) Math.floorMod(seq - expected, 256L);
  }

  /**
   * The source partition of a BIRTH or DEATH (one per node, one per device), or null for other
   * messages.
   */
  public static Map<String, String> partition(SparkplugTopic topic) {
    if (topic.type() == MessageType.STATE) {
      return null;
    }
    return Map.of(PARTITION_NODE, topic.nodeKey(), PARTITION_DEVICE, deviceKey(topic));
  }

  /**
   * What to store for a BIRTH or DEATH record (after {@link #observe}); null for other messages.
   */
  public Map<String, Object> offset(SparkplugTopic topic, Decoded decoded) {
    return switch (topic.type()) {
      case NBIRTH, DBIRTH -> {
        Map<String, Object> offset = new HashMap<>();
        offset.put(OFFSET_ALIASES, writeList(decoded.birth().toList()));
        if (decoded.bdSeq() != null) {
          offset.put(OFFSET_BD_SEQ, decoded.bdSeq());
        }
        yield offset;
      }
      case NDEATH, DDEATH -> Map.of("dead", true);
      default -> null;
    };
  }

  /**
   * Connect accepts only primitive offset values (OffsetUtils.validateFormat): the list travels as
   * JSON text.
   */
  private static String writeList(List<List<Object>> declarations) {
    try {
      return JSON.writeValueAsString(declarations);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the BIRTH certificate as JSON", e);
    }
  }

  private static List<?> readList(String text) {
    try {
      return JSON.readValue(text, List.class);
    } catch (JsonProcessingException e) {
      return List
          .of(); // an unreadable stored certificate: as if none was kept (a rebirth request brings
      // it back)
    }
  }

  /** Nodes this consumer has state for. */
  public int nodes() {
    return nodes.size();
  }

  private static String deviceKey(SparkplugTopic topic) {
    return topic.device() == null ? "" : topic.device();
  }
}
