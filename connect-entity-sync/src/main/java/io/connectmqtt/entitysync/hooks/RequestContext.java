package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.Filter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One request as hooks see it. Before hooks may change the filters (for reads; for read-by-id,
 * update and delete they narrow which row may be touched), the data and the record id, and put
 * attributes for later hooks.
 */
public final class RequestContext {

  private final String clientId;
  private final String requestId;
  private final String type;
  private final String operation;
  private final String schema;
  private final String entity;
  private final Set<String> columns;
  private final JsonNode envelope;
  private final Map<String, List<String>> userProperties;
  private final List<Filter> filters = new ArrayList<>();
  private final Map<String, Object> claims;
  private final Map<String, Object> attributes;
  private ObjectNode data;
  private Object recordId;

  public RequestContext(
      String clientId,
      String requestId,
      String type,
      String operation,
      String schema,
      String entity,
      Set<String> columns,
      JsonNode envelope,
      Map<String, List<String>> userProperties) {
    this(
        clientId,
        requestId,
        type,
        operation,
        schema,
        entity,
        columns,
        envelope,
        userProperties,
        new HashMap<>(),
        new HashMap<>());
  }

  private RequestContext(
      String clientId,
      String requestId,
      String type,
      String operation,
      String schema,
      String entity,
      Set<String> columns,
      JsonNode envelope,
      Map<String, List<String>> userProperties,
      Map<String, Object> claims,
      Map<String, Object> attributes) {
    this.claims = claims;
    this.attributes = attributes;
    this.clientId = clientId;
    this.requestId = requestId;
    this.type = type;
    this.operation = operation;
    this.schema = schema;
    this.entity = entity;
    this.columns = columns;
    this.envelope = envelope;
    this.userProperties = userProperties;
  }

  /**
   * The same request once its operation and entity are known (after {@link
   * RequestHook#beforeHandle}): the claims and attributes are shared with this context, filters,
   * data and record id start empty.
   */
  public RequestContext forOperation(
      String newOperation, String newSchema, String newEntity, Set<String> newColumns) {
    return new RequestContext(
        clientId,
        requestId,
        type,
        newOperation,
        newSchema,
        newEntity,
        newColumns,
        envelope,
        userProperties,
        claims,
        attributes);
  }

  public String clientId() {
    return clientId;
  }

  public String requestId() {
    return requestId;
  }

  public String type() {
    return type;
  }

  /**
   * read, create, update, delete, meta, subscribe (also for renewal), unsubscribe, disconnect or
   * forward (pass-through); null in {@link RequestHook#beforeHandle}, which runs before the
   * operation is looked at.
   */
  public String operation() {
    return operation;
  }

  public String schema() {
    return schema;
  }

  /** The entity's table; for forward (pass-through), the message's type; null in beforeHandle. */
  public String entity() {
    return entity;
  }

  /** The entity's column names (empty before the entity is known). */
  public Set<String> columns() {
    return columns;
  }

  /** The request as the client sent it. */
  public JsonNode envelope() {
    return envelope;
  }

  /** MQTT 5 user properties of the request message, by name. */
  public Optional<String> userProperty(String name) {
    List<String> values = userProperties.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Filters that apply to the request; hooks may add to them. */
  public List<Filter> filters() {
    return filters;
  }

  /** Claims of a verified token (set by the JWT hook). */
  public Map<String, Object> claims() {
    return claims;
  }

  public Map<String, Object> attributes() {
    return attributes;
  }

  /** The data of a create or update (may be null); hooks may change it. */
  public ObjectNode data() {
    return data;
  }

  public void data(ObjectNode newData) {
    this.data = newData;
  }

  public Object recordId() {
    return recordId;
  }

  public void recordId(Object newRecordId) {
    this.recordId = newRecordId;
  }
}
