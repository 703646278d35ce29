package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.entitysync.hooks.JwtAuthenticationHook;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the parser refuses at the door, before any SQL: oversized data values (per value and per
 * request), deep nesting, floods of keys; and that ping and disconnect are authenticated like every
 * other operation.
 */
class RequestBoundsTest {

  private static TestBackend backend;
  private static RequestProcessor open;
  private static RequestProcessor authenticated;

  @BeforeAll
  static void start() throws Exception {
    backend =
        TestBackend.start(
            "bounds",
            "notes",
            "id integer primary key, body varchar(1000000)",
            Map.of(
                "request.max.bytes",
                String.valueOf(16 * 1024 * 1024),
                "entity.sync.data.value.max.bytes",
                "4096"));
    open = backend.processor(Map.of(), List.of());
    Map<String, String> secret =
        Map.of(HooksConfig.JWT_SECRET_CONFIG, "a-secret-of-at-least-thirty-two-characters!");
    JwtAuthenticationHook jwt = new JwtAuthenticationHook();
    Map<String, String> jwtProps = new HashMap<>(backend.props);
    jwtProps.putAll(secret);
    jwt.configure(HooksConfig.of(jwtProps));
    authenticated = backend.processor(secret, List.of(jwt));
  }

  @AfterAll
  static void stop() {
    backend.close();
  }

  private static JsonNode send(RequestProcessor processor, String request) {
    return processor
        .handle("c1", request.getBytes(StandardCharsets.UTF_8), Map.of(), Optional.empty())
        .reply();
  }

  private static long rows() throws Exception {
    try (Connection connection = backend.h2.connection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select count(*) from public.notes")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  void aValueOverThePerValueLimitIsTooLargeAndNothingIsWritten() throws Exception {
    long before = rows();
    JsonNode reply =
        send(
            open,
            "{\"id\":\"v1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":1,\"body\":\""
                + "x".repeat(4097)
                + "\"}}");
    assertThat(reply.path("error").path("code").asText()).isEqualTo("too_large");
    assertThat(reply.path("error").path("message").asText()).contains("body").contains("4096");
    reply =
        send(
            open,
            "{\"id\":\"v2\",\"type\":\"request\",\"operation\":\"update\",\"entity\":\"notes\","
                + "\"record_id\":1,\"data\":{\"body\":\""
                + "é".repeat(2049)
                + "\"}}");
    assertThat(reply.path("error").path("code").asText()).isEqualTo("too_large");
    assertThat(rows()).isEqualTo(before);
    // At the limit it is accepted.
    reply =
        send(
            open,
            "{\"id\":\"v3\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":3,\"body\":\""
                + "x".repeat(4096)
                + "\"}}");
    assertThat(reply.path("success").asBoolean()).as(reply.toString()).isTrue();
  }

  @Test
  void aFiftyMegabyteStringIsTooLarge() {
    JsonNode reply =
        send(
            open,
            "{\"id\":\"big\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":2,\"body\":\""
                + "x".repeat(50 * 1024 * 1024)
                + "\"}}");
    assertThat(reply.path("error").path("code").asText()).isEqualTo("too_large");
  }

  @Test
  void aDeeplyNestedValueIsRefused() {
    String nested = "[".repeat(10_000) + "]".repeat(10_000);
    JsonNode reply =
        send(
            open,
            "{\"id\":\"deep\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                + "\"data\":{\"id\":2,\"body\":"
                + nested
                + "}}");
    assertThat(reply.path("error").path("code").asText()).isEqualTo("invalid_message");
    assertThat(reply.path("error").path("message").asText()).contains("nested too deeply");
  }

  @Test
  void aHundredThousandKeysAreRefusedAtTheDoor() throws Exception {
    long before = rows();
    StringBuilder data = new StringBuilder("{\"id\":2");
    for (int i = 0; i < 100_000; i++) {
      data.append(",\"k").append(i).append("\":1");
    }
    data.append('}');
    JsonNode reply =
        send(
            open,
            "{\"id\":\"keys\",\"type\":\"request\",\"operation\":\"create\","
                + "\"entity\":\"notes\",\"data\":"
                + data
                + "}");
    assertThat(reply.path("error").path("code").asText()).isEqualTo("too_large");
    assertThat(reply.path("error").path("message").asText()).contains("columns");
    assertThat(rows()).isEqualTo(before);
  }

  @Test
  void pingAndDisconnectNeedAToken() {
    for (String type : List.of("ping", "disconnect")) {
      JsonNode reply = send(authenticated, "{\"id\":\"p\",\"type\":\"" + type + "\"}");
      assertThat(reply.path("success").asBoolean()).as(type).isFalse();
      assertThat(reply.path("error").path("code").asText()).as(type).isEqualTo("forbidden");
    }
  }
}
