package io.connectmqtt.entitysync;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.entitysync.hooks.RequestContext;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The SHA-256 of a request's canonical content, so that a repeated request id can be told apart
 * from a reused one. Canonical: object members sorted by name, numbers by value ({@code 1}, {@code
 * 1.0} and {@code 1e0} are one number), no whitespace, and without the top-level {@code token} (a
 * retry with a refreshed token is the same request).
 */
final class RequestFingerprint {

  private RequestFingerprint() {}

  /** 64 hexadecimal digits. */
  static String of(JsonNode envelope) {
    StringBuilder canonical = new StringBuilder();
    write(envelope, canonical, true);
    return sha256(canonical);
  }

  /**
   * The fingerprint of a request as the hooks let it through: its content ({@code fingerprint},
   * from {@link #of}) and what the hooks made of it, the data, record id and filters they passed
   * on. With tenant isolation these carry the tenant of the caller's token, so the same request
   * repeated under a token of another tenant is another request (request_id_reused), never a replay
   * of a reply that tenant must not see (EntitySyncSecuritySuiteIT).
   */
  static String asAuthorized(String fingerprint, RequestContext context) {
    StringBuilder canonical = new StringBuilder(fingerprint).append("|data:");
    if (context.data() != null) {
      write(context.data(), canonical, false);
    }
    canonical.append("|record:").append(context.recordId());
    for (Filter filter : context.filters()) {
      quoted(canonical.append("|filter:"), filter.column())
          .append(filter.operator())
          .append(filter.or());
      quoted(canonical, String.valueOf(filter.value()));
    }
    return sha256(canonical);
  }

  private static String sha256(CharSequence canonical) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  private static void write(JsonNode node, StringBuilder out, boolean top) {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      out.append('{');
      boolean first = true;
      for (String name : names) {
        if (top && name.equals("token")) {
          continue;
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        quoted(out, name).append(':');
        write(node.get(name), out, false);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(node.get(i), out, false);
      }
      out.append(']');
    } else if (node.isNumber()) {
      out.append(number(node));
    } else if (node.isTextual()) {
      quoted(out, node.textValue());
    } else if (node.isBoolean() || node.isNull()) {
      out.append(node.asText());
    } else {
      out.append(node); // a binary or POJO node, which parsing never makes
    }
  }

  /**
   * {@code value} as a JSON string, escaped as Jackson writes it (and so as the fingerprints of
   * earlier releases, which went through {@code TextNode.toString()}, have it), without building a
   * generator per string. A null is {@code null}, as it was then.
   */
  static StringBuilder quoted(StringBuilder out, String value) {
    if (value == null) {
      return out.append("null");
    }
    out.append('"');
    JsonStringEncoder.getInstance().quoteAsString(value, out);
    return out.append('"');
  }

  /** Scientific notation where needed, so a huge exponent stays a short text. */
  private static String number(JsonNode node) {
    if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
      return node.asText();
    }
    BigDecimal value = node.decimalValue();
    return value.signum() == 0 ? "0" : value.stripTrailingZeros().toString();
  }
}
