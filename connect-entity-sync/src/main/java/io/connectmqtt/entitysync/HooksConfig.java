package io.connectmqtt.entitysync;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.types.Password;

/**
 * Keys of authentication, the request hooks and the settings of the built-in hooks, the one
 * definition of each, and the typed view hooks are configured with ({@link
 * io.connectmqtt.entitysync.hooks.RequestHook#configure(HooksConfig)}). Part of {@link
 * EntitySyncConfig}.
 */
public final class HooksConfig {

  static final String GROUP = "Hooks and security";

  public static final String AUTH_CONFIG = "entity.sync.auth";
  public static final String HOOKS_CONFIG = "entity.sync.hooks";
  public static final String JWT_SECRET_CONFIG = "entity.sync.jwt.hs256.secret";
  public static final String JWT_JWKS_FILE_CONFIG = "entity.sync.jwt.jwks.file";
  public static final String JWT_ISSUER_CONFIG = "entity.sync.jwt.issuer";
  public static final String JWT_AUDIENCE_CONFIG = "entity.sync.jwt.audience";
  public static final String JWT_CLIENT_ID_CLAIM_CONFIG = "entity.sync.jwt.client.id.claim";
  public static final String TENANT_COLUMN_CONFIG = "entity.sync.tenant.column";
  public static final String TENANT_SOURCE_CONFIG = "entity.sync.tenant.source";
  public static final String TENANT_CLAIM_CONFIG = "entity.sync.tenant.jwt.claim";
  public static final String TENANT_PATTERN_CONFIG = "entity.sync.tenant.client.id.pattern";
  public static final String ROLES_RULES_CONFIG = "entity.sync.roles.rules";
  public static final String ROLES_CLAIM_CONFIG = "entity.sync.roles.claim";
  public static final String AUDIT_TABLE_CONFIG = "entity.sync.audit.table";

  private final AbstractConfig config;

  /** The hooks' view of the connector's parsed configuration. */
  HooksConfig(AbstractConfig config) {
    this.config = config;
  }

  /** Parses only this fragment's keys (others are kept as originals): for a hook on its own. */
  public static HooksConfig of(Map<String, ?> props) {
    return new HooksConfig(new AbstractConfig(define(new ConfigDef()), props, false));
  }

  /** Every key as configured, for a custom hook's own settings. */
  public Map<String, String> originalsStrings() {
    return config.originalsStrings();
  }

  public boolean authenticationRequired() {
    return !AuthenticationRequirement.NONE.equalsIgnoreCase(config.getString(AUTH_CONFIG));
  }

  /** Class names of the hooks, in the order they run. */
  public List<String> hookClasses() {
    return config.getList(HOOKS_CONFIG);
  }

  /** The HS256 secret, if set. */
  public Optional<Password> jwtSecret() {
    return Optional.ofNullable(config.getPassword(JWT_SECRET_CONFIG));
  }

  public Optional<Path> jwtJwksFile() {
    return nonBlank(JWT_JWKS_FILE_CONFIG).map(file -> Path.of(file.trim()));
  }

  public Optional<String> jwtIssuer() {
    return nonBlank(JWT_ISSUER_CONFIG);
  }

  public Optional<String> jwtAudience() {
    return nonBlank(JWT_AUDIENCE_CONFIG);
  }

  public String jwtClientIdClaim() {
    return config.getString(JWT_CLIENT_ID_CLAIM_CONFIG).trim();
  }

  public String tenantColumn() {
    return config.getString(TENANT_COLUMN_CONFIG);
  }

  /** Whether the tenant comes from a JWT claim ({@link #tenantClaim}), else from the client id. */
  public boolean tenantFromJwt() {
    return "jwt".equalsIgnoreCase(config.getString(TENANT_SOURCE_CONFIG));
  }

  public String tenantClaim() {
    return config.getString(TENANT_CLAIM_CONFIG);
  }

  /** Whose first group, found in the client id, is the tenant. */
  public Pattern tenantClientIdPattern() {
    return Pattern.compile(config.getString(TENANT_PATTERN_CONFIG));
  }

  /** role:entity:operations entries separated by ';', as configured. */
  public String roleRules() {
    return config.getString(ROLES_RULES_CONFIG);
  }

  public String roleClaim() {
    return config.getString(ROLES_CLAIM_CONFIG);
  }

  /** The audit log's table, if one is configured. */
  public Optional<String> auditTable() {
    return nonBlank(AUDIT_TABLE_CONFIG);
  }

  private Optional<String> nonBlank(String key) {
    return Optional.ofNullable(config.getString(key)).filter(value -> !value.isBlank());
  }

