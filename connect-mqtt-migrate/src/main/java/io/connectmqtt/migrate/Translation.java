package io.connectmqtt.migrate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One peer config on its way to ours: translators {@link #take} the keys they understand, {@link
 * #put} ours, and record every key they cannot carry over with the reason ({@link #untranslated}).
 * {@link #finish} passes Kafka Connect's own keys through and reports whatever nobody took, so no
 * input key is ever silently dropped.
 */
final class Translation {

  /** Which of our connectors the config becomes. */
  enum Direction {
    SOURCE("io.connectmqtt.source.MqttSourceConnector"),
    SINK("io.connectmqtt.sink.MqttSinkConnector");

    final String connectorClass;

    Direction(String connectorClass) {
      this.connectorClass = connectorClass;
    }
  }

  /** An input key that has no place in our config, and why. */
  record Untranslated(String key, String reason) {}

  private final String peer;
  private final Direction direction;
  private final Map<String, String> input;
  private final Set<String> taken = new LinkedHashSet<>();
  private final Map<String, String> output = new LinkedHashMap<>();
  private final List<Untranslated> untranslated = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  Translation(String peer, Direction direction, Map<String, String> input) {
    this.peer = peer;
    this.direction = direction;
    this.input = input;
    output.put("connector.class", direction.connectorClass);
    taken.add("connector.class");
  }

  String peer() {
    return peer;
  }

  Direction direction() {
    return direction;
  }

  /** The value of {@code key} (null when absent), now counted as handled. */
  String take(String key) {
    taken.add(key);
    String value = input.get(key);
    return value == null || value.isBlank() ? null : value.trim();
  }

  /** Input keys starting with {@code prefix} that nobody took yet. */
  List<String> remainingWithPrefix(String prefix) {
    return input.keySet().stream().filter(k -> k.startsWith(prefix) && !taken.contains(k)).toList();
  }

  void put(String key, String value) {
    output.put(key, value);
  }

  /** Copies {@code from} to our {@code to} when present. */
  void rename(String from, String to) {
    String value = take(from);
    if (value != null) {
      put(to, value);
    }
  }

  void untranslated(String key, String reason) {
    taken.add(key);
    untranslated.add(new Untranslated(key, reason));
  }

  void note(String text) {
    notes.add(text);
  }

  /** Reports {@code key} with {@code reason} when it is set. */
  void untranslatedIfSet(String key, String reason) {
    if (take(key) != null) {
      untranslated(key, reason);
    }
  }

  /** A peer's client id becomes our prefix: each task connects as id-task. */
  void clientIdPrefix(String key) {
    String id = take(key);
    if (id != null) {
      put("mqtt.client.id", id);
      note(
          key
              + ": ours connects as '"
              + id
              + "-<task number>' (and -c1, -c2, ... for extra connections), "
              + "never as the bare id");
    }
  }

  /**
   * A clean session of the peer: carried over only when off, since ours keeps the session for
   * redelivery.
   */
  void cleanSession(String key) {
    String value = take(key);
    if (value == null) {
      return;
    }
    if (Boolean.parseBoolean(value)) {
      untranslated(
          key,
          "ours keeps a persistent session (mqtt.clean.start=false) so that unacknowledged QoS 1/2 "
              + "messages survive a restart or reconnect; set mqtt.clean.start=true yourself only to keep the old "
              + "at-most-once behaviour (the source refuses it with tasks.max > 1)");
    } else {
      put("mqtt.clean.start", "false");
    }
  }

  /** A peer's MQTT user name. */
  void username(String key) {
    rename(key, "mqtt.username");
  }

  /** A peer's MQTT password. */
  void password(String key) {
    rename(key, "mqtt.password");
  }

  /** A peer's keep-alive interval in seconds, within our range. */
  void keepAliveSeconds(String key) {
    number(key, "mqtt.keepalive.seconds", 0, 65_535);
  }

  /** A peer's connect timeout in seconds, as our milliseconds within our range. */
  void connectTimeoutSeconds(String key) {
    secondsAsMillis(key, "mqtt.connect.timeout.ms", 100, 300_000);
  }

  /** A peer's duration in seconds as our milliseconds, kept within our range [min, max]. */
  void secondsAsMillis(String key, String ourKey, long min, long max) {
    scaled(key, ourKey, 1000, min, max);
  }

  /** A number carried over as is, kept within our range [min, max]. */
  void number(String key, String ourKey, long min, long max) {
    scaled(key, ourKey, 1, min, max);
  }

  private void scaled(String key, String ourKey, long factor, long min, long max) {
    String value = take(key);
    Long number = value == null ? null : parseLong(key, value);
    if (number == null) {
      return;
    }
    long scaled = number * factor;
    long kept = Math.max(min, Math.min(max, scaled));
    if (kept != scaled) {
      note(
          key
              + "="
              + value
              + (factor == 1000 ? " (seconds)" : "")
              + " is outside "
              + ourKey
              + "'s range; "
              + kept
              + " used");
    }
    put(ourKey, Long.toString(kept));
  }

  /** An MQTT QoS, which must be 0, 1 or 2 for us. */
  void qos(String key, String ourKey) {
    String value = take(key);
    if (value == null) {
      return;
    }
    if (value.matches("[012]")) {
      put(ourKey, value);
    } else {
      untranslated(key, "'" + value + "' is not an MQTT QoS; ours takes 0, 1 or 2 in " + ourKey);
    }
  }

  /** Broker URIs; ours speaks TCP and TLS only (tcp://, ssl://, mqtt://, mqtts://). */
  void serverUris(String key) {
    String value = take(key);
    if (value == null) {
      return;
    }
    List<String> uris = List.of(value.split("\\s*,\\s*"));
    if (uris.stream().anyMatch(u -> u.startsWith("ws://") || u.startsWith("wss://"))) {
      untranslated(
          key,
          "ours connects over TCP or TLS only (tcp://, ssl://), not WebSocket: '" + value + "'");
      return;
    }
    put("mqtt.server.uris", String.join(",", uris));
  }

  /** PEM files for TLS (CA certificate, client certificate, client key), as ours reads them. */
  void pemTls(String caKey, String certKey, String keyKey) {
    rename(caKey, "mqtt.ssl.truststore.location");
    rename(certKey, "mqtt.ssl.keystore.location");
    String key = take(keyKey);
    if (key != null) {
      put("mqtt.ssl.key.location", key);
      note(
          keyKey
              + ": ours reads a PKCS#8 key ('BEGIN PRIVATE KEY'); convert a PKCS#1 'BEGIN RSA PRIVATE KEY' "
              + "with: openssl pkcs8 -topk8 -nocrypt -in "
              + key
              + " -out <new file>");
    }
  }

  private Long parseLong(String key, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      untranslated(key, "'" + value + "' is not a number");
      return null;
    }
  }

  /** Passes Connect's own keys through and reports every key no translator took. */
  Translation finish() {
    for (Map.Entry<String, String> entry : input.entrySet()) {
      String key = entry.getKey();
      if (taken.contains(key)) {
        continue;
      }
      if (ConnectKeys.isFrameworkKey(key, direction)) {
        output.putIfAbsent(key, entry.getValue());
      } else {
        untranslated.add(
            new Untranslated(
                key,
                "not a key of the "
                    + peer
                    + " connector that this translator "
                    + "knows; see docs/migration.md"));
      }
    }
    return this;
  }

  Map<String, String> config() {
    return Collections.unmodifiableMap(output);
  }

  List<Untranslated> untranslatedKeys() {
    return Collections.unmodifiableList(untranslated);
  }

  List<String> notes() {
    return Collections.unmodifiableList(notes);
  }
}
