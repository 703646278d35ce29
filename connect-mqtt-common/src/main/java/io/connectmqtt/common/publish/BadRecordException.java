package io.connectmqtt.common.publish;

/**
 * A record that cannot become MQTT messages; what happens to it is the {@link
 * AcknowledgedPublisher}'s policy.
 */
public final class BadRecordException extends Exception {
  private static final long serialVersionUID = 1L;

  public BadRecordException(String message, Throwable cause) {
    super(message, cause);
  }
}
