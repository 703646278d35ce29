package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RequestFingerprintTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String of(String json) throws Exception {
    return RequestFingerprint.of(JSON.readTree(json));
  }

  @Test
  void theSameContentHasTheSameFingerprintWhateverTheOrderSpacingNumberFormOrToken()
      throws Exception {
    String a =
        of(
            "{\"id\":\"1\",\"type\":\"request\",\"data\":{\"a\":1,\"b\":[1.50,\"x\"]},\"token\":\"t1\"}");
    assertThat(a).hasSize(64).matches("[0-9a-f]{64}");
    assertThat(
            of("{ \"data\" : {\"b\":[1.5,\"x\"],\"a\":1.0}, \"type\":\"request\", \"id\":\"1\" }"))
        .isEqualTo(a);
    assertThat(
            of(
                "{\"id\":\"1\",\"type\":\"request\",\"data\":{\"a\":1e0,\"b\":[15e-1,\"x\"]},\"token\":\"t2\"}"))
        .isEqualTo(a);
  }

  @Test
  void anyDifferenceInContentChangesIt() throws Exception {
    String a = of("{\"id\":\"1\",\"operation\":\"create\",\"data\":{\"body\":\"first\"}}");
    assertThat(of("{\"id\":\"1\",\"operation\":\"create\",\"data\":{\"body\":\"second\"}}"))
        .isNotEqualTo(a);
    assertThat(of("{\"id\":\"1\",\"operation\":\"update\",\"data\":{\"body\":\"first\"}}"))
        .isNotEqualTo(a);
    assertThat(
            of("{\"id\":\"1\",\"operation\":\"create\",\"data\":{\"body\":\"first\",\"x\":null}}"))
        .isNotEqualTo(a);
    assertThat(
            of(
                "{\"id\":\"1\",\"operation\":\"create\",\"data\":{\"body\":\"first\"},\"x\":{\"token\":1}}"))
        .as("only the top-level token is left out")
        .isNotEqualTo(
            of(
                "{\"id\":\"1\",\"operation\":\"create\","
                    + "\"data\":{\"body\":\"first\"},\"x\":{}}"));
    assertThat(of("[\"1\"]")).isNotEqualTo(of("[1]"));
  }

  /**
   * The processed-requests table keeps the fingerprints of earlier releases: a request retried
   * across an upgrade must still be recognised as the same request (its reply replayed), not as a
   * reused id. These values were computed by the release before the fingerprint stopped going
   * through Jackson's TextNode.toString().
   */
  @Test
  void fingerprintsStoredByEarlierReleasesStillMatch() throws Exception {
    assertThat(
            of(
                "{\"id\":\"r-1\",\"type\":\"request\",\"operation\":\"create\",\"entity\":\"notes\","
                    + "\"data\":{\"body\":\"quote \\\" backslash \\\\ tab \\t nl \\n ctrl \\u0001 "
                    + "slash / é ✓ \\ud83d\\ude00\",\"done\":false,\"ok\":true,\"none\":null,"
                    + "\"n\":[1.50,-0,2e3,{\"k\\\"\":\"v\"}]},\"token\":\"t\"}"))
        .isEqualTo("4d708fb6836dbdf72bf9b4d90e6cdf1a067114487189f7252ee95be10042c769");
    assertThat(
            RequestFingerprint.asAuthorized(
                of("{\"id\":\"1\",\"operation\":\"update\",\"data\":{\"body\":\"x\"}}"),
                context("ac\"me\u0002")))
        .isEqualTo("d0e5de26d68c33c1fcec0d547516442a2ccaa1fdc9524b4e75a76d12806750c8");
  }

  @Test
  void hugeExponentsAndNonFiniteNumbersStayShort() throws Exception {
    assertThat(of("{\"v\":1e999999999}")).hasSize(64);
    assertThat(
            RequestFingerprint.of(
                JSON.createObjectNode().put("v", new java.math.BigDecimal("1e999999999"))))
        .hasSize(64);
  }

  @Test
  void whatTheHooksMadeOfARequestIsPartOfItsAuthorizedFingerprint() throws Exception {
    String content = of("{\"id\":\"1\",\"operation\":\"update\",\"data\":{\"body\":\"x\"}}");
    String acme = RequestFingerprint.asAuthorized(content, context("acme"));
    assertThat(RequestFingerprint.asAuthorized(content, context("acme")))
        .as("a repeat under the same tenant")
        .isEqualTo(acme)
        .hasSize(64);
    assertThat(RequestFingerprint.asAuthorized(content, context("globex")))
        .as("under another tenant's token")
        .isNotEqualTo(acme);
  }

  /**
   * An update of row 7 as tenant isolation lets it through for {@code tenant}: data stamped, filter
   * added.
   */
  private static io.connectmqtt.entitysync.hooks.RequestContext context(String tenant) {
    var context =
        new io.connectmqtt.entitysync.hooks.RequestContext(
            "c1",
            "1",
            "request",
            "update",
            "public",
            "notes",
            java.util.Set.of("id", "body", "tenant_id"),
            JSON.createObjectNode(),
            java.util.Map.of());
    context.data(JSON.createObjectNode().put("body", "x").put("tenant_id", tenant));
    context.recordId(7L);
    context
        .filters()
        .add(
            new io.connectmqtt.common.protocol.Filter(
                "tenant_id", io.connectmqtt.common.protocol.FilterOperator.EQ, tenant, false));
    return context;
  }
}
