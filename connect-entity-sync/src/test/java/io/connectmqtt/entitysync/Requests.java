package io.connectmqtt.entitysync;

/** Request messages of the protocol (PROTOCOL.md), as JSON text. */
final class Requests {

  private Requests() {}

  /** The {@code "schema":"public","entity":"users"} of most tests' requests. */
  static final String PUBLIC_USERS = "\"schema\":\"public\",\"entity\":\"users\"";

  /**
   * A request {@code id} of {@code operation} on {@code target} (its entity fields, e.g. {@link
   * #PUBLIC_USERS}), with the further fields {@code rest} (none if empty).
   */
  static String request(String id, String operation, String target, String rest) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\"request\",\"operation\":\""
        + operation
        + "\","
        + target
        + (rest.isEmpty() ? "" : "," + rest)
        + "}";
  }
}
