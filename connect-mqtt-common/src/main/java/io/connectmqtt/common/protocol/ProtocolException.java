package io.connectmqtt.common.protocol;

/**
 * A request that gets an error reply: the code and a message for humans (never SQL text or stack
 * traces).
 */
public final class ProtocolException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
