package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.MosquittoBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigResource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The device presence stream on the real stack: mosquitto (which sends the Wills), Kafka and
 * Connect. Devices are mosquitto_pub processes killed with SIGKILL, so the broker, not the test,
 * publishes their Last Will.
 */
class PresenceIT {

  @RegisterExtension
  static final BrokerWithConnect<MosquittoBroker> fixtures =
      BrokerWithConnect.of(
          () -> {
            MosquittoBroker.assumeAvailable();
            return MosquittoBroker.start();
          });

  private static final ObjectMapper JSON = new ObjectMapper();

  private static Map<String, String> presenceSource(String name, long offlineAfterMs) {
    Map<String, String> config =
        SourceConfigs.source(
            "tcp://127.0.0.1:" + fixtures.broker().port(),
            name + "/sensors/#," + name + "/clients/+/will,spBv1.0/" + name + "/#");
    config.put("kafka.topic", name + ".data");
    config.put("presence.topic", name + ".presence");
    config.put("presence.device.topics", name + "/sensors/{device}/#");
    config.put("presence.will.topics", name + "/clients/{device}/will");
    config.put("presence.sparkplug.enable", "true");
    config.put("presence.offline.after.ms", Long.toString(offlineAfterMs));
    config.put("topic.creation.default.partitions", "1");
    config.put("topic.creation.default.replication.factor", "-1");
    config.put("topic.creation.groups", "presence");
    config.put("topic.creation.presence.include", name + ".presence");
    config.put("topic.creation.presence.cleanup.policy", "compact");
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    fixtures.startConnector(name, config);
    return config;
  }

  @Test
  void plainClientKilledWithSigkillGoesOfflineByItsWill() throws Exception {
    String name = "presence-will";
    presenceSource(name, 0);
    try (Device device =
        Device.start(
            fixtures.broker().port(),
            "dev-a",
            name + "/sensors/dev-a/temp",
            name + "/clients/dev-a/will")) {
      device.publish("21.5");
      awaitEvents(name, "dev-a", 1);
      device.kill();
    }
    List<JsonNode> events = awaitEvents(name, "dev-a", 2);
    assertThat(states(events)).containsExactly("online:message", "offline:will");
    assertThat(events.get(1).get("first_seen").asLong())
        .isEqualTo(events.get(0).get("first_seen").asLong());
    assertThat(events.get(1).get("mqtt_topic").asText()).isEqualTo(name + "/clients/dev-a/will");
    assertCompacted(name + ".presence");
    fixtures.rest().delete(name);
  }

  @Test
  void sparkplugEdgeNodeKilledWithSigkillTakesItsDevicesOfflineByNdeath() throws Exception {
    String name = "presence-spb";
    presenceSource(name, 0);
    String prefix = "spBv1.0/" + name;
    try (Device node =
        Device.start(
            fixtures.broker().port(),
            "edge1",
            prefix + "/NBIRTH/edge1",
            prefix + "/NDEATH/edge1")) {
      node.publish("nbirth");
      fixtures.broker().publish("-q", "1", "-t", prefix + "/DBIRTH/edge1/pump", "-m", "dbirth");
      fixtures.broker().publish("-q", "1", "-t", prefix + "/DBIRTH/edge1/valve", "-m", "dbirth");
      fixtures.broker().publish("-q", "1", "-t", prefix + "/DDATA/edge1/pump", "-m", "ddata");
      fixtures.broker().publish("-q", "1", "-t", prefix + "/DDEATH/edge1/valve", "-m", "ddeath");
      awaitEvents(name, name + "/edge1/valve", 2);
      node.kill();
    }
    assertThat(states(awaitEvents(name, name + "/edge1", 2)))
        .containsExactly("online:birth", "offline:ndeath");
    assertThat(states(awaitEvents(name, name + "/edge1/pump", 2)))
        .containsExactly("online:birth", "offline:ndeath");
    assertThat(states(awaitEvents(name, name + "/edge1/valve", 2)))
        .containsExactly("online:birth", "offline:ddeath");
    fixtures.rest().delete(name);
  }

  @Test
  void silentDeviceGoesOfflineAfterTheConfiguredTime() {
    String name = "presence-silence";
    presenceSource(name, 3_000);
    long before = System.currentTimeMillis();
    fixtures.broker().publish("-q", "1", "-t", name + "/sensors/quiet/temp", "-m", "1");
    List<JsonNode> quiet = awaitEvents(name, "quiet", 2);
    assertThat(states(quiet)).containsExactly("online:message", "offline:silence");
    long silentFor =
        quiet.get(1).get("timestamp").asLong() - quiet.get(1).get("last_seen").asLong();
    System.out.printf(
        "silence rule: offline %d ms after the last message (configured 3000 ms)%n", silentFor);
    assertThat(silentFor).isBetween(3_000L, 6_000L);
    assertThat(quiet.get(0).get("first_seen").asLong()).isGreaterThanOrEqualTo(before);
    fixtures.rest().delete(name);
  }

