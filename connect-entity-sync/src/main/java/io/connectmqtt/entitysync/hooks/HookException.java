package io.connectmqtt.entitysync.hooks;

import io.connectmqtt.common.protocol.ErrorCode;

/**
 * A hook refusing a request (FORBIDDEN) or failing (HOOK_ERROR); the message goes to the client.
 */
public class HookException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public HookException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public static HookException forbidden(String message) {
    return new HookException(ErrorCode.FORBIDDEN, message);
  }

  public ErrorCode code() {
    return code;
  }
}
