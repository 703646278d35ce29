package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.Replies.abbreviate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import io.connectmqtt.entitysync.hooks.HookException;
import io.connectmqtt.entitysync.hooks.RequestContext;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles one protocol request: the {@link RequestParser} checks it, authentication (and whatever
 * else guards every message) runs, then the handler of its operation ({@link ReadHandler}, {@link
 * WriteHandler}, {@link SubscriptionHandler}, ping, pass-through) answers it, and the {@link
 * AuditLog} records it.
 */
final class RequestProcessor {

  private static final Logger log = LoggerFactory.getLogger(RequestProcessor.class);

  private final DataSource dataSource;
  private final Dialect dialect;
  private final List<RequestHook> hooks;
  private final boolean passThrough;
  private final ResponseTopicPolicy responseTopics;
  private final RequestParser parser;
  private final Replies replies;
  private final ReplayStore replays;
  private final SubscriptionStore subscriptions;
  private final Outbox outbox;
  private final ParkedRequests parkedRequests;
  private final AuditLog audit;
  private final ReadHandler reads;
  private final WriteHandler writes;
  private final SubscriptionHandler subscriptionHandler;

  RequestProcessor(
      DataSource dataSource,
      Dialect dialect,
      Catalog catalog,
      EntitySyncConfig config,
      List<RequestHook> hooks) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.hooks = List.copyOf(hooks);
    String schema = config.getString(DatabaseConfig.DEFAULT_SCHEMA_CONFIG);
    String stateTable = config.getString(StateTablesConfig.STATE_TABLE_CONFIG);
    String prefix = config.getString(ProtocolConfig.PREFIX_CONFIG);
    this.responseTopics = new ResponseTopicPolicy(prefix);
    String passThroughTopic = config.getString(ProtocolConfig.PASS_THROUGH_TOPIC_CONFIG);
    this.passThrough = passThroughTopic != null && !passThroughTopic.isBlank();
    this.parser =
        new RequestParser(
            catalog,
            config.getInt(LimitsConfig.REQUEST_MAX_BYTES_CONFIG),
            config.getInt(LimitsConfig.DATA_VALUE_MAX_BYTES_CONFIG),
            passThrough);
    ObjectMapper json = parser.json();
    this.replies = new Replies(json);
    this.replays =
        new ReplayStore(
            dialect,
            schema,
            stateTable,
            Duration.ofSeconds(config.getLong(StateTablesConfig.STATE_RETENTION_CONFIG)),
            json);
    this.subscriptions =
        new SubscriptionStore(
            dialect,
            schema,
            stateTable,
            json,
            config.getInt(LimitsConfig.SUBSCRIPTIONS_MAX_PER_CLIENT_CONFIG));
    String configuredOutbox = config.getString(StateTablesConfig.OUTBOX_TABLE_CONFIG).trim();
    String outboxTable = configuredOutbox.isEmpty() ? stateTable + "_outbox" : configuredOutbox;
    this.outbox = new Outbox(dialect, schema, outboxTable);
    this.parkedRequests = new ParkedRequests(dialect, schema, stateTable + "_parked", json);
    this.audit =
        config
            .hooks()
            .auditTable()
            .map(table -> new AuditLog(dataSource, dialect.table(schema, table.trim())))
            .orElse(null);
    EntitySql sql = new EntitySql(dialect, config.getLong(DatabaseConfig.STATEMENT_TIMEOUT_CONFIG));
    this.reads =
        new ReadHandler(
            dataSource,
            catalog,
            sql,
            this.hooks,
            replies,
            config.getInt(LimitsConfig.LIMIT_DEFAULT_CONFIG),
            config.getInt(LimitsConfig.LIMIT_MAX_CONFIG));
    this.writes = new WriteHandler(dataSource, sql, replays, outbox, this.hooks, replies);
    this.subscriptionHandler =
        new SubscriptionHandler(
            dataSource,
            catalog,
            sql,
            subscriptions,
            outbox,
            parser,
            this.hooks,
            replies,
            prefix,
            Duration.ofSeconds(config.getLong(ProtocolConfig.SUBSCRIPTION_TTL_CONFIG)));
  }

  ObjectMapper json() {
    return parser.json();
  }

  ResponseTopicPolicy responseTopics() {
    return responseTopics;
  }

  Outbox outbox() {
    return outbox;
  }

  ParkedRequests parkedRequests() {
    return parkedRequests;
  }

  void createStateTable() throws SQLException {
    List<String> statements = new ArrayList<>(replays.ddl());
    statements.addAll(subscriptions.ddl());
    statements.addAll(outbox.ddl(dialect));
    statements.addAll(parkedRequests.ddl(dialect));
    if (audit != null) {
      statements.add(audit.ddl(dialect));
    }
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      for (String ddl : statements) {
        executeDdlRacingOtherTasks(statement, ddl);
      }
    }
    outbox.createLeaseRow(dataSource);
  }

  /**
   * Tasks start together and all create the same tables. "IF NOT EXISTS" is not atomic in
   * PostgreSQL: the loser of the race gets a duplicate-object error (e.g. 'type "..." already
   * exists') instead of a no-op. Running the statement again once the winner has committed is then
   * the no-op it was meant to be.
   */
  private static void executeDdlRacingOtherTasks(Statement statement, String ddl)
      throws SQLException {
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
   * Handles one request payload from client {@code clientId}, sent with an MQTT 5 Response Topic or
   * none; never throws for anything the client sent.
   */
  Outcome handle(
      String clientId,
      byte[] payload,
      Map<String, List<String>> userProperties,
      Optional<String> responseTopic) {
    String[] operation = {"invalid"};
    Outcome outcome =
        handle(clientId, payload, userProperties, responseTopic, operation)
            .withOperation(operation[0]);
    if (audit != null) {
      audit.record(clientId, outcome, payload);
    }
    return outcome;
  }

  private Outcome handle(
      String clientId,
      byte[] payload,
      Map<String, List<String>> userProperties,
      Optional<String> responseTopic,
      String[] operationSeen) {
    String id = "";
    try {
      JsonNode root = parser.readObject(payload);
      id = RequestParser.id(root);
      String topicProblem =
          responseTopic.map(topic -> responseTopics.problem(clientId, topic)).orElse(null);
      if (topicProblem != null) {
        throw new ProtocolException(ErrorCode.FORBIDDEN, topicProblem);
      }
      String type = RequestParser.text(root, "type", true);
      operationSeen[0] = parser.operationName(type, root);
      // Taken before any hook sees the request. Only writes and subscriptions record their id with
      // it; a read spent an eighth of the worker's CPU on it (benchmarks.md).
      String fingerprint =
          recordsItsId(type, operationSeen[0]) ? RequestFingerprint.of(root) : null;
      // Authentication (and whatever else guards every message) before anything else is looked at.
      RequestContext handling =
          new RequestContext(clientId, id, type, null, null, null, Set.of(), root, userProperties);
      for (RequestHook hook : hooks) {
        hook.beforeHandle(handling);
      }
      return switch (type) {
        case "ping" -> replies.pong(id);
        case "disconnect" -> subscriptionHandler.disconnect(handling);
        case "subscription" -> subscriptionHandler.handle(handling, fingerprint);
        case "request" -> entityRequest(handling, fingerprint);
        default -> forward(handling, type);
      };
    } catch (ProtocolException e) {
      return replies.failure(id, e.code(), e.getMessage());
    } catch (HookException e) {
      return replies.failure(id, e.code(), e.getMessage());
    } catch (RuntimeException e) {
      // A hook (or a bug) failed: the client gets an error, the task keeps serving.
      log.error("Request '{}' of client '{}' failed unexpectedly", id, clientId, e);
      return replies.failure(id, ErrorCode.HOOK_ERROR, "the request could not be processed");
    }
  }

  /** Whether a request of {@code type} and {@code operation} is recorded under its id. */
  private static boolean recordsItsId(String type, String operation) {
    return type.equals("subscription")
        || (type.equals("request") && !operation.equals("read") && !operation.equals("meta"));
  }

  /**
   * The reply refusing a request that the task cannot take now: {@code unavailable} with {@code
   * reason}, under the request's id when it has one; nothing else of it is looked at.
   */
  Outcome refuse(byte[] payload, String reason) {
    String id = "";
    try {
      id = RequestParser.id(parser.readObject(payload));
    } catch (ProtocolException e) {
      // Not a request with an id: the refusal has none either.
    }
    return replies.failure(id, ErrorCode.UNAVAILABLE, reason).withOperation("refused");
  }

  private Outcome entityRequest(RequestContext handling, String fingerprint)
      throws ProtocolException, HookException {
    RequestParser.EntityRequest request = parser.entityRequest(handling.envelope());
    Catalog.Entity entity = request.entity();
    RequestContext context =
        handling.forOperation(
            request.operation(), entity.schema(), entity.table(), entity.columns().keySet());
    context.data(request.data());
    context.recordId(request.recordId());
    return switch (request.operation()) {
      case "meta" -> reads.meta(context, entity);
      case "read" -> reads.read(context, entity, request.options());
      default -> writes.write(context, entity, fingerprint);
    };
  }

  /**
   * An application's own message type: forwarded to the pass-through topic as the hooks let it
   * through.
   */
  private Outcome forward(RequestContext handling, String type)
      throws ProtocolException, HookException {
    if (!passThrough) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE_TYPE,
          "unknown message type '"
              + abbreviate(type)
              + "'; use request, subscription, ping or disconnect");
    }
    RequestContext context = handling.forOperation("forward", null, type, Set.of());
    context.data(((ObjectNode) handling.envelope()).deepCopy());
    for (RequestHook hook : hooks) {
      hook.beforeForward(context);
    }
    return replies
        .success(handling.requestId(), replies.json().createObjectNode().put("forwarded", true))
        .withForwarded(context.data());
  }

  /**
   * Removes subscriptions whose lifetime (entity.sync.subscription.ttl.seconds, or their token's
   * expiry) ended; returns their ids, for tombstones.
   */
  List<String> expireSubscriptions(Instant now) throws SQLException {
    return subscriptionHandler.expire(now);
  }

  /** Deletes processed-request records older than their retention, in batches; returns how many. */
  int purgeExpiredRequests(Instant now) throws SQLException {
    return replays.purgeExpired(dataSource, now, 1_000, 100);
  }
}
