package io.connectmqtt.testkit;

import com.codahale.metrics.Counter;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * HiveMQ CE, embedded, bound to 127.0.0.1 on free ports (TCP and WebSocket at /mqtt), with every
 * folder inside a scratch directory. Optionally file-persistent, so that a restart keeps sessions
 * and queued messages.
 */
public final class HiveMqBroker implements TestBroker {

  private final Path home;
  private final int port;
  private final int websocketPort;
  private final int maxQueuedMessages;
  private final boolean persistent;
  private boolean sharedSubscriptions = true;
  private int serverReceiveMaximum = 10;

  /** HiveMQ's default: MQTT's largest packet. */
  private int maxPacketSize = 268_435_460;

  private TestCertificates tls;
  private int tlsPort;
  private EmbeddedHiveMQ hivemq;

  private HiveMqBroker(int port, int websocketPort, int maxQueuedMessages, boolean persistent) {
    this.home = ProjectLayout.scratch("hivemq-");
    this.port = port;
    this.websocketPort = websocketPort;
    this.maxQueuedMessages = maxQueuedMessages;
    this.persistent = persistent;
  }

  /**
   * The {@link #outgoingWindow(int)} of tests that send thousands of messages through a broker of
   * their own and are not about that window: at HiveMQ CE's 50, entity sync's request subscriptions
   * took 10,000 subscribes in about 48 s.
   */
  public static final int RAISED_OUTGOING_WINDOW = 1_000;

  /**
   * HiveMQ CE sends a subscriber at most this many unacknowledged QoS 1/2 messages, whatever the
   * subscriber's Receive Maximum: a fixed internal 50 that config.xml cannot change (mosquitto's
   * max_inflight_messages or EMQX's max_inflight can). JVM-wide, and read by running brokers too;
   * returns the window it replaces, for a test to set back when it ends. For benchmarks, and tests
   * whose claim is not about this limit, that would otherwise wait on it.
   */
  public static int outgoingWindow(int messages) {
    int previous =
        com.hivemq.configuration.service.InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES;
    com.hivemq.configuration.service.InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES =
        messages;
    return previous;
  }

  /**
   * {@link #outgoingWindow(int)} raised to {@code messages} until the result is closed, then set
   * back: for a test of its own broker, in a try-with-resources before the broker.
   */
  public static OutgoingWindow outgoingWindowUntilClosed(int messages) {
    return new OutgoingWindow(outgoingWindow(messages));
  }

  /** See {@link #outgoingWindowUntilClosed(int)}; closing it sets {@code previous} back. */
  public record OutgoingWindow(int previous) implements AutoCloseable {
    @Override
    public void close() {
      outgoingWindow(previous);
    }
  }

  /**
   * The per-client queue of the factories that take none, as {@link MosquittoBroker}'s: HiveMQ's
   * own default of 1,000 drops messages it acknowledged once a subscriber falls behind, which a
   * loaded machine makes happen (SinkTransformsIT lost 680 of 3,000 records in CI).
   */
  private static final int TEST_QUEUE = 100_000;

  /** A started broker with in-memory persistence and a queue of {@link #TEST_QUEUE} per client. */
  public static HiveMqBroker start() {
    return start(TEST_QUEUE, false);
  }

  /**
   * A started broker. {@code maxQueuedMessages} is the per-client queue: beyond it HiveMQ drops QoS
   * 1 messages for a client that cannot keep up (counted in {@link #droppedMessages()}).
   */
  public static HiveMqBroker start(int maxQueuedMessages, boolean persistent) {
    HiveMqBroker broker =
        new HiveMqBroker(Ports.free(), Ports.free(), maxQueuedMessages, persistent);
    broker.startBroker();
    return broker;
  }

  /**
   * The broker matrix's instance: the per-client queue from {@code options} and file persistence if
   * it asks for it. HiveMQ CE's outgoing window is a fixed 50 (see {@link #outgoingWindow(int)}),
   * so {@code options.outgoingWindow()} is not applied.
   */
  public static HiveMqBroker startForMatrix(BrokerOptions options) {
    return start(options.maxQueuedMessages(), options.persistent());
  }

  /** A started broker on given ports (the demo's fixed ports). */
  public static HiveMqBroker start(
      int port, int websocketPort, int maxQueuedMessages, boolean persistent) {
    HiveMqBroker broker = new HiveMqBroker(port, websocketPort, maxQueuedMessages, persistent);
    broker.startBroker();
    return broker;
  }

  /**
   * A started broker that lets each publisher have {@code receiveMaximum} unacknowledged QoS 1/2
   * messages in flight (HiveMQ's default is 10), for clients that publish a lot, such as the sink
   * connector.
   */
  public static HiveMqBroker startForPublishers(
      int receiveMaximum, int maxQueuedMessages, boolean persistent) {
    HiveMqBroker broker =
        new HiveMqBroker(Ports.free(), Ports.free(), maxQueuedMessages, persistent);
    broker.serverReceiveMaximum = receiveMaximum;
    broker.startBroker();
    return broker;
  }

  /**
   * A started broker that takes and sends packets of at most {@code bytes} (its CONNACK's Maximum
   * Packet Size), as operators limit brokers that face devices.
   */
  public static HiveMqBroker startWithMaxPacketSize(int bytes) {
    HiveMqBroker broker = new HiveMqBroker(Ports.free(), Ports.free(), TEST_QUEUE, false);
    broker.maxPacketSize = bytes;
    broker.startBroker();
    return broker;
  }

  /**
   * A started broker that refuses shared subscriptions, to test what happens where they are
   * unavailable.
   */
  public static HiveMqBroker startWithoutSharedSubscriptions() {
    HiveMqBroker broker = new HiveMqBroker(Ports.free(), Ports.free(), TEST_QUEUE, false);
    broker.sharedSubscriptions = false;
    broker.startBroker();
    return broker;
  }

