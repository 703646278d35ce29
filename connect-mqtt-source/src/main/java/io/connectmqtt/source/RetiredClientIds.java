package io.connectmqtt.source;

import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client ids of a task that a run with more connections used. The persistent session of such an
 * id is still a member of the shared group and keeps the messages that were in flight to it when it
 * went away (unacknowledged at a stop or a crash; HiveMQ CE hands those to the other members, other
 * brokers keep them in the session), and a broker may queue more for an offline member: those would
 * wait until the session expires. So each id is connected once: without a session on the broker, it
 * disconnects ending the session it just created; with one, it leaves the group and stays
 * connected, so that what was queued for it flows through the intake and is acknowledged after
 * Kafka has it, until the task stops (the session then holds no subscription, and nothing new). The
 * broker's log shows these short connections at every start.
 */
final class RetiredClientIds implements AutoCloseable {

  // The connections' logger: these lines belong with the task's other connection lines.
  private static final Logger log = LoggerFactory.getLogger(SourceConnections.class);

  private final MqttConnectionFactory factory;
  private final int receiveMaximum;
  private final MqttIntake intake;

  /** The shared subscriptions a retired id's session may still hold. */
  private final List<String> memberships;

  private final Runnable onEnded;

  /** Connections of retired client ids, kept until the task stops. */
  private final List<MqttConnection> retiring = new CopyOnWriteArrayList<>();

  /** Retired client ids whose leaving of the shared group has not ended yet. */
  private final AtomicInteger underWay = new AtomicInteger();

  private volatile boolean closed;

  /**
   * Retired ids of a task subscribed to {@code assignedFilters} in {@code group}; {@code onEnded}
   * runs each time one has left the group (or could not be checked).
   */
  RetiredClientIds(
      MqttConnectionFactory factory,
      int receiveMaximum,
      MqttIntake intake,
      List<String> assignedFilters,
      String group,
      Runnable onEnded) {
    this.factory = factory;
    this.receiveMaximum = receiveMaximum;
    this.intake = intake;
    this.memberships =
        assignedFilters.stream()
            .map(f -> TopicFilters.isShared(f) ? f : TopicFilters.shared(group, f))
            .toList();
    this.onEnded = onEnded;
  }

  /** How many ids are to be retired; set before they are, so that {@link #ended} waits for them. */
  void expect(int count) {
    underWay.set(count);
  }

  /** True once every expected id has left the shared group or could not be checked. */
  boolean ended() {
    return underWay.get() <= 0;
  }

  /** Retires the id of {@code retired}; the task now runs {@code connections} connection(s). */
  void retire(MqttConnectionSettings retired, int connections) {
    MqttConnection session = factory.create(retired, receiveMaximum);
    retiring.add(session);
    if (closed) {
      CompletableFuture.runAsync(session::close);
      return;
    }
    intake.attach(session);
    session
        .connect()
        .whenComplete(
            (sessionPresent, error) -> {
              if (error != null) {
                log.info(
                    "MQTT client id '{}' (no longer used) could not be checked for a leftover session ({}); the next "
                        + "start tries again",
                    retired.clientId(),
                    error.toString());
                // Not on the client's thread: closing waits for the DISCONNECT, which that thread
                // sends.
                CompletableFuture.runAsync(session::close);
                retired();
              } else if (!sessionPresent) {
                CompletableFuture.runAsync(session::closeEndingSession);
                retired();
              } else {
                log.warn(
                    "MQTT client id '{}' is no longer used ({}={}), but the broker still had its session: leaving the "
                        + "shared group {} and handing what was queued for it to Kafka",
                    retired.clientId(),
                    SubscriptionConfig.CONNECTIONS_CONFIG,
                    connections,
                    memberships);
                session
                    .unsubscribe(memberships)
                    .whenComplete(
                        (ok, failure) -> {
                          if (failure != null) {
                            log.warn(
                                "MQTT client id '{}' could not leave the shared group: {}",
                                retired.clientId(),
                                failure.toString());
                          }
                          retired();
                        });
              }
            });
  }

  private void retired() {
    underWay.decrementAndGet();
    onEnded.run();
  }

  @Override
  public void close() {
    closed = true;
    retiring.forEach(MqttConnection::close);
  }
}
