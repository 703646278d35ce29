package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.EntitySql.column;
import static io.connectmqtt.entitysync.EntitySql.intOption;
import static io.connectmqtt.entitysync.Replies.abbreviate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.JsonValues;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.ProtocolException;
import io.connectmqtt.entitysync.hooks.HookException;
import io.connectmqtt.entitysync.hooks.RequestContext;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.sql.DataSource;

/** read (one row by id, or a filtered, sorted, paged list, with preload) and meta. */
final class ReadHandler {

  private final DataSource dataSource;
  private final Catalog catalog;
  private final EntitySql sql;
  private final Dialect dialect;
  private final List<RequestHook> hooks;
  private final Replies replies;
  private final int defaultLimit;
  private final int maxLimit;

  ReadHandler(
      DataSource dataSource,
      Catalog catalog,
      EntitySql sql,
      List<RequestHook> hooks,
      Replies replies,
      int defaultLimit,
      int maxLimit) {
    this.dataSource = dataSource;
    this.catalog = catalog;
    this.sql = sql;
    this.dialect = sql.dialect();
    this.hooks = hooks;
    this.replies = replies;
    this.defaultLimit = defaultLimit;
    this.maxLimit = maxLimit;
  }

  Outcome meta(RequestContext context, Catalog.Entity entity) throws HookException {
    for (RequestHook hook : hooks) {
      hook.beforeMeta(context);
    }
    ObjectNode meta =
        replies
            .json()
            .createObjectNode()
            .put("schema", entity.schema())
            .put("entity", entity.table())
            .put("table_name", entity.table())
            .put("primary_key", entity.singleKey());
    ArrayNode columns = meta.putArray("columns");
    entity.columns().values().stream()
        .sorted(Comparator.comparing(Catalog.Column::name))
        .forEach(
            c ->
                columns
                    .addObject()
                    .put("name", c.name())
                    .put("type", c.typeName().toLowerCase())
                    .put("nullable", c.nullable()));
    return replies.success(context.requestId(), meta);
  }

