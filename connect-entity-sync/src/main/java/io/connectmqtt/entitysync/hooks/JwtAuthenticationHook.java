package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.entitysync.HooksConfig;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.config.types.Password;

/**
 * JWT authentication: every request must carry a valid, unexpired token, in the MQTT 5 user
 * property {@code authorization} ("Bearer &lt;token&gt;") or the envelope field {@code token}.
 * HS256 tokens are checked with a shared secret ({@link HooksConfig#JWT_SECRET_CONFIG}), RS256
 * tokens with the RSA keys of a JSON Web Key Set file ({@link HooksConfig#JWT_JWKS_FILE_CONFIG},
 * chosen by the token's {@code kid}, re-read when the file changes). Optional {@code iss} and
 * {@code aud} checks. The token must name the request topic's client id in the claim {@link
 * HooksConfig#JWT_CLIENT_ID_CLAIM_CONFIG}, see {@link ClientIdentity}. The claims go to the context
 * for later hooks (tenant isolation, roles) and bound the lifetime of subscriptions ({@code exp}).
 */
public class JwtAuthenticationHook implements RequestHook {

  private static final ObjectMapper JSON = new ObjectMapper();
  private Verifier verifier;
  private ClientIdentity identity;

  @Override
  public void configure(HooksConfig config) {
    Password secret = config.jwtSecret().orElse(null);
    if (secret != null && secret.value().length() < 32) {
      throw new IllegalArgumentException(
          HooksConfig.JWT_SECRET_CONFIG + " must be at least 32 characters for HS256");
    }
    Path jwks = config.jwtJwksFile().orElse(null);
    if (secret == null && jwks == null) {
      throw new IllegalArgumentException(
          "The JWT hook needs "
              + HooksConfig.JWT_SECRET_CONFIG
              + " (HS256) or "
              + HooksConfig.JWT_JWKS_FILE_CONFIG
              + " (RS256), or both");
    }
    verifier =
        new Verifier(
            secret == null ? null : secret.value().getBytes(StandardCharsets.UTF_8),
            jwks,
            config.jwtIssuer().orElse(null),
            config.jwtAudience().orElse(null));
    identity = new ClientIdentity(config.jwtClientIdClaim());
    if (verifier.jwksFile != null) {
      verifier.keys(); // fail at start, not at the first request, on an unreadable key set
    }
  }

  @Override
  public boolean authenticates() {
    return true;
  }

