package io.connectmqtt.testkit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Sparkplug B edge node for tests, written with protobuf directly: NBIRTH and a DBIRTH per device
 * declaring every metric of {@link SparkplugMetrics} by name, datatype and alias; NDATA/DDATA
 * carrying aliases only; seq counting 0..255 across node and devices; a bdSeq in NBIRTH and in its
 * Will (NDEATH). It records the commands it receives (NCMD, DCMD) and answers {@code Node
 * Control/Rebirth} = true with a new NBIRTH and DBIRTHs, as edge nodes do.
 */
public final class SparkplugEdgeNode implements AutoCloseable {

  /** A command this node received: its topic and decoded payload. */
  public record Command(String topic, Payload payload) {}

  public static final String NAMESPACE = "spBv1.0";
  private static final long DEVICE_ALIAS_STEP = 100;

  private final String group;
  private final String node;
  private final List<String> devices;
  private final Mqtt5AsyncClient client;
  private final long bdSeq;
  private final List<Command> commands = new CopyOnWriteArrayList<>();
  private final AtomicInteger rebirths = new AtomicInteger();

  /** Devices that sent DDEATH: no DATA from them until the next birth. */
  private final Set<String> dead = ConcurrentHashMap.newKeySet();

  private int seq;

  private SparkplugEdgeNode(int port, String group, String node, List<String> devices, long bdSeq) {
    this.group = group;
    this.node = node;
    this.devices = List.copyOf(devices);
    this.bdSeq = bdSeq;
    Payload death =
        Payload.newBuilder()
            .setTimestamp(System.currentTimeMillis())
            .addMetrics(bdSeqMetric())
            .build();
    client =
        MqttClients.builder("sparkplug-" + group + "-" + node, port).useMqttVersion5().buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, this::onCommand);
    client
        .connectWith()
        .cleanStart(true)
        .willPublish()
        .topic(topic("NDEATH", null))
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(death.toByteArray())
        .applyWillPublish()
        .send()
        .join();
    client.subscribeWith().topicFilter(topic("NCMD", null)).qos(MqttQos.AT_MOST_ONCE).send().join();
    client
        .subscribeWith()
        .topicFilter(NAMESPACE + "/" + group + "/DCMD/" + node + "/+")
        .qos(MqttQos.AT_MOST_ONCE)
        .send()
        .join();
  }

  /**
   * Connects to the broker on 127.0.0.1:{@code port} (MQTT 5) and subscribes to its commands; no
   * BIRTH yet.
   */
  public static SparkplugEdgeNode connect(
      int port, String group, String node, List<String> devices) {
    return connect(port, group, node, devices, 0);
  }

  /**
   * As {@link #connect(int, String, String, List)}, for the session {@code bdSeq}: a node that
   * comes back after its NDEATH counts one up.
   */
  public static SparkplugEdgeNode connect(
      int port, String group, String node, List<String> devices, long bdSeq) {
    return new SparkplugEdgeNode(port, group, node, devices, bdSeq);
  }

  /** The session number in this node's NBIRTH and its Will (NDEATH). */
  public long bdSeq() {
    return bdSeq;
  }

  /**
   * NBIRTH (seq 0) and one DBIRTH per device, every metric with name, datatype, alias and the value
   * of round 0.
   */
  public synchronized void birth() {
    seq = 0;
    dead.clear();
    Payload.Builder nbirth = payload().addMetrics(bdSeqMetric());
    SparkplugMetrics.all(0).forEach(m -> nbirth.addMetrics(m.metric(0, true)));
    publish(topic("NBIRTH", null), nbirth.build());
    for (int i = 0; i < devices.size(); i++) {
      Payload.Builder dbirth = payload();
      SparkplugMetrics.all(DEVICE_ALIAS_STEP * (i + 1))
          .forEach(m -> dbirth.addMetrics(m.metric(0, true)));
      publish(topic("DBIRTH", devices.get(i)), dbirth.build());
    }
  }

  /** NDATA and one DDATA per device with every metric's value of {@code round}, by alias only. */
  public synchronized void data(int round) {
    Payload.Builder ndata = payload();
    SparkplugMetrics.all(0).forEach(m -> ndata.addMetrics(m.metric(round, false)));
    publish(topic("NDATA", null), ndata.build());
    for (int i = 0; i < devices.size(); i++) {
      if (dead.contains(devices.get(i))) {
        continue;
      }
      Payload.Builder ddata = payload();
      SparkplugMetrics.all(DEVICE_ALIAS_STEP * (i + 1))
          .forEach(m -> ddata.addMetrics(m.metric(round, false)));
      publish(topic("DDATA", devices.get(i)), ddata.build());
    }
  }

  /**
   * DDEATH of one device (as when the edge node loses it); it sends no DATA until the next birth.
   */
  public synchronized void deviceDeath(int deviceIndex) {
    String device = devices.get(deviceIndex);
    dead.add(device);
    publish(topic("DDEATH", device), payload().build());
  }

  /**
   * Drops off the network: disconnects asking the broker to publish its Will, the NDEATH, as the
   * broker does when the node's connection is lost (MQTT 5 reason code 0x04).
   */
  public void vanish() {
    client
        .disconnectWith()
        .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
        .send()
        .exceptionally(e -> null)
        .join();
  }

  /** Leaves out {@code count} seq numbers, as if that many messages had been lost on the way. */
  public synchronized void skipSeq(int count) {
    seq = (seq + count) % 256;
  }

  /** The commands received so far. */
  public List<Command> commands() {
    return List.copyOf(commands);
  }

  /** Rebirth requests answered with a new NBIRTH. */
  public int rebirths() {
    return rebirths.get();
  }

  /** The metric names and aliases of the node (device index -1) or a device. */
  public static Map<Long, String> names(int deviceIndex) {
    return SparkplugMetrics.all(DEVICE_ALIAS_STEP * (deviceIndex + 1)).stream()
        .collect(
            java.util.stream.Collectors.toMap(
                SparkplugMetrics.Definition::alias, SparkplugMetrics.Definition::name));
  }

  public String topic(String type, String device) {
    return NAMESPACE + "/" + group + "/" + type + "/" + node + (device == null ? "" : "/" + device);
  }

  private Payload.Builder payload() {
    return Payload.newBuilder().setTimestamp(System.currentTimeMillis()).setSeq(nextSeq());
  }

  private long nextSeq() {
    long current = seq;
    seq = (seq + 1) % 256;
    return current;
  }

  private Payload.Metric bdSeqMetric() {
    return Payload.Metric.newBuilder()
        .setName("bdSeq")
        .setDatatype(DataType.Int64.getNumber())
        .setLongValue(bdSeq)
        .build();
  }

  private void publish(String topic, Payload payload) {
    // QoS 0, not retained: what Sparkplug 3.0 asks of NBIRTH, DBIRTH and DATA.
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_MOST_ONCE)
        .payload(payload.toByteArray())
        .send()
        .join();
  }

  private void onCommand(Mqtt5Publish publish) {
    Payload payload;
    try {
      payload = Payload.parseFrom(publish.getPayloadAsBytes());
    } catch (InvalidProtocolBufferException e) {
      commands.add(new Command(publish.getTopic().toString(), null));
      return;
    }
    commands.add(new Command(publish.getTopic().toString(), payload));
    boolean rebirth =
        payload.getMetricsList().stream()
            .anyMatch(m -> "Node Control/Rebirth".equals(m.getName()) && m.getBooleanValue());
    if (rebirth) {
      rebirths.incrementAndGet();
      // Not on the client's thread: publishing from it and joining would wait for itself.
      new Thread(this::birth, "sparkplug-rebirth").start();
    }
  }

  @Override
  public void close() {
    client.disconnect().exceptionally(e -> null).join();
  }
}
