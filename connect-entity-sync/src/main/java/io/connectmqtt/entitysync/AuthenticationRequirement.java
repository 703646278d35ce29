package io.connectmqtt.entitysync;

import io.connectmqtt.entitysync.hooks.RequestHook;
import java.util.List;

/**
 * Entity sync is closed unless configured open on purpose: without a hook that authenticates every
 * message (one whose {@link RequestHook#authenticates()} is true, such as the JWT hook), anyone who
 * can publish to {@code {prefix}/+/request} can read, change and delete every row of the configured
 * entities. Such a configuration is refused by validate() and at start unless {@code
 * entity.sync.auth=none} says it is meant.
 */
final class AuthenticationRequirement {

  static final String REQUIRED = "required";
  static final String NONE = "none";

  private AuthenticationRequirement() {}

  /** Why the connector must not start with {@code hooks}, with the remedy; null when it may. */
  static String problem(EntitySyncConfig config, List<RequestHook> hooks) {
    if (explicitlyNone(config) || authenticates(hooks)) {
      return null;
    }
    return "No authentication is configured, so anyone who can publish to "
        + config.getString(ProtocolConfig.PREFIX_CONFIG)
        + "/+/request could read, change and delete every row of "
        + config.getList(DatabaseConfig.ENTITIES_CONFIG)
        + ". Add an authenticating hook to "
        + HooksConfig.HOOKS_CONFIG
        + " (io.connectmqtt.entitysync.hooks.JwtAuthenticationHook with "
        + HooksConfig.JWT_SECRET_CONFIG
        + " or "
        + HooksConfig.JWT_JWKS_FILE_CONFIG
        + "), or set "
        + HooksConfig.AUTH_CONFIG
        + "="
        + NONE
        + " to run without authentication on purpose (a demo, or a "
        + "broker whose ACLs alone decide who may publish requests).";
  }

  /** The WARN a task logs at start when running without required authentication, or null. */
  static String warning(EntitySyncConfig config, List<RequestHook> hooks) {
    if (!explicitlyNone(config)) {
      return null;
    }
    return HooksConfig.AUTH_CONFIG
        + "="
        + NONE
        + (authenticates(hooks)
            ? ": authentication is not required by configuration (the configured hooks still authenticate)"
            : ": requests are not authenticated; anyone who can publish to "
                + config.getString(ProtocolConfig.PREFIX_CONFIG)
                + "/+/request can read, change and delete every row of "
                + config.getList(DatabaseConfig.ENTITIES_CONFIG)
                + " (only the broker's ACLs stand in the way)");
  }

  private static boolean explicitlyNone(EntitySyncConfig config) {
    return !config.hooks().authenticationRequired();
  }

  private static boolean authenticates(List<RequestHook> hooks) {
    return hooks.stream().anyMatch(RequestHook::authenticates);
  }
}
