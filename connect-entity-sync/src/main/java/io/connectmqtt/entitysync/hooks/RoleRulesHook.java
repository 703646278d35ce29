package io.connectmqtt.entitysync.hooks;

import io.connectmqtt.entitysync.HooksConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Role rules per entity and operation. The caller's roles come from a claim of the verified JWT
 * (list {@link JwtAuthenticationHook} first); a request is allowed only when one of its roles has a
 * rule for the entity and operation. Operations: read (preloaded relations included), create,
 * update, delete, meta, subscribe (also renewing a subscription), unsubscribe, and forward
 * (pass-through, where the entity is the message's type). Configuration: {@link
 * HooksConfig#ROLES_RULES_CONFIG} as {@code role:entity:operations} entries separated by ';', where
 * entity and operations may be '*' and operations a comma list, e.g. {@code
 * admin:*:*;viewer:*:read,meta;operator:devices:read,update}; the claim {@link
 * HooksConfig#ROLES_CLAIM_CONFIG}, a string or an array of strings.
 */
public class RoleRulesHook implements RequestHook {

  private record Rule(String role, String entity, Set<String> operations) {
    boolean allows(Collection<String> roles, String wantedEntity, String operation) {
      return roles.contains(role)
          && (entity.equals("*") || entity.equalsIgnoreCase(wantedEntity))
          && (operations.contains("*") || operations.contains(operation));
    }
  }

  private final List<Rule> rules = new ArrayList<>();
  private String claim;

  @Override
  public void configure(HooksConfig config) {
    claim = config.roleClaim();
    for (String entry : config.roleRules().split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      String[] parts = entry.trim().split(":");
      if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
        throw new IllegalArgumentException(
            HooksConfig.ROLES_RULES_CONFIG
                + " entry '"
                + entry.trim()
                + "' is not role:entity:operations, e.g. viewer:users:read,meta");
      }
      rules.add(
          new Rule(parts[0].trim(), parts[1].trim(), Set.of(parts[2].trim().split("\\s*,\\s*"))));
    }
    if (rules.isEmpty()) {
      throw new IllegalArgumentException(
          HooksConfig.ROLES_RULES_CONFIG + " is empty: no request would be allowed");
    }
  }

  /**
   * Every operation alike, by its protocol name ({@link RequestContext#operation()}: a renewal is a
   * subscribe).
   */
  @Override
  public void beforeOperation(Operation operation, RequestContext context) throws HookException {
    Object value = context.claims().get(claim);
    List<String> roles = new ArrayList<>();
    if (value instanceof Collection<?> list) {
      list.forEach(r -> roles.add(String.valueOf(r)));
    } else if (value != null) {
      roles.add(value.toString());
    }
    for (Rule rule : rules) {
      if (rule.allows(roles, context.entity(), context.operation())) {
        return;
      }
    }
    throw HookException.forbidden(
        "no role of this client may " + context.operation() + " " + context.entity());
  }
}
