package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.EntitySql.column;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ChangeEvent;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.ProtocolException;
import io.connectmqtt.entitysync.hooks.HookException;
import io.connectmqtt.entitysync.hooks.RequestContext;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * create, update and delete. The write, its change event (in the {@link Outbox}) and the record of
 * its request id commit in one transaction: a committed change always has its event, and a
 * redelivered request returns its original reply instead of running again (without a second event).
 */
final class WriteHandler {

  private final DataSource dataSource;
  private final EntitySql sql;
  private final Dialect dialect;
  private final ReplayStore replays;
  private final Outbox outbox;
  private final List<RequestHook> hooks;
  private final Replies replies;

  WriteHandler(
      DataSource dataSource,
      EntitySql sql,
      ReplayStore replays,
      Outbox outbox,
      List<RequestHook> hooks,
      Replies replies) {
    this.outbox = outbox;
    this.dataSource = dataSource;
    this.sql = sql;
    this.dialect = sql.dialect();
    this.replays = replays;
    this.hooks = hooks;
    this.replies = replies;
  }

  Outcome write(RequestContext context, Catalog.Entity entity, String fingerprint)
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
    // Compared with the recorded request after the hooks, which may have narrowed or stamped it to
    // the caller.
    String authorized = RequestFingerprint.asAuthorized(fingerprint, context);
    JsonNode data = context.data();
    Object recordId =
        context.recordId() == null
            ? null
            : SqlValues.coerce(column(entity, entity.singleKey()), context.recordId());
    if (!operation.equals("delete") && (data == null || !data.isObject() || data.isEmpty())) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE, operation + " needs 'data' with at least one column");
    }
    if (!operation.equals("create") && recordId == null) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE,
          operation
              + " needs 'record_id' (or the primary key '"
              + entity.singleKey()
              + "' in 'data')");
    }
    ErrorCode failure =
        switch (operation) {
          case "create" -> ErrorCode.CREATE_ERROR;
          case "update" -> ErrorCode.UPDATE_ERROR;
          default -> ErrorCode.DELETE_ERROR;
        };
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        ReplayStore.Recorded earlier =
            id.isEmpty() ? null : replays.find(connection, clientId, id, authorized, Instant.now());
        if (earlier != null) {
          connection.rollback();
          return replayed(id, earlier);
        }
        Outcome outcome = apply(connection, context, entity, recordId);
        if (!id.isEmpty()) {
          replays.record(
              connection,
              clientId,
              id,
              authorized,
              outcome.reply(),
              outcome.eventKey(),
              outcome.event(),
              Instant.now());
        }
        connection.commit();
        return outcome;
      } catch (ProtocolException
          | HookException
          | SQLException
          | JsonProcessingException
          | RuntimeException e) {
        Transactions.rollbackAfter(connection, e);
        if (e instanceof SQLException failed
            && dialect.classify(failed) == Dialect.Failure.CONFLICT
            && !id.isEmpty()) {
          // A unique violation may be our own request id, recorded meanwhile by another task:
          // answer as then.
          ReplayStore.Recorded earlier =
              replays.find(connection, clientId, id, authorized, Instant.now());
          if (earlier != null) {
            return replayed(id, earlier);
          }
        }
        throw e;
      }
    } catch (SQLException e) {
      throw sql.databaseError(e, failure, operation, id);
    } catch (JsonProcessingException e) {
      throw new ProtocolException(failure, operation + " failed");
    }
  }

  /** The write itself, in the open transaction; its reply and change event. */
  private Outcome apply(
      Connection connection, RequestContext context, Catalog.Entity entity, Object recordId)
      throws SQLException, ProtocolException, HookException {
    String operation = context.operation();
    JsonNode data = context.data();
    ObjectNode before = null;
    ObjectNode after = null;
    Object key = recordId;
    ObjectNode reply;
    if (operation.equals("create")) {
      after = insert(connection, entity, data);
      key = after.get(entity.singleKey()).asText();
      reply = after;
      for (RequestHook hook : hooks) {
        hook.afterCreate(context, connection, after);
      }
    } else {
      before = sql.selectById(connection, entity, "*", recordId, context.filters(), true);
      if (before == null) {
        throw EntitySql.notFound(entity, recordId);
      }
      if (operation.equals("update")) {
        update(connection, entity, recordId, data);
        after = sql.selectById(connection, entity, "*", recordId, List.of(), false);
        reply = after;
        for (RequestHook hook : hooks) {
          hook.afterUpdate(context, connection, before, after);
        }
      } else {
        try (PreparedStatement delete =
            connection.prepareStatement(
                "DELETE FROM " + dialect.table(entity) + " WHERE " + sql.keyEquals(entity))) {
          delete.setObject(1, recordId);
          delete.executeUpdate();
        }
        reply =
            replies
                .json()
                .createObjectNode()
                .put("deleted", true)
                .put("record_id", String.valueOf(recordId));
        for (RequestHook hook : hooks) {
          hook.afterDelete(context, connection, before);
        }
      }
    }
    String keyText = String.valueOf(key);
    String eventKey = entity.schema() + "." + entity.table() + ":" + keyText;
    ObjectNode event =
        ChangeEvent.of(
            replies.json(),
            operation,
            entity.schema(),
            entity.table(),
            keyText,
            entity.singleKey(),
            SqlValues.types(entity),
            before,
            after,
            System.currentTimeMillis(),
            context.clientId(),
            context.requestId());
    outbox.append(connection, Outbox.Kind.CHANGE, eventKey, event);
    return replies.success(context.requestId(), reply, null, eventKey, event);
  }

  private static Outcome replayed(String id, ReplayStore.Recorded earlier) {
    return new Outcome(id, earlier.reply(), earlier.eventKey(), earlier.event(), true);
  }

  /** Each data member's column and its value as bound, in the request's order. */
  private static List<Map.Entry<Catalog.Column, Object>> values(
      Catalog.Entity entity, JsonNode data) throws ProtocolException {
    List<Map.Entry<Catalog.Column, Object>> values = new ArrayList<>();
    Iterator<Map.Entry<String, JsonNode>> fields = data.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Catalog.Column column = column(entity, field.getKey());
      values.add(new AbstractMap.SimpleEntry<>(column, SqlValues.coerce(column, field.getValue())));
    }
    return values;
  }

  private ObjectNode insert(Connection connection, Catalog.Entity entity, JsonNode data)
      throws SQLException, ProtocolException {
    List<String> names = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (Map.Entry<Catalog.Column, Object> value : values(entity, data)) {
      names.add(dialect.quote(value.getKey().name()));
      values.add(value.getValue());
    }
    Object key =
        dialect.insertReturningKey(
            connection, dialect.table(entity), names, entity.singleKey(), values);
    if (key == null) {
      JsonNode given = data.get(entity.singleKey());
      key = given == null ? null : SqlValues.coerce(column(entity, entity.singleKey()), given);
    }
    ObjectNode row =
        key == null ? null : sql.selectById(connection, entity, "*", key, List.of(), false);
    if (row == null) {
      throw new SQLException("the new row could not be read back");
    }
    return row;
  }

  private void update(Connection connection, Catalog.Entity entity, Object recordId, JsonNode data)
      throws SQLException, ProtocolException {
    List<String> assignments = new ArrayList<>();
    List<Object> values = new ArrayList<>();
    for (Map.Entry<Catalog.Column, Object> value : values(entity, data)) {
      Catalog.Column column = value.getKey();
      if (column.name().equals(entity.singleKey())) {
        if (!String.valueOf(value.getValue()).equals(String.valueOf(recordId))) {
          throw new ProtocolException(
              ErrorCode.INVALID_VALUE, "the primary key '" + column.name() + "' cannot be changed");
        }
        continue;
      }
      assignments.add(dialect.quote(column.name()) + " = ?");
      values.add(value.getValue());
    }
    if (assignments.isEmpty()) {
      return;
    }
    values.add(recordId);
    try (PreparedStatement update =
        connection.prepareStatement(
            "UPDATE "
                + dialect.table(entity)
                + " SET "
                + String.join(", ", assignments)
                + " WHERE "
                + sql.keyEquals(entity))) {
      SqlValues.bindAll(update, values);
      update.executeUpdate();
    }
  }
}
