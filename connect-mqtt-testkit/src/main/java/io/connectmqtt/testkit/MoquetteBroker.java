package io.connectmqtt.testkit;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Moquette (Maven Central {@code io.moquette:moquette-broker}) in its own JVM, started the way
 * Moquette's own script does ({@code io.moquette.broker.Server} with {@code -Dmoquette.path}), from
 * the jars that the connect-mqtt-moquette-dist module copies into its target/libs: its Netty and H2
 * never meet the test JVM's, and a restart is a real process restart.
 *
 * <p>Measured with 0.17, the newest on Maven Central: MQTT 3.1.1 only (an MQTT 5 CONNECT gets
 * CONNACK 1, unacceptable protocol version); {@code $share/g/filter} is a literal topic filter;
 * with persistence on, sessions, subscriptions and queued messages survive a restart. A fixed
 * outgoing window of 10 unacknowledged messages per subscriber ({@code INFLIGHT_WINDOW_SIZE}), no
 * per-client queue limit, no drop counter. It refuses an empty client id unless {@code
 * allow_zero_byte_client_id} (set here). Starts in 0.5–2.5 s.
 *
 * <p>Queued messages are kept in H2 ({@code persistent_queue_type h2}), not in 0.17's default
 * segmented queue files: with those, after one subscriber had received a burst of 2,000 messages of
 * 80 bytes, another persistent session's queued messages were gone after a graceful restart (its
 * queue had head and tail offset -1 in checkpoint.properties; reproduced with
 * mosquitto_pub/mosquitto_sub alone). H2 kept them.
 *
 * <p>Its session command queues hold {@value #SESSION_QUEUE_SIZE} commands, not 0.17's default
 * 1,024: when one is full, Moquette drops the command with a WARN "Session command queue N is full
 * executing action ..." and nothing else. A dropped "PUB QoS1" is a publish it never acknowledges
 * nor delivers (the publisher waits for its PUBACK until it reconnects); a dropped "batched PUB" or
 * "flushQueues" is a message a subscriber never gets although its publisher got the PUBACK. 40
 * mosquitto_pub clients with 1,000 QoS 1 messages each filled it (docs/testing.md).
 */
public final class MoquetteBroker extends Mqtt3ProcessBroker {

  /**
   * Commands per session executor queue (Moquette's {@code session_queue_size}); see the class
   * comment.
   */
  static final int SESSION_QUEUE_SIZE = 1_000_000;

  private final Path libs;

  private MoquetteBroker(Path libs, BrokerOptions options) {
    // On SIGTERM Moquette's shutdown hook closes its stores.
    super("moquette-", options.persistent(), Duration.ofSeconds(30));
    this.libs = libs;
  }

  /**
   * connect-mqtt-moquette-dist/target/libs, where the build copied Moquette and its dependencies.
   */
  static Path libs() {
    return ProjectLayout.root().resolve("connect-mqtt-moquette-dist/target/libs");
  }

  /** Null if the Moquette jars were built, else why not. */
  public static String unavailableReason() {
    return version() == null
        ? "Moquette's jars are not in " + libs() + "; build first: ./mvnw -B -DskipTests package"
        : null;
  }

  /** The Moquette version in the built libs folder, or null. */
  static String version() {
    if (!Files.isDirectory(libs())) {
      return null;
    }
    try (Stream<Path> jars = Files.list(libs())) {
      return jars.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith("moquette-broker-") && n.endsWith(".jar"))
          .map(n -> n.substring("moquette-broker-".length(), n.length() - ".jar".length()))
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** A started broker; throws with its log tail if it does not listen within 60 s. */
  public static MoquetteBroker start(BrokerOptions options) {
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException(reason);
    }
    MoquetteBroker broker = new MoquetteBroker(libs(), options);
    broker.writeConfiguration();
    broker.startProcess();
    return broker;
  }

  private void writeConfiguration() {
    try {
      Files.createDirectories(home.resolve("config"));
      Files.createDirectories(home.resolve("data"));
      Files.writeString(
          home.resolve("config/moquette.conf"),
          """
          port %d
          host 127.0.0.1
          websocket_port disabled
          allow_anonymous true
          allow_zero_byte_client_id true
          persistence_enabled %s
          data_path %s
          persistent_queue_type h2
          telemetry_enabled false
          netty.mqtt.message_size 268435455
          session_queue_size %d
          """
              .formatted(port, persistent, home.resolve("data"), SESSION_QUEUE_SIZE));
      Files.writeString(
          home.resolve("log4j.properties"),
          """
          log4j.rootLogger=INFO, stdout
          log4j.logger.io.moquette.broker.metrics.MQTTMessageLogger=WARN
          log4j.appender.stdout=org.apache.log4j.ConsoleAppender
          log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
          log4j.appender.stdout.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1} - %m%n
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  void startProcess() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC"));
    command.addAll(KafkaJvm.testJvmOptions());
    command.addAll(
        List.of(
            "-Dmoquette.path=" + home,
            "-Dlog4j.configuration=" + home.resolve("log4j.properties").toUri(),
            "-cp",
            libs + "/*",
            "io.moquette.broker.Server"));
    process =
        BrokerProcess.start(name(), home, home.resolve("moquette.log"), Map.of(), command, null);
    process.awaitListening(port, "Server started", Duration.ofSeconds(60));
    warmUp();
  }

  /**
   * Moquette 0.17 marks a connection connected in a listener that its session thread adds to the
   * CONNACK write after issuing it; where the event loop has already written the CONNACK, that
   * listener runs as a later event-loop task, and a SUBSCRIBE read before it makes Moquette close
   * the connection ("SUBSCRIBE received on already closed connection"). Measured on fresh brokers:
   * 2 of 15 first subscribes after an MQTT 5 connection attempt failed so, none of 30 after this
   * warm-up, which goes through the same steps (again where Moquette closed it).
   */
  private void warmUp() {
    for (int attempt = 1; ; attempt++) {
      try {
        MqttClients.connected5("testkit-warm-up", port).disconnect();
      } catch (RuntimeException refused) {
        // Moquette 0.17 refuses MQTT 5: the point is the refusal's code path.
      }
      Mqtt3BlockingClient client =
          MqttClients.builder("testkit-warm-up", port).useMqttVersion3().buildBlocking();
      try {
        client.connect();
        client.subscribeWith().topicFilter("testkit/warm-up").qos(MqttQos.AT_LEAST_ONCE).send();
        client.disconnect();
        return;
      } catch (RuntimeException e) {
        System.err.printf("BROKER: %s closed warm-up connection %d: %s%n", name(), attempt, e);
        if (attempt == 3) {
          throw new IllegalStateException(name() + " closed three warm-up connections", e);
        }
      }
    }
  }

  @Override
  public String name() {
    return "Moquette " + version();
  }
}
