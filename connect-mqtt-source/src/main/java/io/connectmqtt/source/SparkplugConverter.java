package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.sparkplug.BirthCertificate;
import io.connectmqtt.sparkplug.EdgeNodeSessions;
import io.connectmqtt.sparkplug.SparkplugDecoder;
import io.connectmqtt.sparkplug.SparkplugDecoder.Decoded;
import io.connectmqtt.sparkplug.SparkplugTopic;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code record.value.format=sparkplug}: a Sparkplug B message to a record value (the struct of
 * {@link io.connectmqtt.sparkplug.SparkplugSchemas#MESSAGE}), its headers, and for BIRTH and DEATH
 * messages the source offset that keeps the node's aliases across restarts ({@link
 * EdgeNodeSessions}). Runs on the poll thread only.
 *
 * <p>DATA with aliases no kept BIRTH explains is written with those metrics unnamed and counted in
 * {@code unresolvedAliases} and the {@value #UNRESOLVED} header; where {@code
 * sparkplug.rebirth.enable} is set, the edge node is also asked to send its BIRTH again (NCMD
 * {@code Node Control/Rebirth} = true, QoS 0), at most once per {@link #REBIRTH_INTERVAL_NANOS} per
 * node.
 */
final class SparkplugConverter {

  private static final Logger log = LoggerFactory.getLogger(SparkplugConverter.class);
  static final String GROUP = "sparkplug.group";
  static final String EDGE_NODE = "sparkplug.edge.node";
  static final String DEVICE = "sparkplug.device";
  static final String MESSAGE_TYPE = "sparkplug.message.type";
  static final String HOST_ID = "sparkplug.host.id";
  static final String SEQ_MISSED = "sparkplug.seq.missed";
  static final String UNRESOLVED = "sparkplug.unresolved.aliases";
  static final String STALE_DEATH = "sparkplug.stale.death";
  static final String REBIRTH_METRIC = "Node Control/Rebirth";

  /**
   * A node that does not answer a rebirth request is asked again after this long, not at every
   * DATA.
   */
  static final long REBIRTH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * What one message becomes: the value, headers to add, and the source partition and offset (null
   * for DATA).
   */
  record Converted(
      SchemaAndValue value,
      ConnectHeaders headers,
      Map<String, String> partition,
      Map<String, Object> offset,
      int missed,
      int unresolved) {}

  /** Counts for the task's metrics. */
  interface Counts {
    void seqMissed(int messages);

    void unresolved(int metrics);

    void rebirthRequested();
  }

  private final SparkplugDecoder decoder = new SparkplugDecoder();
  private final EdgeNodeSessions sessions;
  private final boolean rebirth;
  private final Consumer<OutboundMessage> publisher;
  private final Counts counts;
  private final Map<String, Long> lastRebirthNanos = new HashMap<>();

  /**
   * @param stored the source offset Connect kept for a partition, or null
   * @param publisher publishes a rebirth request (null: never ask)
   */
  SparkplugConverter(
      Function<Map<String, String>, Map<String, Object>> stored,
      boolean rebirth,
      Consumer<OutboundMessage> publisher,
      Counts counts) {
    this.sessions = new EdgeNodeSessions(stored);
    this.rebirth = rebirth && publisher != null;
    this.publisher = publisher;
    this.counts = counts;
  }

  Converted convert(InboundMessage message) throws PayloadConverter.PayloadException {
    SparkplugTopic topic;
    try {
      topic = SparkplugTopic.parse(message.topic());
    } catch (IllegalArgumentException e) {
      throw new PayloadConverter.PayloadException(e.getMessage(), e);
    }
    BirthCertificate birth = sessions.birth(topic);
    Decoded decoded;
    try {
      decoded = decoder.decode(topic, message.payload(), birth);
    } catch (SparkplugDecoder.SparkplugException e) {
      throw new PayloadConverter.PayloadException(e.getMessage(), e);
    }
    EdgeNodeSessions.Observation observation = sessions.observe(topic, decoded);
    ConnectHeaders headers = headers(topic);
    boolean checked =
        topic.type() != SparkplugTopic.MessageType.STATE
            && !topic.type().isCommand()
            && topic.type() != SparkplugTopic.MessageType.NDEATH;
    if (checked) {
      headers.addInt(SEQ_MISSED, observation.missed());
    }
    if (observation.missed() > 0) {
      counts.seqMissed(observation.missed());
      log.debug(
          "Sparkplug {}: {} message(s) missed before seq {}",
          topic,
          observation.missed(),
          decoded.seq());
    }
    if (decoded.unresolved() > 0) {
      headers.addInt(UNRESOLVED, decoded.unresolved());
      counts.unresolved(decoded.unresolved());
    }
    if (topic.type().isData() && (decoded.unresolved() > 0 || birth == null)) {
      requestRebirth(topic);
    }
    if (observation.staleDeath()) {
      headers.addBoolean(STALE_DEATH, true);
      return new Converted(
          new SchemaAndValue(decoded.message().schema(), decoded.message()),
          headers,
          null,
          null,
          observation.missed(),
          decoded.unresolved());
    }
    Map<String, Object> offset = sessions.offset(topic, decoded);
    return new Converted(
        new SchemaAndValue(decoded.message().schema(), decoded.message()),
        headers,
        offset == null ? null : EdgeNodeSessions.partition(topic),
        offset,
        observation.missed(),
        decoded.unresolved());
  }

  private static ConnectHeaders headers(SparkplugTopic topic) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString(MESSAGE_TYPE, topic.type().name());
    if (topic.hostId() != null) {
      headers.addString(HOST_ID, topic.hostId());
      return headers;
    }
    headers.addString(GROUP, topic.group());
    headers.addString(EDGE_NODE, topic.edgeNode());
    if (topic.device() != null) {
      headers.addString(DEVICE, topic.device());
    }
    return headers;
  }

  private void requestRebirth(SparkplugTopic topic) {
    if (!rebirth) {
      return;
    }
    long now = System.nanoTime();
    Long last = lastRebirthNanos.get(topic.nodeKey());
    if (last != null && now - last < REBIRTH_INTERVAL_NANOS) {
      return;
    }
    lastRebirthNanos.put(topic.nodeKey(), now);
    SparkplugTopic command = SparkplugTopic.command(topic.group(), topic.edgeNode(), null);
    byte[] payload =
        Payload.newBuilder()
            .setTimestamp(System.currentTimeMillis())
            .addMetrics(
                Payload.Metric.newBuilder()
                    .setName(REBIRTH_METRIC)
                    .setDatatype(DataType.Boolean.getNumber())
                    .setTimestamp(System.currentTimeMillis())
                    .setBooleanValue(true))
            .build()
            .toByteArray();
    log.info(
        "Sparkplug: {} sent DATA and its BIRTH is unknown here; asking for a rebirth on {}",
        topic,
        command);
    counts.rebirthRequested();
    publisher.accept(OutboundMessage.of(command.toString(), payload, 0, false));
  }
}