  /**
   * A started broker with a mutual-TLS listener too (client certificates required), see {@link
   * #tlsUri()}.
   */
  public static HiveMqBroker startWithMutualTls(TestCertificates certificates) {
    HiveMqBroker broker = new HiveMqBroker(Ports.free(), Ports.free(), TEST_QUEUE, false);
    broker.tls = certificates;
    broker.tlsPort = Ports.free();
    broker.startBroker();
    return broker;
  }

  public String tlsUri() {
    return "ssl://127.0.0.1:" + tlsPort;
  }

  private String tlsListener() {
    if (tls == null) {
      return "";
    }
    return """
        <tls-tcp-listener>
          <port>%d</port><bind-address>127.0.0.1</bind-address>
          <tls>
            <keystore><path>%s</path><password>%s</password><private-key-password>%s</private-key-password></keystore>
            <truststore><path>%s</path><password>%s</password></truststore>
            <client-authentication-mode>REQUIRED</client-authentication-mode>
          </tls>
        </tls-tcp-listener>
        """
        .formatted(
            tlsPort,
            tls.serverKeystoreJks,
            TestCertificates.PASSWORD,
            TestCertificates.PASSWORD,
            tls.truststoreJks,
            TestCertificates.PASSWORD);
  }

  private void startBroker() {
    try {
      Path conf = Files.createDirectories(home.resolve("conf"));
      Files.createDirectories(home.resolve("data"));
      Files.createDirectories(home.resolve("extensions"));
      Files.writeString(
          conf.resolve("config.xml"),
          """
          <?xml version="1.0"?>
          <hivemq>
            <listeners>
              <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
              <websocket-listener>
                <port>%d</port><bind-address>127.0.0.1</bind-address><path>/mqtt</path>
                <subprotocols><subprotocol>mqttv3.1</subprotocol><subprotocol>mqtt</subprotocol></subprotocols>
                <allow-extensions>true</allow-extensions>
              </websocket-listener>
              %s
            </listeners>
            <mqtt>
              <queued-messages><max-queue-size>%d</max-queue-size><strategy>discard</strategy></queued-messages>
              <shared-subscriptions><enabled>%s</enabled></shared-subscriptions>
              <receive-maximum><server-receive-maximum>%d</server-receive-maximum></receive-maximum>
              <packets><max-packet-size>%d</max-packet-size></packets>
            </mqtt>
            <persistence><mode>%s</mode></persistence>
            <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
          </hivemq>
          """
              .formatted(
                  port,
                  websocketPort,
                  tlsListener(),
                  maxQueuedMessages,
                  sharedSubscriptions,
                  serverReceiveMaximum,
                  maxPacketSize,
                  persistent ? "file" : "in-memory"));
      hivemq =
          EmbeddedHiveMQ.builder()
              .withConfigurationFolder(conf)
              .withDataFolder(home.resolve("data"))
              .withExtensionsFolder(home.resolve("extensions"))
              .withoutLoggingBootstrap()
              .build();
      hivemq.start().get(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException("HiveMQ CE did not start on port " + port, e);
    }
  }

  @Override
  public String name() {
    String version = EmbeddedHiveMQ.class.getPackage().getImplementationVersion();
    return "HiveMQ CE " + (version == null ? "(unknown version)" : version);
  }

  @Override
  public boolean mqtt5() {
    return true;
  }

  @Override
  public boolean sharedSubscriptions() {
    return sharedSubscriptions;
  }

  @Override
  public boolean sessionsSurviveRestart() {
    return persistent;
  }

  /** {@link #droppedMessages()}, while the broker runs (the counter restarts with the broker). */
  @Override
  public OptionalLong droppedMessageCount() {
    return hivemq == null ? OptionalLong.empty() : OptionalLong.of(droppedMessages());
  }

  @Override
  public int port() {
    return port;
  }

  public int websocketPort() {
    return websocketPort;
  }

  /** Stops and starts the broker on the same ports; with file persistence sessions survive. */
  @Override
  public void restart() {
    stop();
    startBroker();
  }

  /** Starts the broker again after {@link #stop()}, on the same ports. */
  public void resume() {
    if (hivemq == null) {
      startBroker();
    }
  }

  @Override
  public void stop() {
    if (hivemq != null) {
      try {
        hivemq.stop().get(60, TimeUnit.SECONDS);
        hivemq.close();
      } catch (Exception e) {
        throw new IllegalStateException("HiveMQ CE did not stop", e);
      } finally {
        hivemq = null;
      }
    }
  }

  /** Messages the broker dropped (full client queues and the like), from its own metric. */
  public long droppedMessages() {
    return counter(DROPPED_METRIC, "dropped");
  }

  /**
   * Subscriptions the broker holds now, from its own metric: a client's share of a shared
   * subscription counts as one, so a test can wait until every task has joined its group.
   */
  public long subscriptions() {
    return counter(SUBSCRIPTIONS_METRIC, "subscriptions");
  }

  private long counter(String name, String similar) {
    if (hivemq == null) {
      return 0;
    }
    var counters = hivemq.getMetricRegistry().getCounters();
    Counter counter = counters.get(name);
    if (counter == null) {
      throw new IllegalStateException(
          "HiveMQ has no metric "
              + name
              + "; it has "
              + counters.keySet().stream().filter(n -> n.contains(similar)).toList());
    }
    return counter.getCount();
  }

  private static final String DROPPED_METRIC = "com.hivemq.messages.dropped.count";
  private static final String SUBSCRIPTIONS_METRIC = "com.hivemq.subscriptions.overall.current";
}
