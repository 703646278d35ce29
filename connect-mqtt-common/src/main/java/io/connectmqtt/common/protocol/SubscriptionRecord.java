package io.connectmqtt.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.TopicFilters;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A live subscription as the compacted subscriptions topic holds it (key: the subscription id):
 * written by entity sync, read by the notify sink, one shape for both.
 *
 * <pre>{"v":1,"subscription_id":"sid","client_id":"c1","schema":"public","entity":"users",
 *  "notify_topic":"spec/c1/notify/sid","created_at":"...","expires_at":"...","database":"postgresql",
 *  "filters":[{"column":"score","operator":"gt","value":"70.25"}],"types":{"score":"decimal"}}
 * </pre>
 *
 * <p>{@code filters} hold each value as the database binds it for its column (a decimal as its
 * exact text, a timestamp as ISO text), {@code types} each filter column's {@link ColumnType},
 * {@code database} the {@link Database} whose rules the filters mean. Records without {@code v}
 * (written before version 1) have neither: the matcher then infers column types from row values. A
 * record of a version this code does not know is refused ({@link
 * UnreadableRecordException#unknownVersion()}), never guessed at.
 *
 * @param version {@value #VERSION}, or 0 for a record written before versions
 * @param expiresAt null when the subscription does not expire
 * @param types the filter columns' types; a column missing here is inferred
 * @param database null when the record does not name one (PostgreSQL's rules apply)
 */
public record SubscriptionRecord(
    int version,
    String subscriptionId,
    String clientId,
    String schema,
    String entity,
    String notifyTopic,
    Instant createdAt,
    Instant expiresAt,
    List<Filter> filters,
    Map<String, ColumnType> types,
    Database database) {

  /** The version this code writes, and the newest it reads. */
  public static final int VERSION = 1;

  public SubscriptionRecord {
    filters = List.copyOf(filters);
    types = Map.copyOf(types);
  }

  /**
   * Why a record cannot be a subscription; the message is for the log and the dead letter queue.
   */
  public static final class UnreadableRecordException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean unknownVersion;

    UnreadableRecordException(String message, boolean unknownVersion) {
      super(message);
      this.unknownVersion = unknownVersion;
    }

    /**
     * True when the record is of a newer version than this code reads (a newer writer, an older
     * reader).
     */
    public boolean unknownVersion() {
      return unknownVersion;
    }
  }

  /** The matcher of this subscription's filters, with its column types and database. */
  public FilterMatcher matcher() {
    return FilterMatcher.of(filters, types, database);
  }

  /**
   * The record as JSON, filter values as given (the writer makes them JSON-safe: no BigDecimal, see
   * above).
   */
  public ObjectNode toJson(ObjectMapper json) {
    ObjectNode node =
        json.createObjectNode()
            .put("v", version)
            .put("subscription_id", subscriptionId)
            .put("client_id", clientId)
            .put("schema", schema)
            .put("entity", entity)
            .put("notify_topic", notifyTopic);
    if (createdAt != null) {
      node.put("created_at", createdAt.toString());
    }
    if (expiresAt != null) {
      node.put("expires_at", expiresAt.toString());
    }
    if (database != null) {
      node.put("database", database.wire());
    }
    ArrayNode filterNodes = node.putArray("filters");
    for (Filter filter : filters) {
      ObjectNode filterNode =
          filterNodes
              .addObject()
              .put("column", filter.column())
              .put("operator", filter.operator().name().toLowerCase(Locale.ROOT));
      if (filter.value() != null) {
        filterNode.set("value", json.valueToTree(filter.value()));
      }
      if (filter.or()) {
        filterNode.put("logic_operator", "OR");
      }
    }
    ObjectNode typeNodes = node.putObject("types");
    types.forEach((column, type) -> typeNodes.put(column, type.wire()));
    return node;
  }

  /**
   * Reads a record strictly: every field the sink relies on present and well-typed, the notify
   * topic publishable, the filters valid. Numbers in {@code node} should have been read as
   * BigDecimals (a filter's text form depends on them).
   */
  public static SubscriptionRecord parse(String subscriptionId, JsonNode node)
      throws UnreadableRecordException {
    if (node == null || !node.isObject()) {
      throw new UnreadableRecordException("it is not a JSON object", false);
    }
    int version = 0;
    JsonNode v = node.get("v");
    if (v != null && !v.isNull()) {
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
        throw new UnreadableRecordException("its 'v' is not a version number", false);
      }
      version = v.intValue();
      if (version > VERSION) {
        throw new UnreadableRecordException(
            "it is of version "
                + version
                + "; this notify sink reads versions up to "
                + VERSION
                + " (upgrade it to match entity sync)",
            true);
      }
    }
    String clientId = text(node, "client_id", true);
    String schema = text(node, "schema", false);
    String entity = text(node, "entity", true);
    String notifyTopic = text(node, "notify_topic", true);
    String topicProblem = TopicFilters.topicNameProblem(notifyTopic);
    if (topicProblem != null) {
      throw new UnreadableRecordException(
          "its notify_topic '" + abbreviate(notifyTopic) + "' is not publishable: " + topicProblem,
          false);
    }
    List<Filter> filters;
    try {
      filters = Filter.parseAll(node.get("filters"));
    } catch (ProtocolException e) {
      throw new UnreadableRecordException("its filters are invalid: " + e.getMessage(), false);
    }
    Map<String, ColumnType> types = new LinkedHashMap<>();
    JsonNode typeNodes = node.get("types");
    if (typeNodes != null && !typeNodes.isNull()) {
      if (!typeNodes.isObject()) {
        throw new UnreadableRecordException("its 'types' is not an object", false);
      }
      for (var field : (Iterable<Map.Entry<String, JsonNode>>) typeNodes::fields) {
        // A type word this code does not know (a newer writer's) leaves the column's type to
        // inference.
        ColumnType.parse(field.getValue().asText(null))
            .ifPresent(type -> types.put(field.getKey(), type));
      }
    }
    Database database = Database.parse(text(node, "database", false)).orElse(null);
    SubscriptionRecord record =
        new SubscriptionRecord(
            version,
            subscriptionId,
            clientId,
            schema == null ? "" : schema,
            entity,
            notifyTopic,
            instant(node, "created_at"),
            instant(node, "expires_at"),
            filters,
            types,
            database);
    try {
      record.matcher();
    } catch (IllegalArgumentException e) {
      throw new UnreadableRecordException("its filters are invalid: " + e.getMessage(), false);
    }
    return record;
  }

  private static Instant instant(JsonNode node, String field) throws UnreadableRecordException {
    String text = text(node, field, false);
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new UnreadableRecordException("its " + field + " is not an ISO-8601 instant", false);
    }
  }

  private static String text(JsonNode node, String field, boolean required)
      throws UnreadableRecordException {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new UnreadableRecordException("it has no '" + field + "'", false);
      }
      return null;
    }
    if (!value.isTextual() || (required && value.asText().isEmpty())) {
      throw new UnreadableRecordException(
          "its '" + field + "' is not a" + (required ? " non-empty" : "") + " string", false);
    }
    return value.asText();
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
