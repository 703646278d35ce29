package io.connectmqtt.entitysync;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One forbidden attempt of {@link EntitySyncSecuritySuiteIT}: who sends which operation with which
 * token (and MQTT 5 Response Topic) against whose data, and the outcome docs/protocol.md gives it.
 * {@link #cases} is the table: every operation the parser knows ({@link Op}) under every attack
 * that applies to it.
 */
record SecurityCase(
    String attack,
    Op op,
    Sender sender,
    Token token,
    Target target,
    Supplier<String> responseTopic,
    String expected,
    Target prepared) {

  /** The outcome of a publish the broker's ACL refuses: no reply at all, nothing executed. */
  static final String BROKER_REFUSED = "refused by the broker";

  static final String OK = "ok";

  /**
   * Who publishes: alice or mallory on their own request topics, or mallory's broker user on
   * alice's.
   */
  enum Sender {
    ALICE,
    MALLORY,
    MALLORY_ON_ALICES_TOPIC
  }

  /** The JWT a request carries; the suite makes each ({@link EntitySyncSecuritySuiteIT#jwt}). */
  enum Token {
    ALICE,
    MALLORY,
    ALICE_AS_GLOBEX,
    ALICE_EXPIRED,
    NONE
  }

  /**
   * What a request is about: a row, a subscription, the tenant and entity it names, a value (body,
   * filter or forwarded field); a null tenant or value is left out of the request.
   */
  record Target(long row, Supplier<String> sid, String tenant, String entity, String value) {
    Target withRow(long newRow) {
      return new Target(newRow, sid, tenant, entity, value);
    }

    Target withValue(String newValue) {
      return new Target(row, sid, tenant, entity, newValue);
    }

    Target withEntity(String newEntity) {
      return new Target(row, sid, tenant, newEntity, value);
    }

    Target withoutTenant() {
      return new Target(row, sid, null, entity, value);
    }
  }

  /**
   * Every operation of docs/protocol.md, as the envelope asks for it ({@code
   * theSuiteWalksEveryOperation}).
   */
  enum Op {
    READ_ONE(
        "request",
        t -> "\"operation\":\"read\",\"entity\":\"" + t.entity() + "\",\"record_id\":" + t.row()),
    READ_LIST(
        "request",
        t ->
            "\"operation\":\"read\",\"entity\":\""
                + t.entity()
                + "\",\"options\":{\"filters\":["
                + filters(t)
                + "]}"),
    READ_PRELOAD(
        "request",
        t ->
            "\"operation\":\"read\",\"entity\":\""
                + t.entity()
                + "\",\"record_id\":"
                + t.row()
                + ",\"options\":{\"preload\":[{\"relation\":\"projects\"}]}"),
    CREATE(
        "request",
        t ->
            "\"operation\":\"create\",\"entity\":\""
                + t.entity()
                + "\",\"data\":{"
                + (t.tenant() == null ? "" : "\"tenant_id\":\"" + t.tenant() + "\",")
                + "\"body\":\""
                + t.value()
                + "\"}"),
    UPDATE(
        "request",
        t ->
            "\"operation\":\"update\",\"entity\":\""
                + t.entity()
                + "\",\"record_id\":"
                + t.row()
                + ",\"data\":{\"body\":\""
                + t.value()
                + "\"}"),
    DELETE(
        "request",
        t -> "\"operation\":\"delete\",\"entity\":\"" + t.entity() + "\",\"record_id\":" + t.row()),
    META("request", t -> "\"operation\":\"meta\",\"entity\":\"" + t.entity() + "\""),
    SUBSCRIBE(
        "subscription",
        t ->
            "\"operation\":\"subscribe\",\"entity\":\""
                + t.entity()
                + "\",\"options\":{\"filters\":["
                + filters(t)
                + "]}"),
    RENEW(
        "subscription",
        t -> "\"operation\":\"subscribe\",\"subscription_id\":\"" + t.sid().get() + "\""),
    UNSUBSCRIBE(
        "subscription",
        t -> "\"operation\":\"unsubscribe\",\"subscription_id\":\"" + t.sid().get() + "\""),
    PING("ping", t -> null),
    DISCONNECT("disconnect", t -> null),
    FORWARD(
        "telemetry",
        t ->
            (t.tenant() == null ? "" : "\"tenant_id\":\"" + t.tenant() + "\",")
                + "\"v\":\""
                + t.value()
                + "\"");

    final String type;
    private final java.util.function.Function<Target, String> members;

    Op(String type, java.util.function.Function<Target, String> members) {
      this.type = type;
      this.members = members;
    }

    String json(String id, Target target) {
      String rest = members.apply(target);
      return "{\"id\":\""
          + id
          + "\",\"type\":\""
          + type
          + "\""
          + (rest == null ? "" : "," + rest)
          + "}";
    }

    private static String filters(Target t) {
      List<String> filters = new ArrayList<>();
      if (t.tenant() != null) {
        filters.add(
            "{\"column\":\"tenant_id\",\"operator\":\"eq\",\"value\":\"" + t.tenant() + "\"}");
      }
      if (t.value() != null) {
        filters.add("{\"column\":\"body\",\"operator\":\"eq\",\"value\":\"" + t.value() + "\"}");
      }
      return String.join(",", filters);
    }
  }

  @Override
  public String toString() {
    return op + ": " + attack + " -> " + expected;
  }

  /**
   * The table. {@code own} is alice's own data (tenant acme): a row, her watching subscription;
   * {@code bobs} is bob's (tenant globex); {@code crossReference} is alice's row that refers to
   * bob's project; {@code ownNamingGlobex} is alice's subscription whose own filter asks for tenant
   * globex (narrowed to acme by the hook); {@code spare...} are alice's rows kept for one case
   * each.
   */
  static List<SecurityCase> cases(
      Target own,
      Target bobs,
      Target crossReference,
      Target ownNamingGlobex,
      Supplier<String> bobsNotifyTopic,
      long spareForUpdate,
      long spareForDelete,
      long spareForTenantReplay) {
    List<SecurityCase> cases = new ArrayList<>();
    for (Op op : Op.values()) {
      cases.add(
          new SecurityCase(
              "mallory's JWT on alice's own topic",
              op,
              Sender.ALICE,
              Token.MALLORY,
              own,
              null,
              "forbidden",
              null));
      cases.add(
          new SecurityCase(
              "alice's JWT on mallory's topic",
              op,
              Sender.MALLORY,
              Token.ALICE,
              own,
              null,
              "forbidden",
              null));
      cases.add(
          new SecurityCase(
              "mallory's broker user with client id alice on alice's topic, alice's JWT",
              op,
              Sender.MALLORY_ON_ALICES_TOPIC,
              Token.ALICE,
              own,
              null,
              BROKER_REFUSED,
              null));
      cases.add(
          new SecurityCase(
              "Response Topic spec/bob/response",
              op,
              Sender.ALICE,
              Token.ALICE,
              own,
              () -> "spec/bob/response",
              "forbidden",
              null));
      cases.add(
          new SecurityCase(
              "Response Topic on bob's notify topic",
              op,
              Sender.ALICE,
              Token.ALICE,
              own,
              bobsNotifyTopic,
              "forbidden",
              null));
      cases.add(
          new SecurityCase("no token", op, Sender.ALICE, Token.NONE, own, null, "forbidden", null));
      cases.add(
          new SecurityCase(
              "expired token",
              op,
              Sender.ALICE,
              Token.ALICE_EXPIRED,
              own,
              null,
              "forbidden",
              null));
    }
    String tenant = "tenant acme at tenant globex's data";
    cases.add(
        new SecurityCase(
            tenant, Op.READ_ONE, Sender.ALICE, Token.ALICE, bobs, null, "not_found", null));
    cases.add(
        new SecurityCase(
            tenant + " (filter on the tenant column: narrowed to nothing)",
            Op.READ_LIST,
            Sender.ALICE,
            Token.ALICE,
            bobs,
            null,
            OK,
            null));
    cases.add(
        new SecurityCase(
            tenant + " (own row, preloading the other tenant's project: left out)",
            Op.READ_PRELOAD,
            Sender.ALICE,
            Token.ALICE,
            crossReference,
            null,
            OK,
            null));
    cases.add(
        new SecurityCase(
            tenant, Op.CREATE, Sender.ALICE, Token.ALICE, bobs, null, "forbidden", null));
    cases.add(
        new SecurityCase(
            tenant, Op.UPDATE, Sender.ALICE, Token.ALICE, bobs, null, "not_found", null));
    cases.add(
        new SecurityCase(
            tenant, Op.DELETE, Sender.ALICE, Token.ALICE, bobs, null, "not_found", null));
    cases.add(
        new SecurityCase(
            tenant + " (an entity without a tenant column)",
            Op.META,
            Sender.ALICE,
            Token.ALICE,
            own.withEntity("plain"),
            null,
            "forbidden",
            null));
    cases.add(
        new SecurityCase(
            tenant + " (filter on the tenant column: narrowed, never notified)",
            Op.SUBSCRIBE,
            Sender.ALICE,
            Token.ALICE,
            bobs.withValue(null),
            null,
            OK,
            null));
    cases.add(
        new SecurityCase(
            tenant,
            Op.RENEW,
            Sender.ALICE,
            Token.ALICE,
            bobs,
            null,
            "subscription_not_found",
            null));
    cases.add(
        new SecurityCase(
            tenant,
            Op.UNSUBSCRIBE,
            Sender.ALICE,
            Token.ALICE,
            bobs,
            null,
            "subscription_not_found",
            null));
    cases.add(
        new SecurityCase(
            tenant, Op.FORWARD, Sender.ALICE, Token.ALICE, bobs, null, "forbidden", null));
    String otherTenantToken = "alice's own subscriptions with a token of tenant globex";
    cases.add(
        new SecurityCase(
            otherTenantToken,
            Op.RENEW,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            own,
            null,
            "forbidden",
            null));
    cases.add(
        new SecurityCase(
            otherTenantToken,
            Op.UNSUBSCRIBE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            own,
            null,
            "forbidden",
            null));
    String namingGlobex = otherTenantToken + " (one whose own filter names tenant globex)";
    cases.add(
        new SecurityCase(
            namingGlobex,
            Op.RENEW,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            ownNamingGlobex,
            null,
            "forbidden",
            null));
    cases.add(
        new SecurityCase(
            namingGlobex,
            Op.UNSUBSCRIBE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            ownNamingGlobex,
            null,
            "forbidden",
            null));
    String reused = "request id reused with other content, then the first request repeated";
    cases.add(
        new SecurityCase(
            reused,
            Op.CREATE,
            Sender.ALICE,
            Token.ALICE,
            own.withValue("second"),
            null,
            "request_id_reused",
            own.withValue("first")));
    cases.add(
        new SecurityCase(
            reused,
            Op.UPDATE,
            Sender.ALICE,
            Token.ALICE,
            own,
            null,
            "request_id_reused",
            own.withRow(spareForUpdate)));
    cases.add(
        new SecurityCase(
            reused,
            Op.DELETE,
            Sender.ALICE,
            Token.ALICE,
            own,
            null,
            "request_id_reused",
            own.withRow(spareForDelete)));
    cases.add(
        new SecurityCase(
            reused,
            Op.SUBSCRIBE,
            Sender.ALICE,
            Token.ALICE,
            own.withValue("y"),
            null,
            "request_id_reused",
            own.withValue("x")));
    String replayedForOtherTenant = "tenant acme's request repeated with a token of tenant globex";
    Target stamped = own.withoutTenant().withValue("stamped-by-the-hook");
    cases.add(
        new SecurityCase(
            replayedForOtherTenant,
            Op.CREATE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            stamped,
            null,
            "request_id_reused",
            stamped));
    Target tenantReplay = own.withRow(spareForTenantReplay);
    cases.add(
        new SecurityCase(
            replayedForOtherTenant,
            Op.UPDATE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            tenantReplay,
            null,
            "request_id_reused",
            tenantReplay));
    cases.add(
        new SecurityCase(
            replayedForOtherTenant,
            Op.DELETE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            own.withRow(spareForTenantReplay + 1),
            null,
            "request_id_reused",
            own.withRow(spareForTenantReplay + 1)));
    Target subscription = own.withoutTenant().withValue("subscribed-by-acme");
    cases.add(
        new SecurityCase(
            replayedForOtherTenant,
            Op.SUBSCRIBE,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            subscription,
            null,
            "request_id_reused",
            subscription));
    // Last: had it dropped alice's subscriptions, the cases after it could not tell anything.
    cases.add(
        new SecurityCase(
            otherTenantToken + " (drops none of them)",
            Op.DISCONNECT,
            Sender.ALICE,
            Token.ALICE_AS_GLOBEX,
            own,
            null,
            OK,
            null));
    return cases;
  }
}
