package io.connectmqtt.entitysync;

import static io.connectmqtt.entitysync.Replies.abbreviate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.ProtocolException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL that reads and writes share: column lookup, WHERE from filters, ORDER BY from sort
 * options, reading one row by key, and turning a database failure into the protocol's error.
 * Identifiers come only from the {@link Catalog}; values are always bound.
 */
final class EntitySql {

  private static final Logger log = LoggerFactory.getLogger(EntitySql.class);

  private final Dialect dialect;
  private final long statementTimeoutMillis;

  EntitySql(Dialect dialect, long statementTimeoutMillis) {
    this.dialect = dialect;
    this.statementTimeoutMillis = statementTimeoutMillis;
  }

  Dialect dialect() {
    return dialect;
  }

  /** {@code SELECT projection FROM} the table of {@code entity}, for a statement to go on. */
  String selectFrom(String projection, Catalog.Entity entity) {
    return "SELECT " + projection + " FROM " + dialect.table(entity);
  }

  static Catalog.Column column(Catalog.Entity entity, String name) throws ProtocolException {
    return entity
        .column(name)
        .orElseThrow(
            () ->
                new ProtocolException(
                    ErrorCode.INVALID_COLUMN,
                    "Unknown column '" + abbreviate(name) + "' in " + entity.qualifiedName()));
  }

  /** "= ?" for the entity's key column, as the dialect binds it. */
  String keyEquals(Catalog.Entity entity) throws ProtocolException {
    return dialect.quote(entity.singleKey())
        + " = "
        + dialect.parameter(column(entity, entity.singleKey()));
  }

  /**
   * " WHERE ..." for the filters (groups ANDed, each group's filters ORed), "" for none; adds the
   * parameters.
   */
  String where(Catalog.Entity entity, List<Filter> filters, List<Object> parameters)
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
        conditions.add(
            filter.operator().sql(dialect.quote(column.name()), size, dialect.parameter(column)));
        parameters.addAll(FilterValues.parameters(dialect, column, filter));
      }
      groups.add(
          conditions.size() == 1 ? conditions.get(0) : "(" + String.join(" OR ", conditions) + ")");
    }
    return " WHERE " + String.join(" AND ", groups);
  }

  String orderBy(Catalog.Entity entity, JsonNode sort) throws ProtocolException {
    if (sort == null || sort.isNull()) {
      return " ORDER BY " + dialect.quote(entity.singleKey());
    }
    if (!sort.isArray()) {
      throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "options.sort must be an array");
    }
    List<String> terms = new ArrayList<>();
    for (JsonNode term : sort) {
      if (!term.isObject() || !term.path("column").isTextual()) {
        throw new ProtocolException(
            ErrorCode.INVALID_MESSAGE, "each sort entry needs a 'column' string");
      }
      Catalog.Column column = column(entity, term.get("column").asText());
      JsonNode direction = term.get("direction");
      String order = "ASC";
      if (direction != null && !direction.isNull()) {
        if (!direction.isTextual()
            || !(direction.asText().equalsIgnoreCase("asc")
                || direction.asText().equalsIgnoreCase("desc"))) {
          throw new ProtocolException(
              ErrorCode.INVALID_MESSAGE, "sort direction must be \"asc\" or \"desc\"");
        }
        order = direction.asText().equalsIgnoreCase("desc") ? "DESC" : "ASC";
      }
      terms.add(dialect.quote(column.name()) + " " + order);
    }
    terms.add(dialect.quote(entity.singleKey()));
    return " ORDER BY " + String.join(", ", terms);
  }

  /**
   * The row with {@code recordId} that also satisfies {@code scope} (filters added by hooks), or
   * null.
   */
  ObjectNode selectById(
      Connection connection,
      Catalog.Entity entity,
      String projection,
      Object recordId,
      List<Filter> scope,
      boolean forUpdate)
      throws SQLException, ProtocolException {
    List<Object> parameters = new ArrayList<>();
    parameters.add(recordId);
    String where = where(entity, scope, parameters);
    try (PreparedStatement select =
        connection.prepareStatement(
            selectFrom(projection, entity)
                + " WHERE "
                + keyEquals(entity)
                + (where.isEmpty() ? "" : " AND " + where.substring(" WHERE ".length()))
                + (forUpdate ? " FOR UPDATE" : ""))) {
      SqlValues.bindAll(select, parameters);
      try (ResultSet rows = select.executeQuery()) {
        return rows.next() ? SqlValues.row(rows) : null;
      }
    }
  }

  /** not_found for a row that is missing or outside the request's scope. */
  static ProtocolException notFound(Catalog.Entity entity, Object recordId) {
    return new ProtocolException(
        ErrorCode.NOT_FOUND,
        "no " + entity.qualifiedName() + " with " + entity.singleKey() + " " + recordId);
  }

  static int intOption(JsonNode options, String name, int fallback) throws ProtocolException {
    JsonNode node = options == null ? null : options.get(name);
    if (node == null || node.isNull()) {
      return fallback;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
      throw new ProtocolException(
          ErrorCode.INVALID_MESSAGE, "options." + name + " must be a non-negative integer");
    }
    return node.intValue();
  }

  /**
   * The protocol error for a database failure of request {@code requestId}; a failure the dialect
   * cannot classify is unexpected and logged with the request id.
   */
  ProtocolException databaseError(
      SQLException e, ErrorCode failure, String operation, String requestId) {
    return switch (dialect.classify(e)) {
      case CONFLICT ->
          new ProtocolException(
              ErrorCode.CONFLICT,
              operation
                  + " conflicts with existing data (a "
                  + "unique or foreign key constraint)");
      case UNAVAILABLE ->
          new ProtocolException(
              ErrorCode.UNAVAILABLE, "the database is unavailable; try again later");
      case INVALID_VALUE ->
          new ProtocolException(ErrorCode.INVALID_VALUE, "a value does not fit its column");
      case TIMEOUT ->
          new ProtocolException(
              ErrorCode.TIMEOUT,
              operation
                  + " took longer than "
                  + statementTimeoutMillis
                  + " ms in the database and was cancelled; nothing was changed. Try again later, "
                  + "or ask for less (filters, limit)");
      case OTHER -> {
        log.warn(
            "{} of request '{}' failed in the database: {} (SQL state {})",
            operation,
            requestId,
            e.getMessage(),
            e.getSQLState());
        yield new ProtocolException(failure, operation + " failed");
      }
    };
  }
}
