package io.connectmqtt.entitysync.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.entitysync.HooksConfig;
import io.connectmqtt.entitysync.hooks.RequestHook.Operation;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The hook API's defaults: what a hook that overrides only one method receives. */
class RequestHookTest {

  private static RequestContext context(String operation, String entity, String role) {
    RequestContext context =
        new RequestContext(
                "acme-1",
                "r1",
                "request",
                null,
                null,
                null,
                Set.of(),
                new ObjectMapper().createObjectNode(),
                Map.of())
            .forOperation(operation, "public", entity, Set.of("id", "tenant_id"));
    context.claims().put("role", role);
    context.data(new ObjectMapper().createObjectNode());
    return context;
  }

  @Test
  void everyPerOperationBeforeMethodReachesBeforeOperationAndDisconnectDoesNot() throws Exception {
    List<Operation> seen = new ArrayList<>();
    RequestHook hook =
        new RequestHook() {
          @Override
          public void beforeOperation(Operation operation, RequestContext context) {
            seen.add(operation);
          }
        };
    RequestContext context = context("read", "notes", "viewer");
    hook.beforeMeta(context);
    hook.beforeRead(context);
    hook.beforeCreate(context);
    hook.beforeUpdate(context);
    hook.beforeDelete(context);
    hook.beforeSubscribe(context);
    hook.beforeRenew(context);
    hook.beforeUnsubscribe(context);
    hook.beforeForward(context);
    hook.beforeDisconnect(context);
    hook.beforeHandle(context);
    assertThat(seen).containsExactly(Operation.values());
    assertThat(EnumSet.copyOf(seen)).hasSize(Operation.values().length);
  }

  @Test
  void aHookWrittenAgainstTheStringMapStillReceivesTheSettings() {
    Map<String, String> received = new java.util.HashMap<>();
    RequestHook legacy =
        new RequestHook() {
          @Override
          public void configure(Map<String, String> config) {
            received.putAll(config);
          }
        };
    legacy.configure(HooksConfig.of(Map.of("my.hook.setting", "42")));
    assertThat(received).containsEntry("my.hook.setting", "42");
  }

  @Test
  void roleRulesDecideEveryOperationByItsProtocolName() throws Exception {
    RoleRulesHook roles = new RoleRulesHook();
    roles.configure(
        HooksConfig.of(Map.of(HooksConfig.ROLES_RULES_CONFIG, "viewer:notes:read,subscribe")));
    roles.beforeRead(context("read", "notes", "viewer"));
    roles.beforeRenew(context("subscribe", "notes", "viewer"));
    assertThatThrownBy(() -> roles.beforeDelete(context("delete", "notes", "viewer")))
        .isInstanceOf(HookException.class)
        .hasMessage("no role of this client may delete notes");
    assertThatThrownBy(() -> roles.beforeRead(context("read", "users", "viewer")))
        .hasMessage("no role of this client may read users");
  }

  @Test
  void tenantIsolationScopesReadsAndStampsCreatesFromOneMethod() throws Exception {
    TenantIsolationHook tenants = new TenantIsolationHook();
    tenants.configure(HooksConfig.of(Map.of()));
    RequestContext read = context("read", "notes", "viewer");
    tenants.beforeRead(read);
    assertThat(read.filters()).hasSize(1);
    assertThat(read.filters().get(0).value()).isEqualTo("acme");
    RequestContext create = context("create", "notes", "viewer");
    tenants.beforeCreate(create);
    assertThat(create.data().path("tenant_id").asText()).isEqualTo("acme");
    RequestContext renewOfNoTenant = context("subscribe", "notes", "viewer");
    assertThatThrownBy(() -> tenants.beforeRenew(renewOfNoTenant))
        .hasMessage("the subscription was not made for this client's tenant");
  }
}
