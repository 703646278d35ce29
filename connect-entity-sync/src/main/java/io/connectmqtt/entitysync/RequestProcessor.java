package io.connectmqtt.entitysync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ChangeEvent;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.ProtocolException;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import io.connectmqtt.entitysync.hooks.HookException;
import io.connectmqtt.entitysync.hooks.RequestContext;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Executes one protocol request against the database and builds its reply (and, for writes, its change event).
 * Identifiers come only from the {@link Catalog}, values are always bound. A write and the record of its request
 * id commit in one transaction, so a redelivered request returns its original reply instead of running again.
 */
final class RequestProcessor {

  /**
   * The reply to publish, the change event to write (null for reads and errors), subscription records, and a message
   * of an application-defined type to forward to the pass-through topic (null unless forwarded).
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

  private static final Set<String> TYPES = Set.of("request", "subscription", "ping", "disconnect");
  private static final java.util.concurrent.atomic.AtomicLong WRITES = new java.util.concurrent.atomic.AtomicLong();
  private static final Set<String> OPERATIONS = Set.of("read", "create", "update", "delete", "meta");

  private final DataSource dataSource;
  private final Dialect dialect;
  private final Catalog catalog;
  private final ReplayStore replays;
  private final int defaultLimit;
  private final int maxLimit;
  private final int maxBytes;
  private final ObjectMapper json;
  private final List<RequestHook> hooks;
  private final String auditTable;
  private final String subscriptionsTable;
  private final String prefix;
  private final java.time.Duration subscriptionTtl;
  private final boolean passThrough;
  private final ResponseTopicPolicy responseTopics;
  private final SubscriptionQuota subscriptionQuota;
  private final long statementTimeoutMillis;

  RequestProcessor(DataSource dataSource, Dialect dialect, Catalog catalog, EntitySyncConfig config,
      List<RequestHook> hooks) {
    this.hooks = List.copyOf(hooks);
    this.subscriptionsTable = dialect.table(config.getString(EntitySyncConfig.DEFAULT_SCHEMA_CONFIG),
        config.getString(EntitySyncConfig.STATE_TABLE_CONFIG) + "_subscriptions");
    this.statementTimeoutMillis = config.getLong(EntitySyncConfig.STATEMENT_TIMEOUT_CONFIG);
    this.prefix = config.getString(EntitySyncConfig.PREFIX_CONFIG);
    this.responseTopics = new ResponseTopicPolicy(prefix);
    this.subscriptionQuota = new SubscriptionQuota(subscriptionsTable,
        config.getInt(EntitySyncConfig.SUBSCRIPTIONS_MAX_PER_CLIENT_CONFIG));
    this.subscriptionTtl = java.time.Duration.ofSeconds(config.getLong(EntitySyncConfig.SUBSCRIPTION_TTL_CONFIG));
    String passThroughTopic = config.getString(EntitySyncConfig.PASS_THROUGH_TOPIC_CONFIG);
    this.passThrough = passThroughTopic != null && !passThroughTopic.isBlank();
    String audit = config.getString(EntitySyncConfig.AUDIT_TABLE_CONFIG);
    this.auditTable = audit == null || audit.isBlank() ? null
        : dialect.table(config.getString(EntitySyncConfig.DEFAULT_SCHEMA_CONFIG), audit.trim());
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.catalog = catalog;
    this.defaultLimit = config.getInt(EntitySyncConfig.LIMIT_DEFAULT_CONFIG);
    this.maxLimit = config.getInt(EntitySyncConfig.LIMIT_MAX_CONFIG);
    this.maxBytes = config.getInt(EntitySyncConfig.REQUEST_MAX_BYTES_CONFIG);
    // Decimals exactly as sent: a double would turn 1e999999999 into Infinity and 1e-400000 into 0 unnoticed.
    this.json = JsonMapper.builder().enable(com.fasterxml.jackson.databind.DeserializationFeature
        .USE_BIG_DECIMAL_FOR_FLOATS).build();
    json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32)
        .maxStringLength(maxBytes).build());
    this.replays = new ReplayStore(dialect, config.getString(EntitySyncConfig.DEFAULT_SCHEMA_CONFIG),
        config.getString(EntitySyncConfig.STATE_TABLE_CONFIG),
        java.time.Duration.ofSeconds(config.getLong(EntitySyncConfig.STATE_RETENTION_CONFIG)), json);
  }

  ObjectMapper json() {
    return json;
  }

  ResponseTopicPolicy responseTopics() {
    return responseTopics;
  }

  void createStateTable() throws SQLException {
    List<String> statements = new ArrayList<>(replays.ddl());
    String timestamp = dialect.timestampType();
    statements.add(dialect.createTableIfMissing(subscriptionsTable, List.of(
        "subscription_id VARCHAR(64) NOT NULL PRIMARY KEY", "client_id VARCHAR(200) NOT NULL",
        "schema_name VARCHAR(200) NOT NULL", "entity VARCHAR(200) NOT NULL", "created_at " + timestamp + " NOT NULL")));
    // Added after the first release: the subscription as published (to re-publish it on renewal) and its expiry.
    statements.add(dialect.addColumnIfMissing(subscriptionsTable, "definition", dialect.textType()));
    statements.add(dialect.addColumnIfMissing(subscriptionsTable, "expires_at", timestamp));
    statements.add(dialect.addColumnIfMissing(subscriptionsTable, "request_hash", "VARCHAR(64)"));
    if (auditTable != null) {
      statements.add(dialect.createTableIfMissing(auditTable, List.of("received_at " + timestamp + " NOT NULL",
          "client_id VARCHAR(200) NOT NULL", "request_id VARCHAR(200) NOT NULL", "operation VARCHAR(20) NOT NULL",
          "outcome VARCHAR(40) NOT NULL", "request VARCHAR(4000)")));
    }
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      for (String ddl : statements) {
        executeDdlRacingOtherTasks(statement, ddl);
      }
    }
  }

  /**
   * Tasks start together and all create the same tables. "IF NOT EXISTS" is not atomic in PostgreSQL: the loser of
   * the race gets a duplicate-object error (e.g. 'type "..." already exists') instead of a no-op. Running the
   * statement again once the winner has committed is then the no-op it was meant to be.
   */
  private static void executeDdlRacingOtherTasks(Statement statement, String ddl) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try {
        statement.execute(ddl);
        return;
      } catch (SQLException e) {
        if (attempt >= 5) {
          throw e;
        }
        try {
          Thread.sleep(50L * attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }


  /**
   * Handles one request payload from client {@code clientId}, sent with an MQTT 5 Response Topic or none; never
   * throws for anything the client sent.
   */
  Outcome handle(String clientId, byte[] payload, Map<String, List<String>> userProperties,
      java.util.Optional<String> responseTopic) {
    String[] operation = {"invalid"};
    Outcome outcome = handle(clientId, payload, userProperties, responseTopic, operation)
        .withOperation(operation[0]);
    if (auditTable != null) {
      audit(clientId, outcome, payload);
    }
    return outcome;
  }

  /** One audit row per request, refused and failed ones included; a failing audit never fails the request. */
  private void audit(String clientId, Outcome outcome, byte[] payload) {
    String request = new String(payload, 0, Math.min(payload.length, 4_000), java.nio.charset.StandardCharsets.UTF_8);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement insert = connection.prepareStatement("INSERT INTO " + auditTable
            + " (received_at, client_id, request_id, operation, outcome, request) VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setTimestamp(1, java.sql.Timestamp.from(Instant.now()));
      insert.setString(2, clientId);
      insert.setString(3, outcome.requestId());
      insert.setString(4, outcome.operation());
      insert.setString(5, outcome.outcome());
      insert.setString(6, request.length() > 4_000 ? request.substring(0, 4_000) : request);
      insert.executeUpdate();
    } catch (SQLException e) {
      org.slf4j.LoggerFactory.getLogger(RequestProcessor.class).warn("Could not write the audit row for request "
          + "'{}' of client '{}': {}", outcome.requestId(), clientId, e.getMessage());
    }
  }

  private Outcome handle(String clientId, byte[] payload, Map<String, List<String>> userProperties,
      java.util.Optional<String> responseTopic, String[] operationSeen) {
    String id = "";
    try {
      if (payload.length > maxBytes) {
        throw new ProtocolException(ErrorCode.TOO_LARGE, "the request has " + payload.length + " bytes; at most "
            + maxBytes + " are accepted");
      }
      JsonNode root;
      try {
        root = json.readTree(payload);
      } catch (JsonProcessingException e) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request is not valid JSON"
            + (e.getOriginalMessage() != null && e.getOriginalMessage().contains("nesting") ? " (nested too deeply)"
                : ""));
      } catch (IOException e) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request could not be read");
      }
      if (root == null || !root.isObject()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request must be a JSON object");
      }
      String fingerprint = RequestFingerprint.of(root);
      JsonNode idNode = root.get("id");
      if (idNode != null && !idNode.isNull()) {
        if (!idNode.isTextual() && !idNode.isIntegralNumber()) {
          throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'id' must be a string or a number");
        }
        id = idNode.asText();
        if (id.length() > 200) {
          String tooLong = id;
          id = "";
          throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'id' is " + tooLong.length()
              + " characters long; at most 200 are allowed");
        }
      }
      String topicProblem = responseTopic.map(topic -> responseTopics.problem(clientId, topic)).orElse(null);
      if (topicProblem != null) {
        throw new ProtocolException(ErrorCode.FORBIDDEN, topicProblem);
      }
      String type = text(root, "type", true);
      operationSeen[0] = operationName(type, root);
      // Authentication (and whatever else guards every message) before anything else is looked at.
      RequestContext handling = new RequestContext(clientId, id, type, null, null, null, Set.of(), root,
          userProperties);
      for (RequestHook hook : hooks) {
        hook.beforeHandle(handling);
      }
      if (!TYPES.contains(type)) {
        if (!passThrough) {
          throw new ProtocolException(ErrorCode.INVALID_MESSAGE_TYPE, "unknown message type '" + abbreviate(type)
              + "'; use request, subscription, ping or disconnect");
        }
        // An application's own message type: forwarded to the pass-through topic as the hooks let it through.
        RequestContext context = handling.forOperation("forward", null, type, Set.of());
        context.data(((ObjectNode) root).deepCopy());
        for (RequestHook hook : hooks) {
          hook.beforeForward(context);
        }
        return success(id, json.createObjectNode().put("forwarded", true), null, null, null)
            .withForwarded(context.data());
      }
      if (type.equals("ping")) {
        ObjectNode pong = json.createObjectNode().put("id", id).put("type", "pong").put("success", true);
        pong.put("timestamp", Instant.now().toString());
        return new Outcome(id, pong, null, null, false);
      }
      if (type.equals("disconnect")) {
        RequestContext context = handling.forOperation("disconnect", null, null, Set.of());
        for (RequestHook hook : hooks) {
          hook.beforeDisconnect(context);
        }
        Outcome outcome = disconnect(clientId, id);
        for (RequestHook hook : hooks) {
          hook.afterDisconnect(context);
        }
        return outcome;
      }
      if (type.equals("subscription")) {
        return subscription(handling, fingerprint);
      }
      String operation = text(root, "operation", true);
      if (!OPERATIONS.contains(operation)) {
        throw new ProtocolException(ErrorCode.INVALID_OPERATION, "unknown operation '" + abbreviate(operation)
            + "'; use read, create, update, delete or meta");
      }
      String schema = text(root, "schema", false);
      String entityName = text(root, "entity", true);
      Catalog.Entity entity = catalog.find(schema, entityName).orElseThrow(() -> new ProtocolException(
          ErrorCode.MODEL_NOT_FOUND, "unknown entity '" + abbreviate((schema == null ? "" : schema + ".")
              + entityName) + "'"));
      JsonNode data = root.get("data");
      if (data != null && !data.isNull() && !data.isObject()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'data' must be an object");
      }
      JsonNode options = root.get("options");
      if (options != null && !options.isNull() && !options.isObject()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'options' must be an object");
      }
      RequestContext context = handling.forOperation(operation, entity.schema(), entity.table(),
          entity.columns().keySet());
      context.data(data == null || data.isNull() ? null : ((ObjectNode) data).deepCopy());
      context.recordId(recordId(root, data, entity));
      return switch (operation) {
        case "meta" -> {
          for (RequestHook hook : hooks) {
            hook.beforeMeta(context);
          }
          yield success(id, meta(entity), null, null, null);
        }
        case "read" -> read(context, entity, options);
        default -> write(context, entity, fingerprint);
      };
    } catch (ProtocolException e) {
      return failure(id, e.code(), e.getMessage());
    } catch (HookException e) {
      return failure(id, e.code(), e.getMessage());
    } catch (RuntimeException e) {
      // A hook (or a bug) failed: the client gets an error, the task keeps serving.
      return failure(id, ErrorCode.HOOK_ERROR, "the request could not be processed");
    }
  }

  /** The operation as metrics and the audit log name it, known before the request is checked further. */
  private String operationName(String type, JsonNode root) {
    String declared = root.path("operation").asText("");
    return switch (type) {
      case "ping", "disconnect" -> type;
      case "request" -> OPERATIONS.contains(declared) ? declared : "invalid";
      case "subscription" -> declared.equals("subscribe") || declared.equals("unsubscribe") ? declared : "invalid";
      default -> passThrough ? "forward" : "invalid";
    };
  }

  private Object recordId(JsonNode root, JsonNode data, Catalog.Entity entity) throws ProtocolException {
    JsonNode node = root.get("record_id");
    if (node == null || node.isNull()) {
      node = data != null && data.isObject() ? data.get(entity.singleKey()) : null;
    }
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() && !node.isNumber()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'record_id' must be a string or a number");
    }
    return SqlValues.coerce(entity.column(entity.singleKey()).orElseThrow(), node);
  }

  private ObjectNode meta(Catalog.Entity entity) {
    ObjectNode meta = json.createObjectNode().put("schema", entity.schema()).put("entity", entity.table())
        .put("table_name", entity.table()).put("primary_key", entity.singleKey());
    ArrayNode columns = meta.putArray("columns");
    entity.columns().values().stream().sorted(java.util.Comparator.comparing(Catalog.Column::name))
        .forEach(c -> columns.addObject().put("name", c.name()).put("type", c.typeName().toLowerCase())
            .put("nullable", c.nullable()));
    return meta;
  }

  private Outcome subscription(RequestContext handling, String fingerprint) throws ProtocolException, HookException {
    String clientId = handling.clientId();
    String id = handling.requestId();
    JsonNode root = handling.envelope();
    String operation = text(root, "operation", true);
    if (!operation.equals("subscribe") && !operation.equals("unsubscribe")) {
      throw new ProtocolException(ErrorCode.INVALID_OPERATION, "unknown subscription operation '"
          + abbreviate(operation) + "'; use subscribe or unsubscribe");
    }
    if (operation.equals("unsubscribe")) {
      JsonNode sidNode = root.hasNonNull("subscription_id") ? root.get("subscription_id")
          : root.path("data").get("subscription_id");
      if (sidNode == null || !sidNode.isTextual() || sidNode.asText().isEmpty() || sidNode.asText().length() > 64) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "unsubscribe needs a 'subscription_id' string");
      }
      String sid = sidNode.asText();
      RequestContext context = aboutSubscription(handling, operation, ownSubscription(handling, operation, sid, ""));
      for (RequestHook hook : hooks) {
        hook.beforeUnsubscribe(context);
      }
      try (Connection connection = dataSource.getConnection();
          PreparedStatement delete = connection.prepareStatement("DELETE FROM " + subscriptionsTable
              + " WHERE subscription_id = ? AND client_id = ?")) {
        delete.setString(1, sid);
        delete.setString(2, clientId);
        if (delete.executeUpdate() == 0) {
          throw new ProtocolException(ErrorCode.SUBSCRIPTION_NOT_FOUND, "no subscription '" + abbreviate(sid)
              + "' of this client");
        }
      } catch (SQLException e) {
        throw databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, "unsubscribe");
      }
      for (RequestHook hook : hooks) {
        hook.afterUnsubscribe(context);
      }
      ObjectNode data = json.createObjectNode().put("subscription_id", sid).put("unsubscribed", true);
      return success(id, data, null, null, null).withSubscriptionWrites(List.of(new java.util.AbstractMap
          .SimpleEntry<>(sid, null)));
    }
    JsonNode renewed = root.hasNonNull("subscription_id") ? root.get("subscription_id")
        : root.path("data").get("subscription_id");
    if (renewed != null) {
      if (!renewed.isTextual() || renewed.asText().isEmpty() || renewed.asText().length() > 64) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'subscription_id' must be a subscription id string");
      }
      return renew(handling, renewed.asText());
    }
    String schema = text(root, "schema", false);
    String entityName = text(root, "entity", true);
    Catalog.Entity entity = catalog.find(schema, entityName).orElseThrow(() -> new ProtocolException(
        ErrorCode.MODEL_NOT_FOUND, "unknown entity '" + abbreviate((schema == null ? "" : schema + ".")
            + entityName) + "'"));
    JsonNode options = root.get("options");
    if (options != null && !options.isNull() && !options.isObject()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'options' must be an object");
    }
    RequestContext context = handling.forOperation(operation, entity.schema(), entity.table(),
        entity.columns().keySet());
    context.filters().addAll(Filter.parseAll(options == null ? null : options.get("filters")));
    for (RequestHook hook : hooks) {
      hook.beforeSubscribe(context);
    }
    List<Filter> filters = new ArrayList<>();
    Map<String, ColumnType> types = new java.util.TreeMap<>();
    for (Filter filter : context.filters()) {
      Catalog.Column column = column(entity, filter.column());
      // Checked exactly as a read checks it, each value as the read binds it.
      filters.add(FilterValues.recorded(dialect, column, filter));
      SqlValues.type(column).ifPresent(type -> types.put(column.name(), type));
    }
    // Derived from the request, so a redelivered subscribe finds its subscription instead of making a second one.
    String sid = java.util.UUID.nameUUIDFromBytes((clientId + '\u0000' + id).getBytes(StandardCharsets.UTF_8))
        .toString();
    String notifyTopic = prefix + "/" + clientId + "/notify/" + sid;
    Instant now = Instant.now();
    Instant expiresAt = SubscriptionLifetime.expiresAt(now, subscriptionTtl, context.claims());
    ObjectNode record = new SubscriptionRecord(SubscriptionRecord.VERSION, sid, clientId, entity.schema(),
        entity.table(), notifyTopic, now, expiresAt, filters, types, database(dialect)).toJson(json);
    try (Connection connection = dataSource.getConnection()) {
      ObjectNode existing = storedSubscription(connection, clientId, sid, id, fingerprint);
      if (existing != null) {
        record = existing;
      } else {
        subscriptionQuota.checkRoomForOneMore(connection, clientId, now);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + subscriptionsTable
            + " (subscription_id, client_id, schema_name, entity, created_at, definition, expires_at, request_hash) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
          insert.setString(1, sid);
          insert.setString(2, clientId);
          insert.setString(3, entity.schema());
          insert.setString(4, entity.table());
          insert.setTimestamp(5, java.sql.Timestamp.from(now));
          insert.setString(6, record.toString());
          insert.setTimestamp(7, expiresAt == null ? null : java.sql.Timestamp.from(expiresAt));
          insert.setString(8, fingerprint);
          insert.executeUpdate();
        } catch (SQLException duplicate) {
          // The same request redelivered to another task at the same moment: answer with what that task stored.
          existing = storedSubscription(connection, clientId, sid, id, fingerprint);
          if (existing == null) {
            throw duplicate;
          }
          record = existing;
        }
      }
    } catch (SQLException e) {
      throw databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, "subscribe");
    }
    for (RequestHook hook : hooks) {
      hook.afterSubscribe(context);
    }
    return subscribed(id, record);
  }

  /** The reply to subscribe (and renewal), and the record for the subscriptions topic. */
  private Outcome subscribed(String id, ObjectNode record) {
    ObjectNode data = json.createObjectNode().put("subscription_id", record.path("subscription_id").asText())
        .put("notify_topic", record.path("notify_topic").asText()).put("schema", record.path("schema").asText())
        .put("entity", record.path("entity").asText());
    if (record.hasNonNull("expires_at")) {
      data.put("expires_at", record.path("expires_at").asText());
    }
    return success(id, data, null, null, null).withSubscriptionWrites(List.of(new java.util.AbstractMap
        .SimpleEntry<>(record.path("subscription_id").asText(), record)));
  }

  /**
   * The subscription as published, if {@code clientId} owns {@code sid}; when a subscribe request's fingerprint is
   * given, a subscription made by a different request with the same id is request_id_reused.
   */
  private ObjectNode storedSubscription(Connection connection, String clientId, String sid, String requestId,
      String fingerprint) throws SQLException, ProtocolException {
    try (PreparedStatement select = connection.prepareStatement("SELECT definition, request_hash FROM "
        + subscriptionsTable + " WHERE subscription_id = ? AND client_id = ?")) {
      select.setString(1, sid);
      select.setString(2, clientId);
      try (ResultSet rows = select.executeQuery()) {
        if (!rows.next() || rows.getString(1) == null) {
          return null;
        }
        if (fingerprint != null) {
          ReplayStore.requireSameRequest(rows.getString(2), fingerprint, requestId);
        }
        return (ObjectNode) json.readTree(rows.getString(1));
      } catch (java.io.IOException e) {
        throw new SQLException("stored subscription " + sid + " is not JSON", e);
      }
    }
  }

  /** One of the client's stored subscriptions, as published. */
  private ObjectNode ownSubscription(RequestContext handling, String operation, String sid, String hint)
      throws ProtocolException {
    ObjectNode record;
    try (Connection connection = dataSource.getConnection()) {
      record = storedSubscription(connection, handling.clientId(), sid, handling.requestId(), null);
    } catch (SQLException e) {
      throw databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, operation);
    }
    if (record == null) {
      throw new ProtocolException(ErrorCode.SUBSCRIPTION_NOT_FOUND, "no subscription '" + abbreviate(sid)
          + "' of this client" + hint);
    }
    return record;
  }

  /**
   * The context of a request about a stored subscription: its entity and its filters as stored (those hooks added
   * at subscribe included), for the hooks to check.
   */
  private RequestContext aboutSubscription(RequestContext handling, String operation, ObjectNode record)
      throws ProtocolException {
    String schema = record.path("schema").asText();
    String table = record.path("entity").asText();
    RequestContext context = handling.forOperation(operation, schema, table,
        catalog.find(schema, table).map(entity -> entity.columns().keySet()).orElse(Set.of()));
    context.filters().addAll(Filter.parseAll(record.get("filters")));
    return context;
  }

  /**
   * Extends the lifetime of one of the client's subscriptions (at most to the expiry of the token presented now)
   * and publishes it again.
   */
  private Outcome renew(RequestContext handling, String sid) throws ProtocolException, HookException {
    ObjectNode record = ownSubscription(handling, "subscribe", sid, " to renew; subscribe without a "
        + "subscription_id for a new one");
    RequestContext context = aboutSubscription(handling, "subscribe", record);
    for (RequestHook hook : hooks) {
      hook.beforeRenew(context);
    }
    Instant expiresAt = SubscriptionLifetime.expiresAt(Instant.now(), subscriptionTtl, context.claims());
    if (expiresAt != null) {
      record.put("expires_at", expiresAt.toString());
      try (Connection connection = dataSource.getConnection();
          // A subscription whose lifetime ended is gone, even before the next sweep removes its row.
          PreparedStatement update = connection.prepareStatement("UPDATE " + subscriptionsTable
              + " SET expires_at = ?, definition = ? WHERE subscription_id = ? AND client_id = ?"
              + " AND (expires_at IS NULL OR expires_at >= ?)")) {
        update.setTimestamp(1, java.sql.Timestamp.from(expiresAt));
        update.setString(2, record.toString());
        update.setString(3, sid);
        update.setString(4, handling.clientId());
        update.setTimestamp(5, java.sql.Timestamp.from(Instant.now()));
        if (update.executeUpdate() == 0) {
          throw new ProtocolException(ErrorCode.SUBSCRIPTION_NOT_FOUND, "no subscription '" + abbreviate(sid)
              + "' of this client to renew; subscribe without a subscription_id for a new one");
        }
      } catch (SQLException e) {
        throw databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, "subscribe");
      }
    }
    return subscribed(handling.requestId(), record);
  }

  /**
   * Removes subscriptions whose lifetime (entity.sync.subscription.ttl.seconds, or their token's expiry) ended;
   * returns their ids, for tombstones.
   */
  List<String> expireSubscriptions(Instant now) throws SQLException {
    List<String> expired = new ArrayList<>();
    try (Connection connection = dataSource.getConnection();
        PreparedStatement select = connection.prepareStatement("SELECT subscription_id FROM " + subscriptionsTable
            + " WHERE expires_at < ?");
        PreparedStatement delete = connection.prepareStatement("DELETE FROM " + subscriptionsTable
            + " WHERE subscription_id = ? AND expires_at < ?")) {
      select.setTimestamp(1, java.sql.Timestamp.from(now));
      List<String> candidates = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          candidates.add(rows.getString(1));
        }
      }
      // Several tasks may sweep at once: each tombstones only what its own DELETE removed.
      for (String sid : candidates) {
        delete.setString(1, sid);
        delete.setTimestamp(2, java.sql.Timestamp.from(now));
        if (delete.executeUpdate() == 1) {
          expired.add(sid);
        }
      }
    }
    return expired;
  }

  /** Drops every subscription of {@code clientId} (sent as the client's MQTT Will message). */
  private Outcome disconnect(String clientId, String id) throws ProtocolException {
    List<Map.Entry<String, ObjectNode>> tombstones = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try (PreparedStatement select = connection.prepareStatement("SELECT subscription_id FROM "
          + subscriptionsTable + " WHERE client_id = ? FOR UPDATE")) {
        select.setString(1, clientId);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            tombstones.add(new java.util.AbstractMap.SimpleEntry<>(rows.getString(1), null));
          }
        }
      }
      try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + subscriptionsTable
          + " WHERE client_id = ?")) {
        delete.setString(1, clientId);
        delete.executeUpdate();
      }
      connection.commit();
    } catch (SQLException e) {
      throw databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, "disconnect");
    }
    ObjectNode data = json.createObjectNode().put("disconnected", true)
        .put("subscriptions_removed", tombstones.size());
    return success(id, data, null, null, null).withSubscriptionWrites(tombstones);
  }

  private Outcome read(RequestContext context, Catalog.Entity entity, JsonNode options)
      throws ProtocolException, HookException {
    String id = context.requestId();
    if (context.recordId() == null) {
      context.filters().addAll(Filter.parseAll(options == null ? null : options.get("filters")));
    }
    for (RequestHook hook : hooks) {
      hook.beforeRead(context);
    }
    Object recordId = context.recordId() == null ? null
        : SqlValues.coerce(column(entity, entity.singleKey()), context.recordId());
    List<String> columns = columns(entity, options == null ? null : options.get("columns"));
    String projection = columns.isEmpty() ? "*" : String.join(", ", columns.stream().map(dialect::quote).toList());
    try (Connection connection = dataSource.getConnection()) {
      if (recordId != null) {
        ObjectNode row = selectById(connection, entity, projection, recordId, context.filters(), false);
        if (row == null) {
          throw new ProtocolException(ErrorCode.NOT_FOUND, "no " + entity.qualifiedName() + " with "
              + entity.singleKey() + " " + recordId);
        }
        preload(connection, context, entity, options, List.of(row), Math.min(intOption(options, "limit",
            defaultLimit), maxLimit));
        for (RequestHook hook : hooks) {
          hook.afterRead(context, row);
        }
        return success(id, row, json.createObjectNode().put("total", 1), null, null);
      }
      List<Object> parameters = new ArrayList<>();
      String where = where(entity, context.filters(), parameters);
      String orderBy = orderBy(entity, options == null ? null : options.get("sort"));
      int limit = Math.min(intOption(options, "limit", defaultLimit), maxLimit);
      int offset = intOption(options, "offset", 0);
      long total;
      try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM " + dialect.table(entity)
          + where)) {
        bindAll(count, parameters);
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          total = rows.getLong(1);
        }
      }
      ArrayNode data = json.createArrayNode();
      try (PreparedStatement select = connection.prepareStatement("SELECT " + projection + " FROM "
          + dialect.table(entity) + where + orderBy + " LIMIT ? OFFSET ?")) {
        bindAll(select, parameters);
        select.setInt(parameters.size() + 1, limit);
        select.setInt(parameters.size() + 2, offset);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            data.add(SqlValues.row(rows));
          }
        }
      }
      List<ObjectNode> loaded = new ArrayList<>();
      data.forEach(row -> loaded.add((ObjectNode) row));
      preload(connection, context, entity, options, loaded, limit);
      ObjectNode metadata = json.createObjectNode().put("total", total).put("count", data.size())
          .put("limit", limit).put("offset", offset);
      for (RequestHook hook : hooks) {
        hook.afterRead(context, data);
      }
      return success(id, data, metadata, null, null);
    } catch (SQLException e) {
      throw databaseError(e, ErrorCode.READ_ERROR, "read");
    }
  }

  /**
   * options.preload: adds to each row its related rows through a foreign key, one level deep, as a nested object
   * (many-to-one) or array (one-to-many, at most {@code limit} per row). The related rows are a read of their own
   * entity by the same client, so the hooks' rules (roles, tenant) apply to them too.
   */
  private void preload(Connection connection, RequestContext context, Catalog.Entity entity, JsonNode options,
      List<ObjectNode> rows, int limit) throws ProtocolException, HookException, SQLException {
    JsonNode preload = options == null ? null : options.get("preload");
    if (preload == null || preload.isNull()) {
      return;
    }
    if (!preload.isArray()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options.preload must be an array of "
          + "{\"relation\": name}");
    }
    Map<String, Catalog.Relation> relations = catalog.relations(entity);
    for (JsonNode item : preload) {
      JsonNode nameNode = item.isTextual() ? item : item.get("relation");
      if (nameNode == null || !nameNode.isTextual()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "each options.preload entry needs a 'relation' "
            + "string");
      }
      Catalog.Relation relation = relations.get(nameNode.asText().toLowerCase(java.util.Locale.ROOT));
      if (relation == null) {
        throw new ProtocolException(ErrorCode.MODEL_NOT_FOUND, "no relation '" + abbreviate(nameNode.asText())
            + "' from " + entity.qualifiedName() + "; its relations: "
            + relations.values().stream().map(Catalog.Relation::name).toList());
      }
      RequestContext related = new RequestContext(context.clientId(), context.requestId(), "request", "read",
          relation.target().schema(), relation.target().table(), relation.target().columns().keySet(),
          context.envelope(), Map.of());
      related.claims().putAll(context.claims());
      for (RequestHook hook : hooks) {
        hook.beforeRead(related);
      }
      Catalog.Column targetColumn = column(relation.target(), relation.targetColumn());
      java.util.LinkedHashMap<String, Object> keys = new java.util.LinkedHashMap<>();
      for (ObjectNode row : rows) {
        if (!row.has(relation.localColumn())) {
          throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "preloading '" + relation.name() + "' needs the "
              + "column '" + relation.localColumn() + "' in options.columns");
        }
        JsonNode value = row.get(relation.localColumn());
        if (!value.isNull()) {
          keys.put(value.asText(), SqlValues.coerce(targetColumn, io.connectmqtt.common.JsonValues.plain(value)));
        }
      }
      Map<String, List<ObjectNode>> byKey = new java.util.HashMap<>();
      if (!keys.isEmpty()) {
        List<Object> parameters = new ArrayList<>();
        String where = where(relation.target(), related.filters(), parameters);
        String in = dialect.quote(targetColumn.name()) + " IN ("
            + String.join(", ", java.util.Collections.nCopies(keys.size(), dialect.parameter(targetColumn))) + ")";
        parameters.addAll(keys.values());
        try (PreparedStatement select = connection.prepareStatement("SELECT * FROM "
            + dialect.table(relation.target()) + (where.isEmpty() ? " WHERE " + in : where + " AND " + in)
            + " ORDER BY " + dialect.quote(relation.target().singleKey()))) {
          bindAll(select, parameters);
          select.setMaxRows(relation.many() ? keys.size() * limit + 1 : keys.size());
          try (ResultSet found = select.executeQuery()) {
            while (found.next()) {
              ObjectNode child = SqlValues.row(found);
              List<ObjectNode> siblings = byKey.computeIfAbsent(child.path(targetColumn.name()).asText(),
                  k -> new ArrayList<>());
              if (siblings.size() < (relation.many() ? limit : 1)) {
                siblings.add(child);
              }
            }
          }
        }
      }
      for (ObjectNode row : rows) {
        List<ObjectNode> matches = byKey.getOrDefault(row.get(relation.localColumn()).asText(), List.of());
        if (relation.many()) {
          ArrayNode children = row.putArray(relation.name());
          matches.forEach(children::add);
        } else {
          row.set(relation.name(), matches.isEmpty() ? json.nullNode() : matches.get(0));
        }
      }
    }
  }

  private Outcome write(RequestContext context, Catalog.Entity entity, String fingerprint)
      throws ProtocolException, HookException {
    String clientId = context.clientId();
    String id = context.requestId();
    String operation = context.operation();
    for (RequestHook hook : hooks) {
      switch (operation) {
        case "create" -> hook.beforeCreate(context);
        case "update" -> hook.beforeUpdate(context);
        default -> hook.beforeDelete(context);
      }
    }
    JsonNode data = context.data();
    Object recordId = context.recordId() == null ? null
        : SqlValues.coerce(column(entity, entity.singleKey()), context.recordId());
    if (!operation.equals("delete") && (data == null || !data.isObject() || data.isEmpty())) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, operation + " needs 'data' with at least one column");
    }
    if (!operation.equals("create") && recordId == null) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, operation + " needs 'record_id' (or the primary key '"
          + entity.singleKey() + "' in 'data')");
    }
    ErrorCode failure = switch (operation) {
      case "create" -> ErrorCode.CREATE_ERROR;
      case "update" -> ErrorCode.UPDATE_ERROR;
      default -> ErrorCode.DELETE_ERROR;
    };
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        ReplayStore.Recorded earlier = id.isEmpty() ? null
            : replays.find(connection, clientId, id, fingerprint, Instant.now());
        if (earlier != null) {
          connection.rollback();
          return replayed(id, earlier);
        }
        ObjectNode before = null;
        ObjectNode after = null;
        Object key = recordId;
        ObjectNode reply;
        switch (operation) {
          case "create" -> {
            after = insert(connection, entity, data);
            key = after.get(entity.singleKey()).asText();
            reply = after;
            for (RequestHook hook : hooks) {
              hook.afterCreate(context, connection, after);
            }
          }
          case "update" -> {
            before = selectById(connection, entity, "*", recordId, context.filters(), true);
            if (before == null) {
              throw new ProtocolException(ErrorCode.NOT_FOUND, "no " + entity.qualifiedName() + " with "
                  + entity.singleKey() + " " + recordId);
            }
            update(connection, entity, recordId, data);
            after = selectById(connection, entity, "*", recordId, List.of(), false);
            reply = after;
            for (RequestHook hook : hooks) {
              hook.afterUpdate(context, connection, before, after);
            }
          }
          default -> {
            before = selectById(connection, entity, "*", recordId, context.filters(), true);
            if (before == null) {
              throw new ProtocolException(ErrorCode.NOT_FOUND, "no " + entity.qualifiedName() + " with "
                  + entity.singleKey() + " " + recordId);
            }
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM " + dialect.table(entity)
                + " WHERE " + dialect.quote(entity.singleKey()) + " = "
                + dialect.parameter(column(entity, entity.singleKey())))) {
              delete.setObject(1, recordId);
              delete.executeUpdate();
            }
            reply = json.createObjectNode().put("deleted", true).put("record_id", String.valueOf(recordId));
            for (RequestHook hook : hooks) {
              hook.afterDelete(context, connection, before);
            }
          }
        }
        String keyText = String.valueOf(key);
        String eventKey = entity.schema() + "." + entity.table() + ":" + keyText;
        ObjectNode event = ChangeEvent.of(json, operation, entity.schema(), entity.table(), keyText,
            entity.singleKey(), SqlValues.types(entity), before, after, System.currentTimeMillis(), clientId, id);
        Outcome outcome = success(id, reply, null, eventKey, event).withWriteSequence(WRITES.incrementAndGet());
        if (!id.isEmpty()) {
          replays.record(connection, clientId, id, fingerprint, outcome.reply(), eventKey, event, Instant.now());
        }
        connection.commit();
        return outcome;
      } catch (ProtocolException | HookException | SQLException | JsonProcessingException | RuntimeException e) {
        connection.rollback();
        if (e instanceof SQLException sql && dialect.classify(sql) == Dialect.Failure.CONFLICT && !id.isEmpty()) {
          // A unique violation may be our own request id, recorded meanwhile by another task: answer as then.
          ReplayStore.Recorded earlier = replays.find(connection, clientId, id, fingerprint, Instant.now());
          if (earlier != null) {
            return replayed(id, earlier);
          }
        }
        throw e;
      }
    } catch (SQLException e) {
      throw databaseError(e, failure, operation);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(failure, operation + " failed");
    }
  }

  /** The database whose rules the notify sink matches a subscription's filters with; null for one it cannot name. */
  private static Database database(Dialect dialect) {
    return dialect == Dialect.POSTGRESQL ? Database.POSTGRESQL : dialect == Dialect.H2 ? Database.H2
        : dialect == Dialect.MARIADB ? Database.MARIADB : null;
  }

  private static Outcome replayed(String id, ReplayStore.Recorded earlier) {
    return new Outcome(id, earlier.reply(), earlier.eventKey(), earlier.event(), true);
  }

  /** Deletes processed-request records older than their retention, in batches; returns how many. */
  int purgeExpiredRequests(Instant now) throws SQLException {
    return replays.purgeExpired(dataSource, now, 1_000, 100);
  }

  private ObjectNode insert(Connection connection, Catalog.Entity entity, JsonNode data)
      throws SQLException, ProtocolException {
    List<String> names = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = data.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Catalog.Column column = column(entity, field.getKey());
      names.add(dialect.quote(column.name()));
      values.add(SqlValues.coerce(column, field.getValue()));
    }
    Object key = dialect.insertReturningKey(connection, dialect.table(entity), names, entity.singleKey(), values);
    if (key == null) {
      JsonNode given = data.get(entity.singleKey());
      key = given == null ? null : SqlValues.coerce(column(entity, entity.singleKey()), given);
    }
    ObjectNode row = key == null ? null : selectById(connection, entity, "*", key, List.of(), false);
    if (row == null) {
      throw new SQLException("the new row could not be read back");
    }
    return row;
  }

  private void update(Connection connection, Catalog.Entity entity, Object recordId, JsonNode data)
      throws SQLException, ProtocolException {
    List<String> assignments = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = data.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Catalog.Column column = column(entity, field.getKey());
      if (column.name().equals(entity.singleKey())) {
        Object given = SqlValues.coerce(column, field.getValue());
        if (!String.valueOf(given).equals(String.valueOf(recordId))) {
          throw new ProtocolException(ErrorCode.INVALID_VALUE, "the primary key '" + column.name()
              + "' cannot be changed");
        }
        continue;
      }
      assignments.add(dialect.quote(column.name()) + " = ?");
      values.add(SqlValues.coerce(column, field.getValue()));
    }
    if (assignments.isEmpty()) {
      return;
    }
    values.add(recordId);
    try (PreparedStatement update = connection.prepareStatement("UPDATE " + dialect.table(entity) + " SET "
        + String.join(", ", assignments) + " WHERE " + dialect.quote(entity.singleKey()) + " = "
        + dialect.parameter(column(entity, entity.singleKey())))) {
      bindAll(update, values);
      update.executeUpdate();
    }
  }

  /** The row with {@code recordId} that also satisfies {@code scope} (filters added by hooks), or null. */
  private ObjectNode selectById(Connection connection, Catalog.Entity entity, String projection, Object recordId,
      List<Filter> scope, boolean forUpdate) throws SQLException, ProtocolException {
    List<Object> parameters = new ArrayList<>();
    parameters.add(recordId);
    String where = where(entity, scope, parameters);
    try (PreparedStatement select = connection.prepareStatement("SELECT " + projection + " FROM "
        + dialect.table(entity) + " WHERE " + dialect.quote(entity.singleKey()) + " = "
        + dialect.parameter(column(entity, entity.singleKey()))
        + (where.isEmpty() ? "" : " AND " + where.substring(" WHERE ".length()))
        + (forUpdate ? " FOR UPDATE" : ""))) {
      bindAll(select, parameters);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? SqlValues.row(rows) : null;
      }
    }
  }

  private List<String> columns(Catalog.Entity entity, JsonNode columns) throws ProtocolException {
    List<String> names = new ArrayList<>();
    if (columns == null || columns.isNull()) {
      return names;
    }
    if (!columns.isArray()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options.columns must be an array of column names");
    }
    for (JsonNode name : columns) {
      if (!name.isTextual()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options.columns must be an array of column names");
      }
      names.add(column(entity, name.asText()).name());
    }
    return names;
  }

  private String where(Catalog.Entity entity, List<Filter> filters, List<Object> parameters)
      throws ProtocolException {
    if (filters.isEmpty()) {
      return "";
    }
    List<String> groups = new ArrayList<>();
    for (List<Filter> group : Filter.groups(filters)) {
      List<String> conditions = new ArrayList<>();
      for (Filter filter : group) {
        Catalog.Column column = column(entity, filter.column());
        int size = filter.value() instanceof List<?> list ? list.size() : 1;
        conditions.add(filter.operator().sql(dialect.quote(column.name()), size, dialect.parameter(column)));
        parameters.addAll(FilterValues.parameters(dialect, column, filter));
      }
      groups.add(conditions.size() == 1 ? conditions.get(0) : "(" + String.join(" OR ", conditions) + ")");
    }
    return " WHERE " + String.join(" AND ", groups);
  }

  private String orderBy(Catalog.Entity entity, JsonNode sort) throws ProtocolException {
    if (sort == null || sort.isNull()) {
      return " ORDER BY " + dialect.quote(entity.singleKey());
    }
    if (!sort.isArray()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options.sort must be an array");
    }
    List<String> terms = new ArrayList<>();
    for (JsonNode term : sort) {
      if (!term.isObject() || !term.path("column").isTextual()) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "each sort entry needs a 'column' string");
      }
      Catalog.Column column = column(entity, term.get("column").asText());
      JsonNode direction = term.get("direction");
      String order = "ASC";
      if (direction != null && !direction.isNull()) {
        if (!direction.isTextual() || !(direction.asText().equalsIgnoreCase("asc")
            || direction.asText().equalsIgnoreCase("desc"))) {
          throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "sort direction must be \"asc\" or \"desc\"");
        }
        order = direction.asText().equalsIgnoreCase("desc") ? "DESC" : "ASC";
      }
      terms.add(dialect.quote(column.name()) + " " + order);
    }
    terms.add(dialect.quote(entity.singleKey()));
    return " ORDER BY " + String.join(", ", terms);
  }

  private static int intOption(JsonNode options, String name, int fallback) throws ProtocolException {
    JsonNode node = options == null ? null : options.get(name);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options." + name + " must be a non-negative integer");
    }
    return node.intValue();
  }

  private static Catalog.Column column(Catalog.Entity entity, String name) throws ProtocolException {
    return entity.column(name).orElseThrow(() -> new ProtocolException(ErrorCode.INVALID_COLUMN, "Unknown column '"
        + abbreviate(name) + "' in " + entity.qualifiedName()));
  }

  private static void bindAll(PreparedStatement statement, List<Object> values) throws SQLException {
    SqlValues.bindAll(statement, values);
  }

  private static String text(JsonNode root, String field, boolean required) throws ProtocolException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "the request needs a '" + field + "' string");
      }
      return null;
    }
    if (!node.isTextual()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "'" + field + "' must be a string");
    }
    return node.asText();
  }

  private ProtocolException databaseError(SQLException e, ErrorCode failure, String operation) {
    return switch (dialect.classify(e)) {
      case CONFLICT -> new ProtocolException(ErrorCode.CONFLICT, operation + " conflicts with existing data (a "
          + "unique or foreign key constraint)");
      case UNAVAILABLE -> new ProtocolException(ErrorCode.UNAVAILABLE, "the database is unavailable; try again later");
      case INVALID_VALUE -> new ProtocolException(ErrorCode.INVALID_VALUE, "a value does not fit its column");
      case TIMEOUT -> new ProtocolException(ErrorCode.TIMEOUT, operation + " took longer than "
          + statementTimeoutMillis + " ms in the database and was cancelled; nothing was changed. Try again later, "
          + "or ask for less (filters, limit)");
      case OTHER -> new ProtocolException(failure, operation + " failed");
    };
  }

  private Outcome success(String id, JsonNode data, ObjectNode metadata, String eventKey, ObjectNode event) {
    ObjectNode reply = json.createObjectNode().put("id", id).put("type", "response").put("success", true);
    reply.set("data", data);
    if (metadata != null) {
      reply.set("metadata", metadata);
    }
    reply.put("timestamp", Instant.now().toString());
    return new Outcome(id, reply, eventKey, event, false);
  }

  Outcome failure(String id, ErrorCode code, String message) {
    ObjectNode reply = json.createObjectNode().put("id", id).put("type", "response").put("success", false);
    reply.putObject("error").put("code", code.wire()).put("message", message);
    reply.put("timestamp", Instant.now().toString());
    return new Outcome(id, reply, null, null, false);
  }

  private static String abbreviate(String text) {
    return text == null ? "" : text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
