package io.connectmqtt.testkit;

import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * The broker matrix: every MQTT broker the connectors are tested against, each a real server
 * started by the test, no Docker. {@link #start()} skips the calling test, visibly, where a broker
 * cannot start here (not installed, npm install failed, jars not built, start failure with the
 * broker's log tail). Measured support (docs/testing.md):
 *
 * <table>
 *   <caption>What each broker of the matrix supports, as measured</caption>
 *   <tr><th>broker</th><th>MQTT 5</th><th>$share</th><th>sessions survive restart</th><th>outgoing window</th></tr>
 *   <tr><td>HiveMQ CE 2025.5 (embedded)</td><td>yes</td><td>yes</td><td>yes (file persistence)</td><td>50, fixed</td></tr>
 *   <tr><td>mosquitto 2.0.11 (Debian)</td><td>yes</td><td>yes</td><td>yes (mosquitto.db)</td>
 *       <td>20 (3.1.1); the client's Receive Maximum (5)</td></tr>
 *   <tr><td>RabbitMQ 3.10 MQTT plugin (Debian)</td><td>no</td><td>no</td><td>yes (durable queues)</td>
 *       <td>mqtt.prefetch, raised to 100</td></tr>
 *   <tr><td>Aedes 1.2.0 (npm, Node.js)</td><td>no</td><td>no</td><td>yes (LevelDB)</td><td>none</td></tr>
 *   <tr><td>Moquette 0.17 (Maven Central, own JVM)</td><td>no</td><td>no</td><td>yes (H2 + segments)</td>
 *       <td>10, fixed</td></tr>
 * </table>
 */
public enum Broker {
  HIVEMQ(() -> null, HiveMqBroker::startForMatrix),
  MOSQUITTO(
      () ->
          MosquittoBroker.available()
              ? null
              : "mosquitto is not installed; apt-get install -y mosquitto mosquitto-clients",
      MosquittoBroker::startForMatrix),
  RABBITMQ(RabbitMqBroker::unavailableReason, RabbitMqBroker::start),
  AEDES(AedesBroker::unavailableReason, AedesBroker::start),
  MOQUETTE(MoquetteBroker::unavailableReason, MoquetteBroker::start);

  private final Supplier<String> unavailable;
  private final Function<BrokerOptions, TestBroker> starter;

  Broker(Supplier<String> unavailable, Function<BrokerOptions, TestBroker> starter) {
    this.unavailable = unavailable;
    this.starter = starter;
  }

  /**
   * Skips the calling test unless {@code -Dmatrix.brokers} (comma-separated names, e.g. {@code
   * MOSQUITTO,AEDES}) is unset or names this broker: to run one row of the matrix.
   */
  public void assumeSelected() {
    String only = System.getProperty("matrix.brokers", "");
    Assumptions.assumeTrue(
        only.isBlank() || java.util.List.of(only.toUpperCase().split(",")).contains(name()),
        "not in -Dmatrix.brokers=" + only);
  }

  /** Null if this broker can be started here, else why not and how to install it. */
  public String unavailableReason() {
    return unavailable.get();
  }

  /**
   * Whether the testkit can start this broker with {@link BrokerOptions#users()} and an ACL file.
   */
  public boolean takesAccessControl() {
    return this == MOSQUITTO || this == RABBITMQ;
  }

  /**
   * The ACL this project ships for this broker (docker/acl), in the format {@link
   * BrokerOptions#aclFile()} takes; only for the brokers that {@link #takesAccessControl()}.
   */
  public java.nio.file.Path shippedAcl() {
    return switch (this) {
      case MOSQUITTO -> ProjectLayout.root().resolve("docker/acl/mosquitto.acl");
      case RABBITMQ -> ProjectLayout.root().resolve("docker/acl/rabbitmq-mqtt-acl.sh");
      default ->
          throw new IllegalStateException(
              "no ACL file is shipped for " + this + " that the testkit can load");
    };
  }

  /** Null if this broker can be started here with {@code options}, else why not. */
  private String unavailableReason(BrokerOptions options) {
    if (options.authenticated() && !takesAccessControl()) {
      return "the testkit starts only mosquitto and RabbitMQ with users and ACLs";
    }
    return unavailableReason();
  }

  /**
   * A started broker with {@link BrokerOptions#DEFAULTS}, or the calling test is skipped with a
   * visible message.
   */
  public TestBroker start() {
    return start(BrokerOptions.DEFAULTS);
  }

  /**
   * A started broker, or the calling test is skipped (JUnit assumption) with a message on stderr
   * saying why: not installed, or it failed to start (the message then holds the broker's log
   * tail).
   */
  public TestBroker start(BrokerOptions options) {
    String reason = unavailableReason(options);
    if (reason != null) {
      skip(reason);
    }
    long began = System.nanoTime();
    TestBroker broker;
    try {
      broker = starter.apply(options);
    } catch (RuntimeException e) {
      skip("it did not start: " + e.getMessage());
      throw e;
    }
    System.out.printf(
        "BROKER: %s started in %.1f s on %s (MQTT 5: %s, $share: %s, sessions survive restart: %s, "
            + "users: %s, ACL: %s)%n",
        broker.name(),
        (System.nanoTime() - began) / 1e9,
        broker.uri(),
        broker.mqtt5() ? "yes" : "no",
        broker.sharedSubscriptions() ? "yes" : "no",
        broker.sessionsSurviveRestart() ? "yes" : "no",
        options.authenticated() ? options.users().keySet() : "anyone",
        options.aclFile() == null ? "none" : options.aclFile().getFileName());
    return broker;
  }

  /**
   * A broker that starts without Assumptions, throwing instead: for benchmarks and tools outside
   * JUnit.
   */
  public TestBroker startOrThrow(BrokerOptions options) {
    String reason = unavailableReason(options);
    if (reason != null) {
      throw new IllegalStateException(this + " cannot start: " + reason);
    }
    return starter.apply(options);
  }

  private void skip(String reason) {
    System.err.println("SKIPPED: broker " + this + ": " + reason);
    Assumptions.abort("broker " + this + ": " + reason);
  }
}
