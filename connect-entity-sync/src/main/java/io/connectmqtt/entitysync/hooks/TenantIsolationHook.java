package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.entitysync.HooksConfig;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tenant isolation: every read, update, delete and subscription is narrowed to the client's tenant,
 * and every create and forwarded (pass-through) message is stamped with it; meta is only for
 * tenant-scoped entities, and only a subscription made for the caller's tenant can be renewed or
 * cancelled. The tenant comes from a JWT claim (with {@link JwtAuthenticationHook} before this
 * hook) or from the client id. Entities without the tenant column are refused.
 *
 * <p>Configuration: the {@code entity.sync.tenant.*} keys of {@link HooksConfig}.
 */
public class TenantIsolationHook implements RequestHook {

  private String column;
  private boolean fromJwt;
  private String claim;
  private Pattern clientIdPattern;

  @Override
  public void configure(HooksConfig config) {
    column = config.tenantColumn();
    fromJwt = config.tenantFromJwt();
    claim = config.tenantClaim();
    clientIdPattern = config.tenantClientIdPattern();
  }

  @Override
  public void beforeOperation(Operation operation, RequestContext context) throws HookException {
    switch (operation) {
      case READ, DELETE, SUBSCRIBE -> scope(context); // a subscription sees only the tenant's rows
      case UPDATE -> {
        scope(context);
        JsonNode requested = context.data() == null ? null : context.data().get(column);
        if (requested != null && !requested.asText().equals(tenant(context))) {
          throw HookException.forbidden("a row cannot be moved to another tenant");
        }
      }
      case CREATE -> {
        requireTenantScoped(context);
        stamp(context, "rows can only be created for the client's own tenant");
      }
      case META -> {
        requireTenantScoped(context);
        tenant(context);
      }
      // A forwarded message carries the client's tenant in the tenant column's name, so consumers
      // can trust it.
      case FORWARD -> stamp(context, "messages can only be sent for the client's own tenant");
      case RENEW, UNSUBSCRIBE -> requireOwnTenant(context);
    }
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

  private void requireTenantScoped(RequestContext context) throws HookException {
    if (!context.columns().contains(column)) {
      throw HookException.forbidden("entity " + context.entity() + " is not tenant-scoped");
    }
  }

  private void scope(RequestContext context) throws HookException {
    requireTenantScoped(context);
    context.filters().add(new Filter(column, FilterOperator.EQ, tenant(context), false));
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

  /**
   * A stored subscription belongs to the tenant whose condition subscribe added to its filters: the
   * last filter standing alone on the tenant column ({@link #scope} appends it after the client's
   * own filters, which may name any tenant and must not make the subscription another tenant's).
   */
  private void requireOwnTenant(RequestContext context) throws HookException {
    String owner = null;
    for (List<Filter> group : Filter.groups(context.filters())) {
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
