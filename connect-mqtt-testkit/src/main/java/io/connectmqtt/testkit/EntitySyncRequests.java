package io.connectmqtt.testkit;

/**
 * Entity sync's request messages (PROTOCOL.md) as JSON text, for the tests of entity sync and of
 * the modules that run it in a worker.
 */
public final class EntitySyncRequests {

  /** The {@code "schema":"public","entity":"users"} of many tests' requests. */
  public static final String PUBLIC_USERS = "\"schema\":\"public\"," + entity("users");

  private EntitySyncRequests() {}

  /** The target of a request on {@code entity}, without a schema: {@code "entity":"<entity>"}. */
  public static String entity(String entity) {
    return "\"entity\":\"" + entity + "\"";
  }

  /**
   * A request {@code id} of {@code operation} on {@code target} (its entity fields: {@link
   * #entity}, {@link #PUBLIC_USERS}), with the further fields {@code rest} (none if empty).
   */
  public static String request(String id, String operation, String target, String rest) {
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
