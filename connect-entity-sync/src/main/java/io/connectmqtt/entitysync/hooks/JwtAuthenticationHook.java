package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * JWT authentication (HS256): every request must carry a valid, unexpired token, in the MQTT 5 user property
 * {@code authorization} ("Bearer &lt;token&gt;") or the envelope field {@code token}. Its claims go to the context for
 * later hooks (tenant isolation, roles). Configuration: {@code entity.sync.jwt.hs256.secret}.
 */
public class JwtAuthenticationHook implements RequestHook {

  public static final String SECRET_CONFIG = "entity.sync.jwt.hs256.secret";
  private static final ObjectMapper JSON = new ObjectMapper();
  private byte[] secret;

  @Override
  public void configure(Map<String, String> config) {
    String value = config.get(SECRET_CONFIG);
    if (value == null || value.length() < 32) {
      throw new IllegalArgumentException(SECRET_CONFIG + " must be set to at least 32 characters for HS256");
    }
    secret = value.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void beforeHandle(RequestContext context) throws HookException {
    String token = context.userProperty("authorization")
        .map(v -> v.regionMatches(true, 0, "Bearer ", 0, 7) ? v.substring(7) : v)
        .or(() -> Optional.ofNullable(context.envelope().get("token")).filter(JsonNode::isTextual)
            .map(JsonNode::asText))
        .orElseThrow(() -> HookException.forbidden("a token is required (MQTT 5 user property 'authorization' or "
            + "the 'token' field)"));
    context.claims().putAll(verify(token, secret, System.currentTimeMillis() / 1000));
  }

  /** The claims of a valid HS256 token; throws forbidden for anything else. */
  static Map<String, Object> verify(String token, byte[] secret, long nowSeconds) throws HookException {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw HookException.forbidden("the token is malformed");
    }
    try {
      JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      if (!"HS256".equals(header.path("alg").asText())) {
        throw HookException.forbidden("the token's algorithm is not accepted");
      }
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] expected = mac.doFinal((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!MessageDigest.isEqual(expected, Base64.getUrlDecoder().decode(parts[2]))) {
        throw HookException.forbidden("the token's signature is invalid");
      }
      JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      if (!claims.isObject()) {
        throw HookException.forbidden("the token is malformed");
      }
      if (!claims.path("exp").isNumber() || claims.path("exp").asLong() <= nowSeconds) {
        throw HookException.forbidden("the token has expired");
      }
      if (claims.has("nbf") && claims.path("nbf").asLong() > nowSeconds) {
        throw HookException.forbidden("the token is not valid yet");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> map = JSON.convertValue(claims, Map.class);
      return map;
    } catch (HookException e) {
      throw e;
    } catch (Exception e) {
      throw HookException.forbidden("the token is malformed");
    }
  }
}
