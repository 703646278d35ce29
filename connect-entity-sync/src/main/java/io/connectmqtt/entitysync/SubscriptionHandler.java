package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.Replies.abbreviate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Database;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.ProtocolException;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import io.connectmqtt.entitysync.hooks.HookException;
import io.connectmqtt.entitysync.hooks.RequestContext;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * subscribe, renewal (subscribe with a subscription_id), unsubscribe, disconnect and the expiry
 * sweep. Each change of the subscriptions table commits together with its record (or tombstone) in
 * the {@link Outbox}, so the compacted subscriptions topic never keeps a subscription the table no
 * longer has, nor misses one it has.
 */
final class SubscriptionHandler {

  private final DataSource dataSource;
  private final Catalog catalog;
  private final EntitySql sql;
  private final SubscriptionStore store;
  private final Outbox outbox;
  private final RequestParser parser;
  private final List<RequestHook> hooks;
  private final Replies replies;
  private final String prefix;
  private final Duration ttl;

  SubscriptionHandler(
      DataSource dataSource,
      Catalog catalog,
      EntitySql sql,
      SubscriptionStore store,
      Outbox outbox,
      RequestParser parser,
      List<RequestHook> hooks,
      Replies replies,
      String prefix,
      Duration ttl) {
    this.outbox = outbox;
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.sql = sql;
    this.store = store;
    this.parser = parser;
    this.hooks = hooks;
    this.replies = replies;
    this.prefix = prefix;
    this.ttl = ttl;
  }

  Outcome handle(RequestContext handling, String fingerprint)
      throws ProtocolException, HookException {
    JsonNode root = handling.envelope();
    String operation = RequestParser.subscriptionOperation(root);
    if (operation.equals("unsubscribe")) {
      return unsubscribe(handling, RequestParser.unsubscribeId(root));
    }
    Optional<String> renewed = RequestParser.renewedId(root);
    if (renewed.isPresent()) {
      return renew(handling, renewed.get());
    }
    return subscribe(handling, fingerprint);
  }

