package io.connectmqtt.common.publish;

import io.connectmqtt.common.OutboundMessage;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What an {@link AcknowledgedPublisher} publishes through: the publishing part of an {@link
 * io.connectmqtt.common.MqttConnection}, or a fake one in unit tests.
 */
public interface PublishConnection {

  /**
   * Publishes; the future completes when the broker acknowledged the message, and fails with {@link
   * io.connectmqtt.common.MqttConnection.MqttPublishRefusedException} when the broker said no.
   */
  CompletableFuture<Void> publish(OutboundMessage message);

  boolean isConnected();

  /** A failure reconnecting cannot fix (e.g. refused credentials), or empty. */
  Optional<Throwable> fatalError();

  /**
   * Reconnects at once, resuming the session, so that the publishes the broker has not acknowledged
   * are sent again (same packet identifiers, DUP set), or republished when the broker lost the
   * session. For a broker that silently dropped a PUBLISH; nothing to do while the connection is
   * down (its reconnect resends them anyway).
   */
  void resendUnacknowledged();

  /** The broker this connection is to, for log lines. */
  String broker();
}