  Outcome read(RequestContext context, Catalog.Entity entity, JsonNode options)
      throws ProtocolException, HookException {
    String id = context.requestId();
    if (context.recordId() == null) {
      context.filters().addAll(Filter.parseAll(options == null ? null : options.get("filters")));
    }
    for (RequestHook hook : hooks) {
      hook.beforeRead(context);
    }
    Object recordId =
        context.recordId() == null
            ? null
            : SqlValues.coerce(column(entity, entity.singleKey()), context.recordId());
    List<String> columns = columns(entity, options == null ? null : options.get("columns"));
    String projection =
        columns.isEmpty() ? "*" : String.join(", ", columns.stream().map(dialect::quote).toList());
    try (Connection connection = dataSource.getConnection()) {
      if (recordId != null) {
        ObjectNode row =
            sql.selectById(connection, entity, projection, recordId, context.filters(), false);
        if (row == null) {
          throw EntitySql.notFound(entity, recordId);
        }
        preload(connection, context, entity, options, List.of(row), limit(options));
        for (RequestHook hook : hooks) {
          hook.afterRead(context, row);
        }
        return replies.success(
            id, row, replies.json().createObjectNode().put("total", 1), null, null);
      }
      List<Object> parameters = new ArrayList<>();
      String where = sql.where(entity, context.filters(), parameters);
      String orderBy = sql.orderBy(entity, options == null ? null : options.get("sort"));
      int limit = limit(options);
      int offset = intOption(options, "offset", 0);
      long total;
      try (PreparedStatement count =
          connection.prepareStatement("SELECT COUNT(*) FROM " + dialect.table(entity) + where)) {
        SqlValues.bindAll(count, parameters);
        try (ResultSet rows = count.executeQuery()) {
          rows.next();
          total = rows.getLong(1);
        }
      }
      ArrayNode data = replies.json().createArrayNode();
      try (PreparedStatement select =
          connection.prepareStatement(
              sql.selectFrom(projection, entity) + where + orderBy + " LIMIT ? OFFSET ?")) {
        SqlValues.bindAll(select, parameters);
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
      ObjectNode metadata =
          replies
              .json()
              .createObjectNode()
              .put("total", total)
              .put("count", data.size())
              .put("limit", limit)
              .put("offset", offset);
      for (RequestHook hook : hooks) {
        hook.afterRead(context, data);
      }
      return replies.success(id, data, metadata, null, null);
    } catch (SQLException e) {
      throw sql.databaseError(e, ErrorCode.READ_ERROR, "read", id);
    }
  }

  private int limit(JsonNode options) throws ProtocolException {
    return Math.min(intOption(options, "limit", defaultLimit), maxLimit);
  }

  private static List<String> columns(Catalog.Entity entity, JsonNode columns)
      throws ProtocolException {
    List<String> names = new ArrayList<>();
    if (columns == null || columns.isNull()) {
      return names;
    }
    if (!columns.isArray()) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE, "options.columns must be an array of column names");
    }
    for (JsonNode name : columns) {
      if (!name.isTextual()) {
        throw new ProtocolException(
            ErrorCode.INVALID_MESSAGE, "options.columns must be an array of column names");
      }
      names.add(column(entity, name.asText()).name());
    }
    return names;
  }

  /**
   * options.preload: adds to each row its related rows through a foreign key, one level deep, as a
   * nested object (many-to-one) or array (one-to-many, at most {@code limit} per row). The related
   * rows are a read of their own entity by the same client, so the hooks' rules (roles, tenant)
   * apply to them too.
   */
  private void preload(
      Connection connection,
      RequestContext context,
      Catalog.Entity entity,
      JsonNode options,
      List<ObjectNode> rows,
      int limit)
      throws ProtocolException, HookException, SQLException {
    JsonNode preload = options == null ? null : options.get("preload");
    if (preload == null || preload.isNull()) {
      return;
    }
    if (!preload.isArray()) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE,
          "options.preload must be an array of " + "{\"relation\": name}");
    }
    Map<String, Catalog.Relation> relations = catalog.relations(entity);
    for (JsonNode item : preload) {
      JsonNode nameNode = item.isTextual() ? item : item.get("relation");
      if (nameNode == null || !nameNode.isTextual()) {
        throw new ProtocolException(
            ErrorCode.INVALID_MESSAGE, "each options.preload entry needs a 'relation' " + "string");
      }
      Catalog.Relation relation = relations.get(nameNode.asText().toLowerCase(Locale.ROOT));
      if (relation == null) {
        throw new ProtocolException(
            ErrorCode.MODEL_NOT_FOUND,
            "no relation '"
                + abbreviate(nameNode.asText())
                + "' from "
                + entity.qualifiedName()
                + "; its relations: "
                + relations.values().stream().map(Catalog.Relation::name).toList());
      }
      RequestContext related =
          context.forOperation(
              "read",
              relation.target().schema(),
              relation.target().table(),
              relation.target().columns().keySet());
      for (RequestHook hook : hooks) {
        hook.beforeRead(related);
      }
      Map<String, List<ObjectNode>> byKey =
          relatedRows(connection, relation, related.filters(), rows, limit);
      for (ObjectNode row : rows) {
        List<ObjectNode> matches =
            byKey.getOrDefault(row.get(relation.localColumn()).asText(), List.of());
        if (relation.many()) {
          ArrayNode children = row.putArray(relation.name());
          matches.forEach(children::add);
        } else {
          row.set(relation.name(), matches.isEmpty() ? replies.json().nullNode() : matches.get(0));
        }
      }
    }
  }

  /**
   * The related rows of {@code rows} through {@code relation} within {@code scope}, by their key's
   * text.
   */
  private Map<String, List<ObjectNode>> relatedRows(
      Connection connection,
      Catalog.Relation relation,
      List<Filter> scope,
      List<ObjectNode> rows,
      int limit)
      throws ProtocolException, SQLException {
    Catalog.Column targetColumn = column(relation.target(), relation.targetColumn());
    LinkedHashMap<String, Object> keys = new LinkedHashMap<>();
    for (ObjectNode row : rows) {
      if (!row.has(relation.localColumn())) {
        throw new ProtocolException(
            ErrorCode.INVALID_MESSAGE,
            "preloading '"
                + relation.name()
                + "' needs the "
                + "column '"
                + relation.localColumn()
                + "' in options.columns");
      }
      JsonNode value = row.get(relation.localColumn());
      if (!value.isNull()) {
        keys.put(value.asText(), SqlValues.coerce(targetColumn, JsonValues.plain(value)));
      }
    }
    Map<String, List<ObjectNode>> byKey = new HashMap<>();
    if (keys.isEmpty()) {
      return byKey;
    }
    List<Object> parameters = new ArrayList<>();
    String where = sql.where(relation.target(), scope, parameters);
    String in =
        dialect.quote(targetColumn.name())
            + " IN ("
            + String.join(", ", Collections.nCopies(keys.size(), dialect.parameter(targetColumn)))
            + ")";
    parameters.addAll(keys.values());
    try (PreparedStatement select =
        connection.prepareStatement(
            "SELECT * FROM "
                + dialect.table(relation.target())
                + (where.isEmpty() ? " WHERE " + in : where + " AND " + in)
                + " ORDER BY "
                + dialect.quote(relation.target().singleKey()))) {
      SqlValues.bindAll(select, parameters);
      select.setMaxRows(relation.many() ? keys.size() * limit + 1 : keys.size());
      try (ResultSet found = select.executeQuery()) {
        while (found.next()) {
          ObjectNode child = SqlValues.row(found);
          List<ObjectNode> siblings =
              byKey.computeIfAbsent(
                  child.path(targetColumn.name()).asText(), k -> new ArrayList<>());
          if (siblings.size() < (relation.many() ? limit : 1)) {
            siblings.add(child);
          }
        }
      }
    }
    return byKey;
  }
}
