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

  /** What every context of one request shares. */
  private record Request(
      String clientId,
      String requestId,
      String type,
      JsonNode envelope,
      Map<String, List<String>> userProperties,
      Map<String, Object> claims,
      Map<String, Object> attributes) {}

  private final Request request;
  private final String operation;
  private final String schema;
  private final String entity;
  private final Set<String> columns;
  private final List<Filter> filters = new ArrayList<>();
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
        new Request(
            clientId, requestId, type, envelope, userProperties, new HashMap<>(), new HashMap<>()),
        operation,
        schema,
        entity,
        columns);
  }

  private RequestContext(
      Request request, String operation, String schema, String entity, Set<String> columns) {
    this.request = request;
    this.operation = operation;
    this.schema = schema;
    this.entity = entity;
    this.columns = columns;
  }

  /**
   * The same request once its operation and entity are known (after {@link
   * RequestHook#beforeHandle}), or for a preloaded relation: the claims and attributes are shared
   * with this context, filters, data and record id start empty.
   */
  public RequestContext forOperation(
      String newOperation, String newSchema, String newEntity, Set<String> newColumns) {
    return new RequestContext(request, newOperation, newSchema, newEntity, newColumns);
  }

  public String clientId() {
    return request.clientId();
  }

  public String requestId() {
    return request.requestId();
  }

  public String type() {
    return request.type();
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
    return request.envelope();
  }

  /** MQTT 5 user properties of the request message, by name. */
  public Optional<String> userProperty(String name) {
    List<String> values = request.userProperties().get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Filters that apply to the request; hooks may add to them. */
  public List<Filter> filters() {
    return filters;
  }

  /** Claims of a verified token (set by the JWT hook). */
  public Map<String, Object> claims() {
    return request.claims();
  }

  public Map<String, Object> attributes() {
    return request.attributes();
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
