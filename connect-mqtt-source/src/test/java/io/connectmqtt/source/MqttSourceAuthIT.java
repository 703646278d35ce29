package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.testkit.BrokerWithConnect;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.FailedTask;
import io.connectmqtt.testkit.FirstRecord;
import io.connectmqtt.testkit.MosquittoBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * User name and password against mosquitto with a password file; refused credentials are a
 * permanent error.
 */
class MqttSourceAuthIT {

  @RegisterExtension
  static final BrokerWithConnect<MosquittoBroker> fixtures =
      BrokerWithConnect.of(
          () -> {
            MosquittoBroker.assumeAvailable();
            return MosquittoBroker.startWithPassword("ingest", "s3cret-pw");
          });

  private static Map<String, String> config(String name, String password) {
    Map<String, String> config =
        SourceConfigs.versioned(fixtures.broker().uri(), "5", "auth/#", "auth." + name);
    config.put("name", name);
    config.put("mqtt.username", "ingest");
    config.put("mqtt.password", password);
    return config;
  }

  @Test
  void rightCredentialsConnectAndTheMessageFlows() {
    Map<String, String> config = config("good", "s3cret-pw");
    assertThat(
            ConnectRest.errorsByKey(
                fixtures.rest().validate(MqttSourceConnector.class.getName(), config)))
        .isEmpty();
    fixtures.startConnector("good", config);
    FirstRecord.await(
        "the first record in " + "auth.good",
        fixtures.topics(),
        "auth.good",
        Duration.ofSeconds(30),
        () -> {
          fixtures
              .broker()
              .publish("-u", "ingest", "-P", "s3cret-pw", "-q", "1", "-t", "auth/x", "-m", "hello");
        });
    assertThat(
            new String(
                fixtures.topics().readAll("auth.good", 1, Duration.ofSeconds(5)).get(0).value(),
                StandardCharsets.UTF_8))
        .isEqualTo("hello");
    fixtures.rest().delete("good");
  }

  @Test
  void wrongPasswordIsRefusedOnSubmissionWithTheReason() {
    Map<String, String> config = config("bad", "wr0ng-Pa55");
    assertThat(
            ConnectRest.errorsByKey(
                    fixtures.rest().validate(MqttSourceConnector.class.getName(), config))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("refused").contains("mqtt.password"));
    assertThatThrownBy(() -> fixtures.rest().createOrReplace("bad", config))
        .hasMessageContaining("400")
        .hasMessageContaining("NOT_AUTHORIZED")
        .hasMessageContaining("mqtt.password");
  }

  @Test
  void credentialsRevokedWhileRunningFailTheTaskWithAClearMessageInsteadOfRetryingForever() {
    Map<String, String> config = config("rotated", "s3cret-pw");
    fixtures.startConnector("rotated", config);
    fixtures.broker().restartWithPassword("ingest", "n3w-pw");
    try {
      String trace = FailedTask.awaitTrace(fixtures.rest(), "rotated", Duration.ofSeconds(90));
      assertThat(trace).contains("refused the connection").contains("NOT_AUTHORIZED");
      assertThat(trace).doesNotContain("s3cret-pw");
    } finally {
      fixtures.rest().delete("rotated");
      fixtures.broker().restartWithPassword("ingest", "s3cret-pw");
    }
  }
}
