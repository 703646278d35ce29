package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ErrorCode;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.List;

/**
 * Builds the replies of the protocol: success, error, pong, and the reply to subscribe and renewal.
 */
final class Replies {

  private final ObjectMapper json;

  Replies(ObjectMapper json) {
    this.json = json;
  }

  ObjectMapper json() {
    return json;
  }

  Outcome success(
      String id, JsonNode data, ObjectNode metadata, String eventKey, ObjectNode event) {
    ObjectNode reply =
        json.createObjectNode().put("id", id).put("type", "response").put("success", true);
    reply.set("data", data);
    if (metadata != null) {
      reply.set("metadata", metadata);
    }
    reply.put("timestamp", Instant.now().toString());
    return new Outcome(id, reply, eventKey, event, false);
  }

  Outcome success(String id, JsonNode data) {
    return success(id, data, null, null, null);
  }

  Outcome failure(String id, ErrorCode code, String message) {
    ObjectNode reply =
        json.createObjectNode().put("id", id).put("type", "response").put("success", false);
    reply.putObject("error").put("code", code.wire()).put("message", message);
    reply.put("timestamp", Instant.now().toString());
    return new Outcome(id, reply, null, null, false);
  }

  Outcome pong(String id) {
    ObjectNode pong =
        json.createObjectNode().put("id", id).put("type", "pong").put("success", true);
    pong.put("timestamp", Instant.now().toString());
    return new Outcome(id, pong, null, null, false);
  }

  /** The reply to subscribe (and renewal), and the record for the subscriptions topic. */
  Outcome subscribed(String id, ObjectNode record) {
    ObjectNode data =
        json.createObjectNode()
            .put("subscription_id", record.path("subscription_id").asText())
            .put("notify_topic", record.path("notify_topic").asText())
            .put("schema", record.path("schema").asText())
            .put("entity", record.path("entity").asText());
    if (record.hasNonNull("expires_at")) {
      data.put("expires_at", record.path("expires_at").asText());
    }
    return success(id, data)
        .withSubscriptionWrites(
            List.of(
                new AbstractMap.SimpleEntry<>(record.path("subscription_id").asText(), record)));
  }

  /** A client's text quoted in an error message, cut to 60 characters. */
  static String abbreviate(String text) {
    return text == null ? "" : text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
