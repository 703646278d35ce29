package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.junit.jupiter.api.Test;

/** Without authentication the connector does not start, unless entity.sync.auth=none says so. */
class OpenAccessTest {

  private static Map<String, String> config(String... extra) {
    Map<String, String> props = new HashMap<>();
    props.put("name", "open-access-test");
    props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
    props.put("database.url", "jdbc:h2:mem:open-access-" + System.nanoTime());
    props.put("entities", "public.nothing");
    for (int i = 0; i < extra.length; i += 2) {
      props.put(extra[i], extra[i + 1]);
    }
    return props;
  }

  private static List<String> authErrors(Map<String, String> props) {
    return new EntitySyncConnector()
        .validate(props).configValues().stream()
            .filter(v -> v.name().equals("entity.sync.auth"))
            .findFirst()
            .map(ConfigValue::errorMessages)
            .orElseThrow(() -> new AssertionError("no entity.sync.auth in the validated config"));
  }

  @Test
  void validateRefusesAConfigWithoutAuthenticationAndSaysHowToFixIt() {
    assertThat(authErrors(config()))
        .singleElement()
        .asString()
        .contains("JwtAuthenticationHook")
        .contains("entity.sync.auth=none");
    assertThat(
            authErrors(
                config(
                    "entity.sync.hooks",
                    "io.connectmqtt.entitysync.hooks.RoleRulesHook",
                    "entity.sync.roles.rules",
                    "admin:*:*")))
        .as("role rules alone authenticate nobody")
        .hasSize(1);
  }

  @Test
  void validateAcceptsAuthenticationOrAnExplicitNone() {
    assertThat(authErrors(config("entity.sync.auth", "none"))).isEmpty();
    assertThat(
            authErrors(
                config(
                    "entity.sync.hooks",
                    "io.connectmqtt.entitysync.hooks.JwtAuthenticationHook",
                    "entity.sync.jwt.hs256.secret",
                    "a-secret-of-at-least-thirty-two-characters!")))
        .isEmpty();
  }

  @Test
  void theConnectorAndItsTasksDoNotStartWithoutAuthentication() {
    assertThatThrownBy(() -> new EntitySyncConnector().start(config()))
        .isInstanceOf(ConnectException.class)
        .hasMessageContaining("entity.sync.auth=none");
    EntitySyncTask task = new EntitySyncTask();
    try {
      assertThatThrownBy(() -> task.start(config()))
          .isInstanceOf(ConnectException.class)
          .hasMessageContaining("entity.sync.auth=none")
          .hasMessageContaining("JwtAuthenticationHook");
    } finally {
      task.stop();
    }
  }
}
