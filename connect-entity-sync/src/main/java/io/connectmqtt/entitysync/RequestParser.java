package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.Replies.abbreviate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a request payload into checked parts: the envelope (id, type, operation) and, for entity
 * requests, the entity, data, options and record id. Every value is bounded here, before a hook or
 * SQL sees it: the payload size (request.max.bytes), nesting depth, the id's length, each data
 * value's size (entity.sync.data.value.max.bytes) and the number of data keys (at most the entity's
 * columns).
 */
final class RequestParser {

  /** The types of message the protocol defines; others are pass-through or unknown. */
  static final Set<String> TYPES = Set.of("request", "subscription", "ping", "disconnect");

  static final Set<String> OPERATIONS = Set.of("read", "create", "update", "delete", "meta");

  /** The operations of type subscription (a subscribe naming a subscription_id renews it). */
  static final Set<String> SUBSCRIPTION_OPERATIONS = Set.of("subscribe", "unsubscribe");

  private static final int MAX_NESTING = 32;
  private static final int MAX_ID_LENGTH = 200;
  private static final int MAX_SUBSCRIPTION_ID_LENGTH = 64;

  /**
   * A request about one entity: what it asks, its data (a copy the hooks may change), options and
   * record id.
   */
  record EntityRequest(
      String operation,
      Catalog.Entity entity,
      ObjectNode data,
      JsonNode options,
      Object recordId) {}

  private final Catalog catalog;
  private final int maxBytes;
  private final int maxValueBytes;
  private final boolean passThrough;
  private final ObjectMapper json;

