package io.connectmqtt.testkit;

import java.util.OptionalLong;

/**
 * One real MQTT broker of the test matrix, listening on 127.0.0.1. What each broker supports was
 * measured, not taken from its documentation; docs/testing.md has the table. Start one through
 * {@link Broker#start()}.
 */
public interface TestBroker extends AutoCloseable {

  /** Product and version, e.g. "mosquitto 2.0.11". */
  String name();

  /** {@code tcp://127.0.0.1:port}. */
  default String uri() {
    return "tcp://127.0.0.1:" + port();
  }

  int port();

  /** Whether the broker accepts MQTT 5 clients (otherwise only 3.1.1). */
  boolean mqtt5();

  /**
   * Whether {@code $share/group/filter} subscriptions share messages (elsewhere it is a literal
   * topic filter).
   */
  boolean sharedSubscriptions();

  /**
   * Whether persistent sessions (subscriptions and queued QoS 1/2 messages) survive {@link
   * #restart()}: true where this instance was started with persistence on and the broker can
   * persist them.
   */
  boolean sessionsSurviveRestart();

  /**
   * Stops the broker (gracefully, so it can write its state) and starts it again on the same port
   * and data folder.
   */
  void restart();

  /** Stops the broker; {@link #close()} afterwards is a no-op. */
  void stop();

  /**
   * Messages the broker says it dropped (full client queues and the like), where it exposes such a
   * counter; empty where it does not. Named so because {@link HiveMqBroker#droppedMessages()}
   * returns a plain long.
   */
  default OptionalLong droppedMessageCount() {
    return OptionalLong.empty();
  }

  /** Stops the broker. */
  @Override
  default void close() {
    stop();
  }
}
