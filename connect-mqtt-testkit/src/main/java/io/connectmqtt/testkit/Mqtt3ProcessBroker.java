package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the brokers of the matrix that run as a {@link BrokerProcess} and speak MQTT 3.1.1 only
 * (Aedes, Moquette, RabbitMQ; measured, see each class comment) have in common: a scratch folder
 * and a free port of their own, no shared subscriptions, persistent sessions that survive a restart
 * exactly when started with persistence on, and a stop that gives the process a grace time of its
 * own to write its state.
 */
abstract class Mqtt3ProcessBroker implements TestBroker {

  final Path home;
  final int port;
  final boolean persistent;
  private final Duration stopGrace;

  /** The running process; null while stopped. */
  BrokerProcess process;

  Mqtt3ProcessBroker(String scratchPrefix, boolean persistent, Duration stopGrace) {
    this.home = ProjectLayout.scratch(scratchPrefix);
    this.port = Ports.free();
    this.persistent = persistent;
    this.stopGrace = stopGrace;
  }

  /** Starts the broker process in {@link #home} and waits until it listens on {@link #port}. */
  abstract void startProcess();

  @Override
  public int port() {
    return port;
  }

  @Override
  public boolean mqtt5() {
    return false;
  }

  @Override
  public boolean sharedSubscriptions() {
    return false;
  }

  @Override
  public boolean sessionsSurviveRestart() {
    return persistent;
  }

  /** {@link #stop()}, then the same process again on the same port and data folder. */
  @Override
  public void restart() {
    stop();
    startProcess();
  }

  /** SIGTERM; SIGKILL if the broker has not exited after its grace time. */
  @Override
  public void stop() {
    if (process != null) {
      process.stop(stopGrace);
      process = null;
    }
  }
}
