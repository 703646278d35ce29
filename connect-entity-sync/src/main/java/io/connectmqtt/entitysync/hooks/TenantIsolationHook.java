package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tenant isolation: every read, update, delete and subscription is narrowed to the client's tenant,
 * and every create and forwarded (pass-through) message is stamped with it; meta is only for
 * tenant-scoped entities, and only a subscription made for the caller's tenant can be renewed or
 * cancelled. The tenant comes from a JWT claim (with {@link JwtAuthenticationHook} before this
 * hook) or from the client id. Entities without the tenant column are refused.
 *
 * <p>Configuration: {@code entity.sync.tenant.column} (default tenant_id), {@code
 * entity.sync.tenant.source} ({@code jwt} or {@code client-id}, default client-id), {@code
 * entity.sync.tenant.jwt.claim} (default tenant), {@code entity.sync.tenant.client.id.pattern} (a
 * regex whose first group is the tenant, default {@code ^([A-Za-z0-9_]+)-}).
 */
public class TenantIsolationHook implements RequestHook {

  private String column;
  private boolean fromJwt;
  private String claim;
  private Pattern clientIdPattern;

  @Override
  public void configure(Map<String, String> config) {
    column = config.getOrDefault("entity.sync.tenant.column", "tenant_id");
    fromJwt = "jwt".equalsIgnoreCase(config.getOrDefault("entity.sync.tenant.source", "client-id"));
    claim = config.getOrDefault("entity.sync.tenant.jwt.claim", "tenant");
    clientIdPattern =
        Pattern.compile(
            config.getOrDefault("entity.sync.tenant.client.id.pattern", "^([A-Za-z0-9_]+)-"));
  }

  private String tenant(RequestContext context) throws HookException {
    if (fromJwt) {
      Object value = context.claims().get(claim);
      if (value == null || value.toString().isBlank()) {
        throw HookException.forbidden("the token names no tenant");
      }
      return value.toString();
    }
    Matcher matcher = clientIdPattern.matcher(context.clientId());
    if (!matcher.find() || matcher.groupCount() < 1 || matcher.group(1).isEmpty()) {
      throw HookException.forbidden("the client id names no tenant");
    }
    return matcher.group(1);
  }

  private void scope(RequestContext context) throws HookException {
    if (!context.columns().contains(column)) {
      throw HookException.forbidden("entity " + context.entity() + " is not tenant-scoped");
    }
    context.filters().add(new Filter(column, FilterOperator.EQ, tenant(context), false));
  }

  @Override
  public void beforeRead(RequestContext context) throws HookException {
    scope(context);
  }

  @Override
  public void beforeUpdate(RequestContext context) throws HookException {
    scope(context);
    JsonNode requested = context.data() == null ? null : context.data().get(column);
    if (requested != null && !requested.asText().equals(tenant(context))) {
      throw HookException.forbidden("a row cannot be moved to another tenant");
    }
  }

  @Override
  public void beforeDelete(RequestContext context) throws HookException {
    scope(context);
  }

  /** A subscription sees only the tenant's rows: its filters get the tenant condition too. */
  @Override
  public void beforeSubscribe(RequestContext context) throws HookException {
    scope(context);
  }

  @Override
  public void beforeCreate(RequestContext context) throws HookException {
    if (!context.columns().contains(column)) {
      throw HookException.forbidden("entity " + context.entity() + " is not tenant-scoped");
    }
    stamp(context, "rows can only be created for the client's own tenant");
  }

  /** Sets the tenant column of the request's data; naming another tenant is forbidden. */
  private void stamp(RequestContext context, String refusal) throws HookException {
    String tenant = tenant(context);
    JsonNode requested = context.data().get(column);
    if (requested != null && !requested.isNull() && !requested.asText().equals(tenant)) {
      throw HookException.forbidden(refusal);
    }
    context.data().put(column, tenant);
  }

  @Override
  public void beforeMeta(RequestContext context) throws HookException {
    if (!context.columns().contains(column)) {
      throw HookException.forbidden("entity " + context.entity() + " is not tenant-scoped");
    }
    tenant(context);
  }

  /**
   * A forwarded message carries the client's tenant in the tenant column's name, so consumers can
   * trust it.
   */
  @Override
  public void beforeForward(RequestContext context) throws HookException {
    stamp(context, "messages can only be sent for the client's own tenant");
  }

  @Override
  public void beforeRenew(RequestContext context) throws HookException {
    requireOwnTenant(context);
  }

  @Override
  public void beforeUnsubscribe(RequestContext context) throws HookException {
    requireOwnTenant(context);
  }

  /**
   * A stored subscription belongs to the tenant whose condition subscribe added to its filters: the
   * last filter standing alone on the tenant column ({@link #scope} appends it after the client's
   * own filters, which may name any tenant and must not make the subscription another tenant's).
   */
  private void requireOwnTenant(RequestContext context) throws HookException {
    String owner = null;
    for (java.util.List<Filter> group : Filter.groups(context.filters())) {
      Filter filter = group.get(0);
      if (group.size() == 1
          && filter.column().equals(column)
          && filter.operator() == FilterOperator.EQ) {
        owner = String.valueOf(filter.value());
      }
    }
    if (!tenant(context).equals(owner)) {
      throw HookException.forbidden("the subscription was not made for this client's tenant");
    }
  }
}
