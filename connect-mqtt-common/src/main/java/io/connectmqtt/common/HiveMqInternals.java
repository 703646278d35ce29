package io.connectmqtt.common;

import com.hivemq.client.internal.mqtt.message.publish.MqttPublish;
import com.hivemq.client.internal.mqtt.message.publish.MqttStatefulPublish;
import com.hivemq.client.internal.mqtt.message.publish.mqtt3.Mqtt3PublishView;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything this suite reads from the HiveMQ client's {@code internal} packages, and nothing else
 * does: the DUP flag and packet identifier of an incoming PUBLISH (kept out of the client's public
 * API), its payload without a copy, and the MQTT 5 form behind an MQTT 3.1.1 publish.
 *
 * <p>A client upgrade may move these. {@code HiveMqInternalsTest} receives real publishes and fails
 * the build when it does; at run time the connection keeps working without them (DUP reads false,
 * no packet id) and one WARN names the client version.
 */
final class HiveMqInternals {

  private static final Logger log = LoggerFactory.getLogger(HiveMqInternals.class);

  /** The DUP flag and packet identifier of one incoming PUBLISH. */
  record Stateful(boolean dup, OptionalInt packetId) {
    static final Stateful UNKNOWN = new Stateful(false, OptionalInt.empty());
  }

  private static final AtomicBoolean warned = new AtomicBoolean();
  private static volatile String unavailable;

  private static final Field CONFIRMABLE = field(MqttPublish.class.getName(), "confirmable");
  private static final Field PUBLISH_WITH_FLOWS =
      field(
          "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttIncomingPublishConfirmable",
          "publishWithFlows");
  private static final Field STATEFUL_PUBLISH =
      field(
          "com.hivemq.client.internal.mqtt.handler.publish.incoming.MqttStatefulPublishWithFlows",
          "publish");

  private HiveMqInternals() {}

  /**
   * The MQTT 5 form of an MQTT 3.1.1 publish (the client keeps one behind each), so that one
   * conversion serves both versions; a copy without DUP and packet id if the client has none.
   */
  static Mqtt5Publish asMqtt5(Mqtt3Publish publish) {
    if (publish instanceof Mqtt3PublishView view) {
      return view.getDelegate();
    }
    warnOnce("an MQTT 3.1.1 publish is a " + publish.getClass().getName());
    return Mqtt5Publish.builder()
        .topic(publish.getTopic().toString())
        .qos(publish.getQos())
        .retain(publish.isRetain())
        .payload(publish.getPayloadAsBytes())
        .build();
  }

  /**
   * The payload without a second copy: the client decodes each payload into a heap buffer of its
   * own, exactly sized, that nothing else writes to, so its array can be handed on as it is.
   * Anything else is copied.
   */
  static byte[] payload(Mqtt5Publish publish) {
    if (publish instanceof MqttPublish internal) {
      ByteBuffer raw = internal.getRawPayload();
      if (raw == null) {
        return new byte[0];
      }
      if (raw.hasArray()
          && !raw.isReadOnly()
          && raw.arrayOffset() == 0
          && raw.position() == 0
          && raw.remaining() == raw.array().length) {
        return raw.array();
      }
      return bytes(raw);
    }
    return publish.getPayloadAsBytes();
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /**
   * The DUP flag and packet identifier of a publish the client received; {@link Stateful#UNKNOWN}
   * for one built locally (nothing was received) or when the internals moved.
   */
  static Stateful stateful(Mqtt5Publish publish) {
    // QoS 0 has neither (the client keeps such a publish in a class of its own).
    if (!(publish instanceof MqttPublish)
        || publish.getQos() == MqttQos.AT_MOST_ONCE
        || unavailable().isPresent()) {
      return Stateful.UNKNOWN;
    }
    try {
      Object confirmable = CONFIRMABLE.get(publish);
      if (confirmable == null) {
        return Stateful.UNKNOWN; // built locally: nothing was received
      }
      if (PUBLISH_WITH_FLOWS.getDeclaringClass().isInstance(confirmable)
          && STATEFUL_PUBLISH.get(PUBLISH_WITH_FLOWS.get(confirmable))
              instanceof MqttStatefulPublish s) {
        int id = s.getPacketIdentifier();
        return new Stateful(s.isDup(), id > 0 ? OptionalInt.of(id) : OptionalInt.empty());
      }
      warnOnce("a QoS 1/2 publish came through a " + confirmable.getClass().getName());
    } catch (IllegalAccessException | RuntimeException e) {
      warnOnce(e.toString());
    }
    return Stateful.UNKNOWN;
  }

  /** Why DUP and packet ids cannot be read with this client, or empty when they can. */
  static Optional<String> unavailable() {
    return Optional.ofNullable(unavailable);
  }

  /** The HiveMQ client's version, from its jar's manifest, for the WARN line. */
  static String clientVersion() {
    URL classFile = MqttClient.class.getResource("MqttClient.class");
    String url = classFile == null ? "" : classFile.toString();
    int jarEnd = url.indexOf("!/");
    if (!url.startsWith("jar:") || jarEnd < 0) {
      return "unknown";
    }
    try (InputStream in =
        new URL(url.substring(0, jarEnd + 2) + "META-INF/MANIFEST.MF").openStream()) {
      String version = new Manifest(in).getMainAttributes().getValue("Bundle-Version");
      return version == null ? "unknown" : version;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** The fields are gone: DUP and packet ids stay unknown from now on. */
  private static void unavailable(String reason) {
    unavailable = reason;
    warnOnce(reason);
  }

  /** Said once per JVM, whatever went wrong first. */
  private static void warnOnce(String reason) {
    if (warned.compareAndSet(false, true)) {
      log.warn(
          "HiveMQ client {} internals changed ({}); mqtt.dup and mqtt.message.id headers will be absent",
          clientVersion(),
          reason);
    }
  }

  private static Field field(String className, String name) {
    try {
      Field field =
          Class.forName(className, false, MqttPublish.class.getClassLoader())
              .getDeclaredField(name);
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      unavailable(className + "." + name + ": " + e);
      return null;
    }
  }
}