  /** Defines this fragment's keys in {@code def}, after the keys of its group defined before. */
  static ConfigDef define(ConfigDef def) {
    int order = EntitySyncConfig.keysInGroup(def, GROUP);
    def.define(
            AUTH_CONFIG,
            Type.STRING,
            AuthenticationRequirement.REQUIRED,
            ConfigDef.CaseInsensitiveValidString.in(
                AuthenticationRequirement.REQUIRED, AuthenticationRequirement.NONE),
            Importance.HIGH,
            "required: the connector does not start unless "
                + HOOKS_CONFIG
                + " has a hook that authenticates "
                + "every request (io.connectmqtt.entitysync.hooks.JwtAuthenticationHook, or a custom hook whose "
                + "authenticates() is true). none: start without authentication on purpose, so that anyone who can "
                + "publish to <prefix>/+/request can read, change and delete every row of the entities; each task "
                + "logs a WARN saying so.",
            GROUP,
            ++order,
            Width.SHORT,
            "Authentication")
        .define(
            HOOKS_CONFIG,
            Type.LIST,
            "",
            Importance.MEDIUM,
            "Request hooks, by class name, run in this order: implementations of "
                + "io.connectmqtt.entitysync.hooks.RequestHook in the plugin. Built in: "
                + "io.connectmqtt.entitysync.hooks.JwtAuthenticationHook (list it first), "
                + "io.connectmqtt.entitysync.hooks.TenantIsolationHook and "
                + "io.connectmqtt.entitysync.hooks.RoleRulesHook.",
            GROUP,
            ++order,
            Width.LONG,
            "Hooks")
        .define(
            JWT_SECRET_CONFIG,
            Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Shared secret (at least 32 characters) that HS256 tokens are signed with, for the JWT hook.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "JWT HS256 secret")
        .define(
            JWT_JWKS_FILE_CONFIG,
            Type.STRING,
            null,
            Importance.MEDIUM,
            "JSON Web Key Set file (RFC 7517, RSA keys with 'kid') that RS256 tokens are verified with, for the JWT "
                + "hook. Read again when it changes, so keys can be rotated without a restart. Set this, the HS256 "
                + "secret, or both.",
            GROUP,
            ++order,
            Width.LONG,
            "JWT JWKS file")
        .define(
            JWT_ISSUER_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "When set, tokens must carry this 'iss' claim.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "JWT issuer")
        .define(
            JWT_AUDIENCE_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "When set, tokens must name this audience in their 'aud' claim (a string or an array).",
            GROUP,
            ++order,
            Width.MEDIUM,
            "JWT audience")
        .define(
            JWT_CLIENT_ID_CLAIM_CONFIG,
            Type.STRING,
            "sub",
            new ConfigDef.NonEmptyString(),
            Importance.MEDIUM,
            "JWT claim that must equal the client id of the request topic (<prefix>/<client id>/request); a token "
                + "naming another client id, or none, is forbidden. This binds the topic's client id, which any "
                + "MQTT connection may choose, to the authenticated identity.",
            GROUP,
            ++order,
            Width.SHORT,
            "JWT client id claim")
        .define(
            TENANT_COLUMN_CONFIG,
            Type.STRING,
            "tenant_id",
            Importance.LOW,
            "Column holding a row's tenant, for the tenant isolation hook.",
            GROUP,
            ++order,
            Width.SHORT,
            "Tenant column")
        .define(
            TENANT_SOURCE_CONFIG,
            Type.STRING,
            "client-id",
            ConfigDef.CaseInsensitiveValidString.in("client-id", "jwt"),
            Importance.LOW,
            "Where the tenant isolation hook takes the tenant from: the client id (see "
                + TENANT_PATTERN_CONFIG
                + ") or a claim of the verified JWT (see "
                + TENANT_CLAIM_CONFIG
                + ").",
            GROUP,
            ++order,
            Width.SHORT,
            "Tenant source")
        .define(
            TENANT_CLAIM_CONFIG,
            Type.STRING,
            "tenant",
            Importance.LOW,
            "JWT claim naming the tenant.",
            GROUP,
            ++order,
            Width.SHORT,
            "Tenant claim")
        .define(
            TENANT_PATTERN_CONFIG,
            Type.STRING,
            "^([A-Za-z0-9_]+)-",
            Importance.LOW,
            "Regular expression whose first group, found in the client id, is the tenant: 'acme-device-7' gives "
                + "'acme' by default.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Tenant from client id")
        .define(
            ROLES_RULES_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "For io.connectmqtt.entitysync.hooks.RoleRulesHook: role:entity:operations entries separated by ';', "
                + "'*' for any entity or operation, e.g. 'admin:*:*;viewer:*:read,meta;operator:devices:read,update'. "
                + "Operations: read, create, update, delete, meta, subscribe (renewing included), unsubscribe, and "
                + "forward (pass-through, where the entity is the message's type).",
            GROUP,
            ++order,
            Width.LONG,
            "Role rules")
        .define(
            ROLES_CLAIM_CONFIG,
            Type.STRING,
            "role",
            Importance.LOW,
            "JWT claim with the caller's role (a string or an array of strings), for the role rules hook.",
            GROUP,
            ++order,
            Width.SHORT,
            "Role claim")
        .define(
            AUDIT_TABLE_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Table (created if missing, in the default schema) that gets one row per request: when, client id, "
                + "request id, operation, outcome (ok or the error code) and the request as sent (at most 4000 "
                + "characters). Empty: no audit log.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Audit log table");
    return def;
  }
}
