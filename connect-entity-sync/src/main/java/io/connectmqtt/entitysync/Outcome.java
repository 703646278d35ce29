package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What handling one request produced: the reply to publish, the change event of a write (null for
 * reads and errors; written to the {@link Outbox} in the write's transaction), subscription records
 * (likewise), and a message of an application-defined type to forward to the pass-through topic
 * (null unless forwarded).
 */
record Outcome(
    String requestId,
    ObjectNode reply,
    String eventKey,
    ObjectNode event,
    boolean repeated,
    String operation,
    List<Map.Entry<String, ObjectNode>> subscriptionWrites,
    JsonNode forwarded) {

  Outcome(String requestId, ObjectNode reply, String eventKey, ObjectNode event, boolean repeated) {
    this(requestId, reply, eventKey, event, repeated, "invalid", List.of(), null);
  }

  Outcome withOperation(String name) {
    return new Outcome(
        requestId, reply, eventKey, event, repeated, name, subscriptionWrites, forwarded);
  }

  /**
   * The records for the subscriptions topic that this request wrote to the outbox (key =
   * subscription id, value null for a tombstone); for tests and logs, the outbox relays them.
   */
  Outcome withSubscriptionWrites(List<Map.Entry<String, ObjectNode>> writes) {
    return new Outcome(requestId, reply, eventKey, event, repeated, operation, writes, forwarded);
  }

  Outcome withForwarded(JsonNode message) {
    return new Outcome(
        requestId, reply, eventKey, event, repeated, operation, subscriptionWrites, message);
  }

  /** "ok", or the error code, for metrics. */
  String outcome() {
    return reply.path("success").asBoolean(false)
        ? "ok"
        : reply.path("error").path("code").asText("error");
  }
}
