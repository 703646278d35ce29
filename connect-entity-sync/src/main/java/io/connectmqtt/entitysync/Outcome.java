package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * What handling one request produced: the reply to publish, the change event of a write (null for reads and
 * errors), subscription records, and a message of an application-defined type to forward to the pass-through topic
 * (null unless forwarded).
 */
record Outcome(String requestId, ObjectNode reply, String eventKey, ObjectNode event, boolean repeated,
    String operation, List<Map.Entry<String, ObjectNode>> subscriptionWrites, JsonNode forwarded,
    long writeSequence) {

  Outcome(String requestId, ObjectNode reply, String eventKey, ObjectNode event, boolean repeated) {
    this(requestId, reply, eventKey, event, repeated, "invalid", List.of(), null, 0);
  }

  Outcome withOperation(String name) {
    return new Outcome(requestId, reply, eventKey, event, repeated, name, subscriptionWrites, forwarded,
        writeSequence);
  }

  /** Records for the subscriptions topic: key = subscription id, value null for a tombstone. */
  Outcome withSubscriptionWrites(List<Map.Entry<String, ObjectNode>> writes) {
    return new Outcome(requestId, reply, eventKey, event, repeated, operation, writes, forwarded, writeSequence);
  }

  Outcome withForwarded(JsonNode message) {
    return new Outcome(requestId, reply, eventKey, event, repeated, operation, subscriptionWrites, message,
        writeSequence);
  }

  /**
   * The order of this write among the writes of this process, taken while the transaction held its row locks:
   * two writes to one row get increasing numbers in commit order, so their change events can be sent in that
   * order even when they were served in parallel.
   */
  Outcome withWriteSequence(long sequence) {
    return new Outcome(requestId, reply, eventKey, event, repeated, operation, subscriptionWrites, forwarded,
        sequence);
  }

  /** "ok", or the error code, for metrics. */
  String outcome() {
    return reply.path("success").asBoolean(false) ? "ok" : reply.path("error").path("code").asText("error");
  }
}
