package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.ConnectStack;
import io.connectmqtt.testkit.MosquittoBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * User name and password against mosquitto with a password file; refused credentials are a
 * permanent error.
 */
class MqttSourceAuthIT {

  private static MosquittoBroker mosquitto;
  private static ConnectStack stack;

  @BeforeAll
  static void start() {
    if (!MosquittoBroker.available()) {
      return;
    }
    mosquitto = MosquittoBroker.startWithPassword("ingest", "s3cret-pw");
    stack = ConnectStack.start();
  }

  @BeforeEach
  void needsMosquitto() {
    MosquittoBroker.assumeAvailable();
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  private static Map<String, String> config(String name, String password) {
    Map<String, String> config =
        MqttSourceRoundTripIT.sourceConfig(name, mosquitto.uri(), "5", "auth/#");
    config.put("name", name);
    config.put("mqtt.username", "ingest");
    config.put("mqtt.password", password);
    config.put("kafka.topic", "auth." + name);
    return config;
  }

  @Test
  void rightCredentialsConnectAndTheMessageFlows() {
    Map<String, String> config = config("good", "s3cret-pw");
    assertThat(
            ConnectRest.errorsByKey(
                stack.rest().validate(MqttSourceConnector.class.getName(), config)))
        .isEmpty();
    stack.rest().createOrReplace("good", config);
    stack.rest().awaitRunning("good", 1, Duration.ofSeconds(60));
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              mosquitto.publish(
                  "-u", "ingest", "-P", "s3cret-pw", "-q", "1", "-t", "auth/x", "-m", "hello");
              return !stack.topics().readAll("auth.good", 1, Duration.ofSeconds(1)).isEmpty();
            });
    assertThat(
            new String(
                stack.topics().readAll("auth.good", 1, Duration.ofSeconds(5)).get(0).value(),
                StandardCharsets.UTF_8))
        .isEqualTo("hello");
    stack.rest().delete("good");
  }

  @Test
  void wrongPasswordIsRefusedOnSubmissionWithTheReason() {
    Map<String, String> config = config("bad", "wr0ng-Pa55");
    assertThat(
            ConnectRest.errorsByKey(
                    stack.rest().validate(MqttSourceConnector.class.getName(), config))
                .get("mqtt.server.uris"))
        .anySatisfy(m -> assertThat(m).contains("refused").contains("mqtt.password"));
    assertThatThrownBy(() -> stack.rest().createOrReplace("bad", config))
        .hasMessageContaining("400")
        .hasMessageContaining("NOT_AUTHORIZED")
        .hasMessageContaining("mqtt.password");
  }

  @Test
  void credentialsRevokedWhileRunningFailTheTaskWithAClearMessageInsteadOfRetryingForever() {
    Map<String, String> config = config("rotated", "s3cret-pw");
    stack.rest().createOrReplace("rotated", config);
    stack.rest().awaitRunning("rotated", 1, Duration.ofSeconds(60));
    mosquitto.restartWithPassword("ingest", "n3w-pw");
    try {
      Awaitility.await("task FAILED")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(
              () ->
                  "FAILED"
                      .equals(
                          stack
                              .rest()
                              .status("rotated")
                              .path("tasks")
                              .get(0)
                              .path("state")
                              .asText()));
      String trace = stack.rest().status("rotated").path("tasks").get(0).path("trace").asText();
      assertThat(trace).contains("refused the connection").contains("NOT_AUTHORIZED");
      assertThat(trace).doesNotContain("s3cret-pw");
    } finally {
      stack.rest().delete("rotated");
      mosquitto.restartWithPassword("ingest", "s3cret-pw");
    }
  }
}