  /**
   * Two devices online when the task restarts: one keeps sending (no second "online", same first
   * seen), the other falls silent and the restarted task still takes it offline.
   */
  @Test
  void restartedTaskNeitherReannouncesNorForgetsDevices() {
    String name = "presence-restart";
    presenceSource(name, 15_000);
    fixtures.broker().publish("-q", "1", "-t", name + "/sensors/steady/temp", "-m", "1");
    fixtures.broker().publish("-q", "1", "-t", name + "/sensors/idle/temp", "-m", "1");
    long steadyFirstSeen = awaitEvents(name, "steady", 1).get(0).get("first_seen").asLong();
    long idleFirstSeen = awaitEvents(name, "idle", 1).get(0).get("first_seen").asLong();
    long restartedAt = System.currentTimeMillis();
    fixtures.rest().restart(name);
    fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    for (int i = 0; i < 3; i++) {
      fixtures
          .broker()
          .publish("-q", "1", "-t", name + "/sensors/steady/temp", "-m", "after restart " + i);
    }
    List<JsonNode> idle = awaitEvents(name, "idle", 2);
    assertThat(states(idle)).containsExactly("online:message", "offline:silence");
    assertThat(idle.get(1).get("first_seen").asLong()).isEqualTo(idleFirstSeen);
    System.out.printf(
        "restart: idle device offline %d ms after the restart was requested (configured 15000 ms)%n",
        idle.get(1).get("timestamp").asLong() - restartedAt);
    List<JsonNode> steady = awaitEvents(name, "steady", 1);
    // It may already have gone silent too (its last message came just after the restart): no second
    // "online".
    assertThat(states(steady))
        .as("no second 'online' for a device the restarted task knew")
        .containsOnlyOnce("online:message")
        .isSubsetOf("online:message", "offline:silence");
    assertThat(steady)
        .allSatisfy(e -> assertThat(e.get("first_seen").asLong()).isEqualTo(steadyFirstSeen));
    assertThat(fixtures.topics().readAll(name + ".data", 5, Duration.ofSeconds(10))).hasSize(5);
    fixtures.rest().delete(name);
  }

  private static List<String> states(List<JsonNode> events) {
    return events.stream()
        .map(e -> e.get("state").asText() + ":" + e.get("reason").asText())
        .toList();
  }

  /**
   * Waits until the presence topic holds {@code count} events of the device, then returns all of
   * them.
   */
  private static List<JsonNode> awaitEvents(String name, String device, int count) {
    List<JsonNode> events = new ArrayList<>();
    Awaitility.await(count + " presence events of " + device)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              events.clear();
              for (var record :
                  fixtures.topics().readAll(name + ".presence", 1, Duration.ofSeconds(5))) {
                if (device.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                  events.add(JSON.readTree(record.value()));
                }
              }
              return events.size() >= count;
            });
    // A little longer: an event beyond the expected ones would be a duplicate.
    List<JsonNode> settled = new ArrayList<>();
    for (var record : fixtures.topics().readAll(name + ".presence", 1, Duration.ofSeconds(3))) {
      if (device.equals(new String(record.key(), StandardCharsets.UTF_8))) {
        settled.add(readTree(record.value()));
      }
    }
    return settled;
  }

  private static JsonNode readTree(byte[] value) {
    try {
      return JSON.readTree(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void assertCompacted(String topic) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, fixtures.stack().bootstrapServers()))) {
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      String policy =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(30, TimeUnit.SECONDS)
              .get(resource)
              .get("cleanup.policy")
              .value();
      assertThat(policy).isEqualTo("compact");
    }
  }

  /**
   * A device: mosquitto_pub reading lines from stdin, with a Last Will; killed with SIGKILL, never
   * disconnected.
   */
  private record Device(Process process, OutputStream stdin) implements AutoCloseable {

    static Device start(int port, String clientId, String topic, String willTopic)
        throws IOException {
      Process process =
          new ProcessBuilder(
                  MosquittoBroker.PUB.toString(),
                  "-h",
                  "127.0.0.1",
                  "-p",
                  Integer.toString(port),
                  "-i",
                  clientId + "-" + ProcessHandle.current().pid(),
                  "-q",
                  "1",
                  "-t",
                  topic,
                  "-l",
                  "--will-topic",
                  willTopic,
                  "--will-payload",
                  "gone",
                  "--will-qos",
                  "1")
              .redirectErrorStream(true)
              .redirectOutput(Path.of("target", "device-" + clientId + ".log").toFile())
              .start();
      return new Device(process, process.getOutputStream());
    }

    void publish(String line) throws IOException {
      stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      assertThat(process.waitFor(10, TimeUnit.SECONDS))
          .as("mosquitto_pub ended by SIGKILL")
          .isTrue();
      assertThat(process.exitValue()).as("exit status of a SIGKILLed process").isEqualTo(128 + 9);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }
}
