package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.util.Map;

/**
 * How the matrix starts a broker.
 *
 * @param maxQueuedMessages per-client queue of QoS 1/2 messages, where the broker has a limit
 *     (HiveMQ CE, mosquitto); beyond it those brokers drop messages. RabbitMQ, Aedes and Moquette
 *     0.17 have no such limit.
 * @param persistent keep sessions and queued messages on disk so that {@link TestBroker#restart()}
 *     keeps them, where the broker can
 * @param outgoingWindow unacknowledged QoS 1/2 messages the broker may send a subscriber, where it
 *     is configurable (mosquitto {@code max_inflight_messages}, RabbitMQ {@code mqtt.prefetch}); 0
 *     keeps what {@link Broker} documents as that broker's matrix default
 * @param users broker users and their passwords; when there are any, clients without one of them
 *     are refused (anonymous off, RabbitMQ's guest user deleted). Empty: anonymous clients, no ACL.
 * @param aclFile the broker's access rules in its own shipped format, or null for none: mosquitto's
 *     {@code acl_file} (docker/acl/mosquitto.acl); for RabbitMQ a script run once per user as
 *     {@code sh aclFile <user>} with {@code RABBITMQCTL} naming the node's rabbitmqctl
 *     (docker/acl/rabbitmq-mqtt-acl.sh). Only mosquitto and RabbitMQ take users and ACLs; the other
 *     brokers refuse to start with them (the test is skipped).
 */
public record BrokerOptions(
    int maxQueuedMessages,
    boolean persistent,
    int outgoingWindow,
    Map<String, String> users,
    Path aclFile) {

  /**
   * Queues of 1,000,000 messages (crash tests leave backlogs of 100,000 and more in persistent
   * sessions), persistence on, each broker's default outgoing window (RabbitMQ: raised, see {@link
   * RabbitMqBroker}).
   */
  public static final BrokerOptions DEFAULTS =
      new BrokerOptions(1_000_000, true, 0, Map.of(), null);

  public BrokerOptions {
    if (maxQueuedMessages < 1) {
      throw new IllegalArgumentException(
          "maxQueuedMessages must be positive: " + maxQueuedMessages);
    }
    if (outgoingWindow < 0 || outgoingWindow > 65_535) {
      throw new IllegalArgumentException("outgoingWindow must be 0..65535: " + outgoingWindow);
    }
    users = Map.copyOf(users);
    if (aclFile != null && users.isEmpty()) {
      throw new IllegalArgumentException("an ACL binds topics to users: name the users too");
    }
  }

  /** Whether clients must log in as one of {@link #users()}. */
  public boolean authenticated() {
    return !users.isEmpty();
  }

  public BrokerOptions withPersistence(boolean persistent) {
    return new BrokerOptions(maxQueuedMessages, persistent, outgoingWindow, users, aclFile);
  }

  public BrokerOptions withMaxQueuedMessages(int messages) {
    return new BrokerOptions(messages, persistent, outgoingWindow, users, aclFile);
  }

  public BrokerOptions withOutgoingWindow(int messages) {
    return new BrokerOptions(maxQueuedMessages, persistent, messages, users, aclFile);
  }

  /**
   * Only these users (user name to password) may connect, each confined by {@code aclFile} (see
   * above).
   */
  public BrokerOptions withAccessControl(Map<String, String> passwords, Path acl) {
    return new BrokerOptions(maxQueuedMessages, persistent, outgoingWindow, passwords, acl);
  }
}