  RequestParser(Catalog catalog, int maxBytes, int maxValueBytes, boolean passThrough) {
    this.catalog = catalog;
    this.maxBytes = maxBytes;
    this.maxValueBytes = maxValueBytes;
    this.passThrough = passThrough;
    // Decimals exactly as sent: a double would turn 1e999999999 into Infinity and 1e-400000 into 0
    // unnoticed, and Jackson by default strips trailing zeros: 7.0 for a text column would become
    // '7' (HostileSubscriptionCorpusIT).
    this.json =
        JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    json.getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxStringLength(maxBytes)
                .build());
  }

  ObjectMapper json() {
    return json;
  }

  /**
   * The payload as a JSON object, refused when too large, not JSON, nested too deeply or not an
   * object.
   */
  JsonNode readObject(byte[] payload) throws ProtocolException {
    if (payload.length > maxBytes) {
      throw new ProtocolException(
          ErrorCode.TOO_LARGE,
          "the request has " + payload.length + " bytes; at most " + maxBytes + " are accepted");
    }
    JsonNode root;
    try {
      root = json.readTree(payload);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE,
          "the request is not valid JSON"
              + (e.getOriginalMessage() != null && e.getOriginalMessage().contains("nesting")
                  ? " (nested too deeply)"
                  : ""));
    } catch (IOException e) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request could not be read");
    }
    if (root == null || !root.isObject()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request must be a JSON object");
    }
    return root;
  }

  /** The request id ("" when absent): a string or integer of at most 200 characters. */
  static String id(JsonNode root) throws ProtocolException {
    JsonNode idNode = root.get("id");
    if (idNode == null || idNode.isNull()) {
      return "";
    }
    if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'id' must be a string or a number");
    }
    String id = idNode.asText();
    if (id.length() > MAX_ID_LENGTH) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE,
          "'id' is " + id.length() + " characters long; at most " + MAX_ID_LENGTH + " are allowed");
    }
    return id;
  }

  /**
   * The operation as metrics and the audit log name it, known before the request is checked
   * further.
   */
  String operationName(String type, JsonNode root) {
    String declared = root.path("operation").asText("");
    return switch (type) {
      case "ping", "disconnect" -> type;
      case "request" -> OPERATIONS.contains(declared) ? declared : "invalid";
      case "subscription" -> SUBSCRIPTION_OPERATIONS.contains(declared) ? declared : "invalid";
      default -> passThrough ? "forward" : "invalid";
    };
  }

  /** A read, create, update, delete or meta request. */
  EntityRequest entityRequest(JsonNode root) throws ProtocolException {
    String operation = text(root, "operation", true);
    if (!OPERATIONS.contains(operation)) {
      throw new ProtocolException(
          ErrorCode.INVALID_OPERATION,
          "unknown operation '"
              + abbreviate(operation)
              + "'; use read, create, update, delete or meta");
    }
    Catalog.Entity entity = entity(root);
    JsonNode data = root.get("data");
    if (data != null && !data.isNull() && !data.isObject()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'data' must be an object");
    }
    JsonNode options = options(root);
    ObjectNode copy = data == null || data.isNull() ? null : ((ObjectNode) data).deepCopy();
    if (copy != null) {
      checkBounds(entity, copy);
    }
    return new EntityRequest(operation, entity, copy, options, recordId(root, data, entity));
  }

  /**
   * Each data value within entity.sync.data.value.max.bytes, and no more keys than the entity has
   * columns.
   */
  private void checkBounds(Catalog.Entity entity, ObjectNode data) throws ProtocolException {
    if (data.size() > entity.columns().size()) {
      throw new ProtocolException(
          ErrorCode.TOO_LARGE,
          "'data' has "
              + data.size()
              + " keys; "
              + entity.qualifiedName()
              + " has "
              + entity.columns().size()
              + " columns");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = data.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode value = field.getValue();
      long bytes =
          value.isTextual()
              ? value.asText().getBytes(StandardCharsets.UTF_8).length
              : value.toString().length();
      if (bytes > maxValueBytes) {
        throw new ProtocolException(
            ErrorCode.TOO_LARGE,
            "the value of '"
                + abbreviate(field.getKey())
                + "' has "
                + bytes
                + " bytes; at most "
                + maxValueBytes
                + " are accepted per value");
      }
    }
  }

  /** The entity a request names ('schema' optional), from the catalog only. */
  Catalog.Entity entity(JsonNode root) throws ProtocolException {
    String schema = text(root, "schema", false);
    String entityName = text(root, "entity", true);
    return catalog
        .find(schema, entityName)
        .orElseThrow(
            () ->
                new ProtocolException(
                    ErrorCode.MODEL_NOT_FOUND,
                    "unknown entity '"
                        + abbreviate((schema == null ? "" : schema + ".") + entityName)
                        + "'"));
  }

  /** The 'options' object, or null. */
  static JsonNode options(JsonNode root) throws ProtocolException {
    JsonNode options = root.get("options");
    if (options != null && !options.isNull() && !options.isObject()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'options' must be an object");
    }
    return options;
  }

  /** subscribe or unsubscribe. */
  static String subscriptionOperation(JsonNode root) throws ProtocolException {
    String operation = text(root, "operation", true);
    if (!SUBSCRIPTION_OPERATIONS.contains(operation)) {
      throw new ProtocolException(
          ErrorCode.INVALID_OPERATION,
          "unknown subscription operation '"
              + abbreviate(operation)
              + "'; use subscribe or unsubscribe");
    }
    return operation;
  }

  /** The subscription an unsubscribe names. */
  static String unsubscribeId(JsonNode root) throws ProtocolException {
    return subscriptionId(root)
        .orElseThrow(
            () ->
                new ProtocolException(
                    ErrorCode.INVALID_MESSAGE, "unsubscribe needs a 'subscription_id' string"));
  }

  /** The subscription a subscribe renews, or empty for a new subscription. */
  static Optional<String> renewedId(JsonNode root) throws ProtocolException {
    JsonNode node = subscriptionIdNode(root);
    if (node == null) {
      return Optional.empty();
    }
    return Optional.of(
        subscriptionId(root)
            .orElseThrow(
                () ->
                    new ProtocolException(
                        ErrorCode.INVALID_MESSAGE,
                        "'subscription_id' must be a subscription id string")));
  }

  private static JsonNode subscriptionIdNode(JsonNode root) {
    return root.hasNonNull("subscription_id")
        ? root.get("subscription_id")
        : root.path("data").get("subscription_id");
  }

  private static Optional<String> subscriptionId(JsonNode root) {
    JsonNode node = subscriptionIdNode(root);
    if (node == null
        || !node.isTextual()
        || node.asText().isEmpty()
        || node.asText().length() > MAX_SUBSCRIPTION_ID_LENGTH) {
      return Optional.empty();
    }
    return Optional.of(node.asText());
  }

  private static Object recordId(JsonNode root, JsonNode data, Catalog.Entity entity)
      throws ProtocolException {
    JsonNode node = root.get("record_id");
    if (node == null || node.isNull()) {
      node = data != null && data.isObject() ? data.get(entity.singleKey()) : null;
    }
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() && !node.isNumber()) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE, "'record_id' must be a string or a number");
    }
    return SqlValues.coerce(entity.column(entity.singleKey()).orElseThrow(), node);
  }

  /** A string field; null when absent and not required. */
  static String text(JsonNode root, String field, boolean required) throws ProtocolException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw new ProtocolException(
            ErrorCode.INVALID_MESSAGE, "the request needs a '" + field + "' string");
      }
      return null;
    }
    if (!node.isTextual()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'" + field + "' must be a string");
    }
    return node.asText();
  }
}