  @Override
  public void beforeHandle(RequestContext context) throws HookException {
    String token =
        context
            .userProperty("authorization")
            .map(v -> v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7) : v)
            .or(
                () ->
                    Optional.ofNullable(context.envelope().get("token"))
                        .filter(JsonNode::isTextual)
                        .map(JsonNode::asText))
            .orElseThrow(
                () ->
                    HookException.forbidden(
                        "a token is required (MQTT 5 user property 'authorization' or "
                            + "the 'token' field)"));
    Map<String, Object> claims = verifier.verify(token, System.currentTimeMillis() / 1000);
    identity.check(claims, context.clientId());
    context.claims().putAll(claims);
  }

  /** Checks signature, algorithm, time and, when configured, issuer and audience. */
  static final class Verifier {
    private final byte[] secret;
    private final Path jwksFile;
    private final String issuer;
    private final String audience;
    private Map<String, PublicKey> keys = Map.of();
    private FileTime keysModified;

    Verifier(byte[] secret, Path jwksFile, String issuer, String audience) {
      this.secret = secret;
      this.jwksFile = jwksFile;
      this.issuer = issuer == null || issuer.isBlank() ? null : issuer;
      this.audience = audience == null || audience.isBlank() ? null : audience;
    }

    Map<String, Object> verify(String token, long nowSeconds) throws HookException {
      String[] parts = token.split("\\.", -1);
      if (parts.length != 3) {
        throw HookException.forbidden("the token is malformed");
      }
      JsonNode claims;
      try {
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        byte[] signature = Base64.getUrlDecoder().decode(parts[2]);
        String alg = header.path("alg").asText();
        if (alg.equals("HS256") && secret != null) {
          Mac mac = Mac.getInstance("HmacSHA256");
          mac.init(new SecretKeySpec(secret, "HmacSHA256"));
          if (!MessageDigest.isEqual(mac.doFinal(signed), signature)) {
            throw HookException.forbidden("the token's signature is invalid");
          }
        } else if (alg.equals("RS256") && jwksFile != null) {
          PublicKey key = key(header.path("kid").asText(null));
          Signature rsa = Signature.getInstance("SHA256withRSA");
          rsa.initVerify(key);
          rsa.update(signed);
          if (!rsa.verify(signature)) {
            throw HookException.forbidden("the token's signature is invalid");
          }
        } else {
          // Also refuses 'none' and an RS256 token presented as HS256 with the public key as
          // secret.
          throw HookException.forbidden("the token's algorithm is not accepted");
        }
        claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      } catch (HookException e) {
        throw e;
      } catch (Exception e) {
        throw HookException.forbidden("the token is malformed");
      }
      if (!claims.isObject()) {
        throw HookException.forbidden("the token is malformed");
      }
      if (!claims.path("exp").isNumber() || claims.path("exp").asLong() <= nowSeconds) {
        throw HookException.forbidden("the token has expired");
      }
      if (claims.has("nbf") && claims.path("nbf").asLong() > nowSeconds) {
        throw HookException.forbidden("the token is not valid yet");
      }
      if (issuer != null && !issuer.equals(claims.path("iss").asText(null))) {
        throw HookException.forbidden("the token's issuer is not accepted");
      }
      if (audience != null && !audiences(claims.path("aud")).containsKey(audience)) {
        throw HookException.forbidden("the token is not meant for this service (audience)");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = JSON.convertValue(claims, Map.class);
      return map;
    }

    private static Map<String, Boolean> audiences(JsonNode aud) {
      Map<String, Boolean> names = new HashMap<>();
      if (aud.isTextual()) {
        names.put(aud.asText(), true);
      }
      aud.forEach(name -> names.put(name.asText(), true));
      return names;
    }

    private PublicKey key(String kid) throws HookException {
      Map<String, PublicKey> current = keys();
      if (kid != null && current.containsKey(kid)) {
        return current.get(kid);
      }
      if (kid == null && current.size() == 1) {
        return current.values().iterator().next();
      }
      throw HookException.forbidden("the token's key is not known");
    }

    /** The key set, read again when the file's modification time changed (key rotation). */
    synchronized Map<String, PublicKey> keys() {
      try {
        FileTime modified = Files.getLastModifiedTime(jwksFile);
        if (!modified.equals(keysModified)) {
          keys = parse(Files.readAllBytes(jwksFile));
          keysModified = modified;
        }
        return keys;
      } catch (IOException | GeneralSecurityException e) {
        if (keysModified == null) {
          throw new IllegalArgumentException(
              "Cannot read the JWKS file " + jwksFile + ": " + e.getMessage(), e);
        }
        return keys; // keep the last good set while the file is being rewritten
      }
    }

    static Map<String, PublicKey> parse(byte[] jwks) throws IOException, GeneralSecurityException {
      Map<String, PublicKey> parsed = new HashMap<>();
      KeyFactory factory = KeyFactory.getInstance("RSA");
      int index = 0;
      for (JsonNode jwk : JSON.readTree(jwks).path("keys")) {
        if (!"RSA".equals(jwk.path("kty").asText())
            || jwk.path("use").asText("sig").equals("enc")) {
          continue;
        }
        BigInteger modulus =
            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText()));
        BigInteger exponent =
            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()));
        parsed.put(
            jwk.path("kid").asText("key-" + index++),
            factory.generatePublic(new RSAPublicKeySpec(modulus, exponent)));
      }
      if (parsed.isEmpty()) {
        throw new IOException("no RSA signing key in the key set");
      }
      return parsed;
    }
  }
}
