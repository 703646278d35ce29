package io.connectmqtt.entitysync.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.entitysync.HooksConfig;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RS256 with a JWKS file (rotation included) and HS256, and every way a token can be wrong. */
class JwtAuthenticationHookTest {

  private static final String SECRET = "a-secret-of-at-least-thirty-two-characters!";
  private static final long NOW = 1_800_000_000L;
  private static KeyPair first;
  private static KeyPair second;

  /**
   * Under target/ (ProjectLayout.scratch creates java.io.tmpdir, which the build points there, when
   * missing).
   */
  private final Path folder = io.connectmqtt.testkit.ProjectLayout.scratch("jwks-");

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    first = generator.generateKeyPair();
    second = generator.generateKeyPair();
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    return b64(bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes);
  }

  private static String jwks(Map<String, KeyPair> keys) {
    StringBuilder json = new StringBuilder("{\"keys\":[");
    keys.forEach(
        (kid, pair) -> {
          RSAPublicKey key = (RSAPublicKey) pair.getPublic();
          json.append(json.length() > 9 ? "," : "")
              .append("{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"")
              .append(kid)
              .append("\",\"n\":\"")
              .append(unsigned(key.getModulus()))
              .append("\",\"e\":\"")
              .append(unsigned(key.getPublicExponent()))
              .append("\"}");
        });
    return json.append("]}").toString();
  }

  static String rs256(PrivateKey key, String kid, String claims) throws Exception {
    String head =
        b64(
            ("{\"alg\":\"RS256\",\"typ\":\"JWT\""
                    + (kid == null ? "" : ",\"kid\":\"" + kid + "\"")
                    + "}")
                .getBytes(StandardCharsets.UTF_8));
    String body = b64(claims.getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(key);
    signature.update((head + "." + body).getBytes(StandardCharsets.US_ASCII));
    return head + "." + body + "." + b64(signature.sign());
  }

  static String hs256(byte[] secret, String claims) throws Exception {
    String head = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String body = b64(claims.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return head
        + "."
        + body
        + "."
        + b64(mac.doFinal((head + "." + body).getBytes(StandardCharsets.US_ASCII)));
  }

  private JwtAuthenticationHook.Verifier verifier(
      Path jwks, byte[] secret, String issuer, String audience) {
    return new JwtAuthenticationHook.Verifier(secret, jwks, issuer, audience);
  }

  private static String claims(long exp) {
    return "{\"sub\":\"ada\",\"tenant\":\"acme\",\"iss\":\"https://id.example.com\",\"aud\":[\"connect-mqtt\"],"
        + "\"exp\":"
        + exp
        + "}";
  }

  private static void forbidden(
      JwtAuthenticationHook.Verifier verifier, String token, String reason) {
    assertThatThrownBy(() -> verifier.verify(token, NOW))
        .isInstanceOf(HookException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void rs256TokensAreVerifiedWithTheKeyNamedByKid() throws Exception {
    Path jwks =
        Files.writeString(folder.resolve("jwks.json"), jwks(Map.of("k1", first, "k2", second)));
    JwtAuthenticationHook.Verifier verifier =
        verifier(jwks, null, "https://id.example.com", "connect-mqtt");
    assertThat(verifier.verify(rs256(first.getPrivate(), "k1", claims(NOW + 60)), NOW))
        .containsEntry("tenant", "acme");
    assertThat(verifier.verify(rs256(second.getPrivate(), "k2", claims(NOW + 60)), NOW))
        .containsEntry("sub", "ada");
    forbidden(verifier, rs256(second.getPrivate(), "k1", claims(NOW + 60)), "signature is invalid");
    forbidden(verifier, rs256(first.getPrivate(), "k9", claims(NOW + 60)), "key is not known");
    forbidden(verifier, rs256(first.getPrivate(), null, claims(NOW + 60)), "key is not known");
    forbidden(verifier, rs256(first.getPrivate(), "k1", claims(NOW - 1)), "expired");
    forbidden(
        verifier,
        rs256(first.getPrivate(), "k1", claims(NOW + 60).replace("id.example.com", "evil.example")),
        "issuer");
    forbidden(
        verifier,
        rs256(first.getPrivate(), "k1", claims(NOW + 60).replace("connect-mqtt", "other")),
        "audience");
    // Algorithm confusion: an HS256 token "signed" with the public key is not accepted without an
    // HS256 secret.
    forbidden(
        verifier,
        hs256(first.getPublic().getEncoded(), claims(NOW + 60)),
        "algorithm is not accepted");
    String none =
        b64("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64(claims(NOW + 60).getBytes(StandardCharsets.UTF_8))
            + ".";
    forbidden(verifier, none, "algorithm is not accepted");
    forbidden(verifier, "not-a-token", "malformed");
  }

  @Test
  void aSingleKeyNeedsNoKidAndRotationNeedsNoRestart() throws Exception {
    Path jwks = Files.writeString(folder.resolve("jwks.json"), jwks(Map.of("old", first)));
    JwtAuthenticationHook.Verifier verifier = verifier(jwks, null, null, null);
    assertThat(verifier.verify(rs256(first.getPrivate(), null, claims(NOW + 60)), NOW))
        .containsKey("sub");
    Files.writeString(jwks, jwks(Map.of("new", second)));
    Files.setLastModifiedTime(jwks, FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    assertThat(verifier.verify(rs256(second.getPrivate(), "new", claims(NOW + 60)), NOW))
        .containsKey("sub");
    forbidden(verifier, rs256(first.getPrivate(), "old", claims(NOW + 60)), "key is not known");
  }

  @Test
  void hs256AndRs256CanBeAcceptedSideBySide() throws Exception {
    Path jwks = Files.writeString(folder.resolve("jwks.json"), jwks(Map.of("k1", first)));
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    JwtAuthenticationHook.Verifier verifier = verifier(jwks, secret, null, null);
    assertThat(verifier.verify(hs256(secret, claims(NOW + 60)), NOW)).containsKey("sub");
    assertThat(verifier.verify(rs256(first.getPrivate(), "k1", claims(NOW + 60)), NOW))
        .containsKey("sub");
    forbidden(
        verifier,
        hs256(
            "another-secret-of-at-least-thirty-two-chars".getBytes(StandardCharsets.UTF_8),
            claims(NOW + 60)),
        "signature is invalid");
  }

  @Test
  void configurationNeedsAKeyAndAReadableKeySet() {
    JwtAuthenticationHook hook = new JwtAuthenticationHook();
    assertThatThrownBy(() -> hook.configure(HooksConfig.of(Map.of())))
        .hasMessageContaining(HooksConfig.JWT_SECRET_CONFIG)
        .hasMessageContaining(HooksConfig.JWT_JWKS_FILE_CONFIG);
    assertThatThrownBy(
            () -> hook.configure(HooksConfig.of(Map.of(HooksConfig.JWT_SECRET_CONFIG, "short"))))
        .hasMessageContaining("32");
    assertThatThrownBy(
            () ->
                hook.configure(
                    HooksConfig.of(
                        Map.of(
                            HooksConfig.JWT_JWKS_FILE_CONFIG,
                            folder.resolve("missing.json").toString()))))
        .hasMessageContaining("Cannot read the JWKS file");
  }

  private static RequestContext request(String clientId, String token) {
    return new RequestContext(
        clientId,
        "r1",
        "request",
        null,
        null,
        null,
        java.util.Set.of(),
        new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("token", token),
        Map.of());
  }

  @Test
  void aTokenIsAcceptedOnlyForTheClientIdInItsSubjectOrConfiguredClaim() throws Exception {
    byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
    long exp = System.currentTimeMillis() / 1000 + 600;
    JwtAuthenticationHook bySubject = new JwtAuthenticationHook();
    bySubject.configure(HooksConfig.of(Map.of(HooksConfig.JWT_SECRET_CONFIG, SECRET)));
    RequestContext own = request("ada", hs256(secret, "{\"sub\":\"ada\",\"exp\":" + exp + "}"));
    bySubject.beforeHandle(own);
    assertThat(own.claims()).containsEntry("sub", "ada");
    RequestContext impersonation =
        request("bob", hs256(secret, "{\"sub\":\"ada\",\"exp\":" + exp + "}"));
    assertThatThrownBy(() -> bySubject.beforeHandle(impersonation))
        .isInstanceOf(HookException.class)
        .hasMessageContaining("not valid for client id 'bob'");
    assertThat(impersonation.claims())
        .as("no claims of a refused token reach later hooks")
        .isEmpty();
    assertThatThrownBy(
            () -> bySubject.beforeHandle(request("ada", hs256(secret, "{\"exp\":" + exp + "}"))))
        .hasMessageContaining("names no client id");
    assertThatThrownBy(
            () ->
                bySubject.beforeHandle(
                    request("7", hs256(secret, "{\"sub\":7,\"exp\":" + exp + "}"))))
        .as("only a string names a client id")
        .hasMessageContaining("names no client id");

    JwtAuthenticationHook byClaim = new JwtAuthenticationHook();
    byClaim.configure(
        HooksConfig.of(
            Map.of(
                HooksConfig.JWT_SECRET_CONFIG,
                SECRET,
                HooksConfig.JWT_CLIENT_ID_CLAIM_CONFIG,
                "client_id")));
    byClaim.beforeHandle(
        request(
            "device-7",
            hs256(secret, "{\"sub\":\"ada\",\"client_id\":\"device-7\",\"exp\":" + exp + "}")));
    assertThatThrownBy(
            () ->
                byClaim.beforeHandle(
                    request(
                        "ada",
                        hs256(
                            secret,
                            "{\"sub\":\"ada\","
                                + "\"client_id\":\"device-7\",\"exp\":"
                                + exp
                                + "}"))))
        .hasMessageContaining("'client_id' claim");
  }
}
