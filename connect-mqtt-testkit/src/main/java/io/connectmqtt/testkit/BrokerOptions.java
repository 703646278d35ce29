package io.connectmqtt.testkit;

/**
 * How the matrix starts a broker.
 *
 * @param maxQueuedMessages per-client queue of QoS 1/2 messages, where the broker has a limit (HiveMQ CE, mosquitto);
 *     beyond it those brokers drop messages. RabbitMQ, Aedes and Moquette 0.17 have no such limit.
 * @param persistent keep sessions and queued messages on disk so that {@link TestBroker#restart()} keeps them,
 *     where the broker can
 * @param outgoingWindow unacknowledged QoS 1/2 messages the broker may send a subscriber, where it is configurable
 *     (mosquitto {@code max_inflight_messages}, RabbitMQ {@code mqtt.prefetch}); 0 keeps what {@link Broker} documents
 *     as that broker's matrix default
 */
public record BrokerOptions(int maxQueuedMessages, boolean persistent, int outgoingWindow) {

  /**
   * Queues of 1,000,000 messages (crash tests leave backlogs of 100,000 and more in persistent sessions), persistence
   * on, each broker's default outgoing window (RabbitMQ: raised, see {@link RabbitMqBroker}).
   */
  public static final BrokerOptions DEFAULTS = new BrokerOptions(1_000_000, true, 0);

  public BrokerOptions {
    if (maxQueuedMessages < 1) {
      throw new IllegalArgumentException("maxQueuedMessages must be positive: " + maxQueuedMessages);
    }
    if (outgoingWindow < 0 || outgoingWindow > 65_535) {
      throw new IllegalArgumentException("outgoingWindow must be 0..65535: " + outgoingWindow);
    }
  }

  public BrokerOptions withPersistence(boolean persistent) {
    return new BrokerOptions(maxQueuedMessages, persistent, outgoingWindow);
  }

  public BrokerOptions withMaxQueuedMessages(int messages) {
    return new BrokerOptions(messages, persistent, outgoingWindow);
  }

  public BrokerOptions withOutgoingWindow(int messages) {
    return new BrokerOptions(maxQueuedMessages, persistent, messages);
  }
}
