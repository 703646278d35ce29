package io.connectmqtt.common.protocol;

import java.util.Locale;

/** The error codes of the entity-sync protocol (PROTOCOL.md), as they appear on the wire. */
public enum ErrorCode {
  INVALID_MESSAGE,
  INVALID_MESSAGE_TYPE,
  INVALID_OPERATION,
  MODEL_NOT_FOUND,
  INVALID_COLUMN,
  INVALID_FILTER,
  INVALID_VALUE,
  NOT_FOUND,
  CONFLICT,
  FORBIDDEN,
  HOOK_ERROR,
  READ_ERROR,
  CREATE_ERROR,
  UPDATE_ERROR,
  DELETE_ERROR,
  INVALID_SUBSCRIPTION,
  SUBSCRIPTION_NOT_FOUND,
  TOO_LARGE,
  UNAVAILABLE,
  REQUEST_ID_REUSED,
  /** A statement ran longer than the connector's statement timeout and was cancelled. */
  TIMEOUT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