  private Outcome subscribe(RequestContext handling, String fingerprint)
      throws ProtocolException, HookException {
    String clientId = handling.clientId();
    String id = handling.requestId();
    JsonNode root = handling.envelope();
    Catalog.Entity entity = parser.entity(root);
    JsonNode options = RequestParser.options(root);
    RequestContext context =
        handling.forOperation(
            "subscribe", entity.schema(), entity.table(), entity.columns().keySet());
    context.filters().addAll(Filter.parseAll(options == null ? null : options.get("filters")));
    for (RequestHook hook : hooks) {
      hook.beforeSubscribe(context);
    }
    String authorized = RequestFingerprint.asAuthorized(fingerprint, context);
    List<Filter> filters = new ArrayList<>();
    Map<String, ColumnType> types = new TreeMap<>();
    for (Filter filter : context.filters()) {
      Catalog.Column column = EntitySql.column(entity, filter.column());
      // Checked exactly as a read checks it, each value as the read binds it.
      filters.add(FilterValues.recorded(sql.dialect(), column, filter));
      SqlValues.type(column).ifPresent(type -> types.put(column.name(), type));
    }
    // Derived from the request, so a redelivered subscribe finds its subscription instead of making
    // a second one.
    String sid =
        UUID.nameUUIDFromBytes((clientId + '\u0000' + id).getBytes(StandardCharsets.UTF_8))
            .toString();
    String notifyTopic = prefix + "/" + clientId + "/notify/" + sid;
    Instant now = Instant.now();
    Instant expiresAt = SubscriptionLifetime.expiresAt(now, ttl, context.claims());
    ObjectNode record =
        new SubscriptionRecord(
                SubscriptionRecord.VERSION,
                sid,
                clientId,
                entity.schema(),
                entity.table(),
                notifyTopic,
                now,
                expiresAt,
                filters,
                types,
                database(sql.dialect()))
            .toJson(replies.json());
    try (Connection connection = dataSource.getConnection()) {
      ObjectNode existing = store.find(connection, clientId, sid, id, authorized);
      if (existing != null) {
        record = existing;
      } else {
        try {
          insertWithinQuota(connection, clientId, record, now, expiresAt, authorized);
        } catch (SQLException duplicate) {
          // The same request redelivered to another task at the same moment: answer with what that
          // task stored.
          existing = store.find(connection, clientId, sid, id, authorized);
          if (existing == null) {
            throw duplicate;
          }
          record = existing;
        }
      }
    } catch (SQLException e) {
      throw sql.databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, "subscribe", id);
    }
    for (RequestHook hook : hooks) {
      hook.afterSubscribe(context);
    }
    return replies.subscribed(id, record);
  }

  /**
   * Registers the client's quota row, then stores the subscription with its outbox record; again
   * when the expiry sweep purged the row in between ({@link SubscriptionQuota}).
   */
  private void insertWithinQuota(
      Connection connection,
      String clientId,
      ObjectNode record,
      Instant now,
      Instant expiresAt,
      String authorized)
      throws SQLException, ProtocolException {
    for (int attempt = 1; ; attempt++) {
      store.registerClient(connection, clientId, now);
      try {
        Transactions.run(
            connection,
            () -> {
              store.insert(connection, clientId, record, now, expiresAt, authorized);
              return outbox.append(
                  connection,
                  Outbox.Kind.SUBSCRIPTION,
                  record.path("subscription_id").asText(),
                  record);
            });
        return;
      } catch (SubscriptionQuota.Unregistered purged) {
        if (attempt == 3) {
          throw purged;
        }
      }
    }
  }

  private Outcome unsubscribe(RequestContext handling, String sid)
      throws ProtocolException, HookException {
    RequestContext context =
        aboutSubscription(
            handling, "unsubscribe", ownSubscription(handling, "unsubscribe", sid, ""));
    for (RequestHook hook : hooks) {
      hook.beforeUnsubscribe(context);
    }
    try (Connection connection = dataSource.getConnection()) {
      Transactions.run(
          connection,
          () -> {
            if (!store.delete(connection, handling.clientId(), sid)) {
              throw new ProtocolException(
                  ErrorCode.SUBSCRIPTION_NOT_FOUND,
                  "no subscription '" + abbreviate(sid) + "' of this client");
            }
            return outbox.append(connection, Outbox.Kind.SUBSCRIPTION, sid, null);
          });
    } catch (SQLException e) {
      throw sql.databaseError(
          e, ErrorCode.INVALID_SUBSCRIPTION, "unsubscribe", handling.requestId());
    }
    for (RequestHook hook : hooks) {
      hook.afterUnsubscribe(context);
    }
    ObjectNode data =
        replies.json().createObjectNode().put("subscription_id", sid).put("unsubscribed", true);
    return replies
        .success(handling.requestId(), data)
        .withSubscriptionWrites(List.of(new AbstractMap.SimpleEntry<>(sid, null)));
  }

  /**
   * Extends the lifetime of one of the client's subscriptions (at most to the expiry of the token
   * presented now) and publishes it again.
   */
  private Outcome renew(RequestContext handling, String sid)
      throws ProtocolException, HookException {
    ObjectNode record =
        ownSubscription(
            handling,
            "subscribe",
            sid,
            " to renew; subscribe without a " + "subscription_id for a new one");
    RequestContext context = aboutSubscription(handling, "subscribe", record);
    for (RequestHook hook : hooks) {
      hook.beforeRenew(context);
    }
    Instant expiresAt = SubscriptionLifetime.expiresAt(Instant.now(), ttl, context.claims());
    if (expiresAt != null) {
      record.put("expires_at", expiresAt.toString());
      try (Connection connection = dataSource.getConnection()) {
        Transactions.run(
            connection,
            () -> {
              if (!store.extend(connection, handling.clientId(), sid, record, expiresAt)) {
                throw new ProtocolException(
                    ErrorCode.SUBSCRIPTION_NOT_FOUND,
                    "no subscription '"
                        + abbreviate(sid)
                        + "' of this client to renew; subscribe without a subscription_id for a new one");
              }
              return outbox.append(connection, Outbox.Kind.SUBSCRIPTION, sid, record);
            });
      } catch (SQLException e) {
        throw sql.databaseError(
            e, ErrorCode.INVALID_SUBSCRIPTION, "subscribe", handling.requestId());
      }
    }
    return replies.subscribed(handling.requestId(), record);
  }

  /**
   * Drops the client's subscriptions (sent as the client's MQTT Will message): each one its
   * unsubscribe hooks allow (role rules; tenant isolation keeps one made for another tenant of the
   * client, as an unsubscribe would).
   */
  Outcome disconnect(RequestContext handling) throws ProtocolException, HookException {
    RequestContext context = handling.forOperation("disconnect", null, null, Set.of());
    for (RequestHook hook : hooks) {
      hook.beforeDisconnect(context);
    }
    List<Map.Entry<String, ObjectNode>> tombstones = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      Transactions.run(
          connection,
          () -> {
            for (Map.Entry<String, ObjectNode> subscription :
                store.allOf(connection, handling.clientId()).entrySet()) {
              String sid = subscription.getKey();
              if (mayUnsubscribe(handling, subscription.getValue())
                  && store.delete(connection, handling.clientId(), sid)) {
                outbox.append(connection, Outbox.Kind.SUBSCRIPTION, sid, null);
                tombstones.add(new AbstractMap.SimpleEntry<>(sid, null));
              }
            }
            return null;
          });
    } catch (SQLException e) {
      throw sql.databaseError(
          e, ErrorCode.INVALID_SUBSCRIPTION, "disconnect", handling.requestId());
    }
    ObjectNode data =
        replies
            .json()
            .createObjectNode()
            .put("disconnected", true)
            .put("subscriptions_removed", tombstones.size());
    Outcome outcome =
        replies.success(handling.requestId(), data).withSubscriptionWrites(tombstones);
    for (RequestHook hook : hooks) {
      hook.afterDisconnect(context);
    }
    return outcome;
  }

  private boolean mayUnsubscribe(RequestContext handling, ObjectNode record)
      throws ProtocolException {
    RequestContext context = aboutSubscription(handling, "unsubscribe", record);
    try {
      for (RequestHook hook : hooks) {
        hook.beforeUnsubscribe(context);
      }
      return true;
    } catch (HookException refused) {
      return false;
    }
  }

  /**
   * Removes subscriptions whose lifetime (entity.sync.subscription.ttl.seconds, or their token's
   * expiry) ended, then the quota rows of clients left without any; returns the subscriptions' ids,
   * for tombstones.
   */
  List<String> expire(Instant now) throws SQLException {
    List<String> expired = new ArrayList<>();
    try (Connection connection = dataSource.getConnection()) {
      // Several tasks may sweep at once: each tombstones only what its own DELETE removed.
      for (String sid : store.expired(connection, now)) {
        boolean removed =
            Transactions.run(
                connection,
                () ->
                    store.deleteExpired(connection, sid, now)
                        && outbox.append(connection, Outbox.Kind.SUBSCRIPTION, sid, null) != null);
        if (removed) {
          expired.add(sid);
        }
      }
      // The quota's per-client rows would otherwise grow by one per client id ever seen.
      for (String client : store.clientsWithoutSubscriptions(connection, now)) {
        Transactions.run(connection, () -> store.purgeClient(connection, client, now));
      }
    } catch (ProtocolException impossible) {
      throw new IllegalStateException(impossible);
    }
    return expired;
  }

  /** One of the client's stored subscriptions, as published. */
  private ObjectNode ownSubscription(
      RequestContext handling, String operation, String sid, String hint) throws ProtocolException {
    ObjectNode record;
    try (Connection connection = dataSource.getConnection()) {
      record = store.find(connection, handling.clientId(), sid, handling.requestId(), null);
    } catch (SQLException e) {
      throw sql.databaseError(e, ErrorCode.INVALID_SUBSCRIPTION, operation, handling.requestId());
    }
    if (record == null) {
      throw new ProtocolException(
          ErrorCode.SUBSCRIPTION_NOT_FOUND,
          "no subscription '" + abbreviate(sid) + "' of this client" + hint);
    }
    return record;
  }

  /**
   * The context of a request about a stored subscription: its entity and its filters as stored
   * (those hooks added at subscribe included), for the hooks to check.
   */
  private RequestContext aboutSubscription(
      RequestContext handling, String operation, ObjectNode record) throws ProtocolException {
    String schema = record.path("schema").asText();
    String table = record.path("entity").asText();
    RequestContext context =
        handling.forOperation(
            operation,
            schema,
            table,
            catalog.find(schema, table).map(entity -> entity.columns().keySet()).orElse(Set.of()));
    context.filters().addAll(Filter.parseAll(record.get("filters")));
    return context;
  }

  /**
   * The database whose rules the notify sink matches a subscription's filters with; null for one it
   * cannot name.
   */
  private static Database database(Dialect dialect) {
    return dialect == Dialect.POSTGRESQL
        ? Database.POSTGRESQL
        : dialect == Dialect.H2
            ? Database.H2
            : dialect == Dialect.MARIADB ? Database.MARIADB : null;
  }
}
