package io.connectmqtt.entitysync;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Issue 11, must-show 1: hostile and edge-case subscriptions on {@code public.items (id, name
 * varchar(1000), code varchar(20), qty integer, amount numeric, ratio double precision, flag
 * boolean, step varchar(20))}, each with the reply docs/protocol.md promises ("ok" or an error
 * code) and, when accepted, which rows it matches: a predicate written by hand from SQL's meaning,
 * independent of the matcher under test. Clients are named by a suffix; the test prefixes them per
 * run.
 */
final class HostileSubscriptionCorpus {

  /**
   * One subscribe request: {@code body} is the JSON after {@code "id"}, {@code responseTopic} an
   * MQTT 5 Response Topic (null: none; {@code {self}} stands for the client's topic root, {@code
   * {other}} for another client's).
   */
  record Entry(
      String label,
      String client,
      String requestId,
      String body,
      String expected,
      Predicate<Map<String, Object>> matches,
      String responseTopic) {}

  static final String SUBSCRIBE =
      "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"items\"";

  /** Clients of every run; the last of them, with {@link #SENTINEL}, marks the end of a run. */
  static final List<String> CLIENTS = List.of("ann", "bob", "cy", "dee", "eve");

  static final String SENTINEL = "sentinel";

  private final List<Entry> entries = new ArrayList<>();

  private HostileSubscriptionCorpus() {}

  /**
   * The benign subscriptions of a clean run: the kind a well-behaved application makes, plus the
   * sentinels.
   */
  static List<Entry> benign() {
    HostileSubscriptionCorpus corpus = new HostileSubscriptionCorpus();
    corpus.addBenign();
    return corpus.entries;
  }

  /**
   * {@link #benign()} and {@code copies} more of its subscriptions (not the sentinels) under new
   * request ids: a clean run that publishes about as many notifications per write as the hostile
   * one, so that comparing the two measures what the hostile subscriptions' content costs, not
   * fan-out.
   */
  static List<Entry> benignAtVolume(int copies) {
    HostileSubscriptionCorpus corpus = new HostileSubscriptionCorpus();
    corpus.addBenign();
    for (int copy = 0; copy < copies; copy++) {
      CLIENTS.forEach(corpus::addBenignFilters);
    }
    return corpus.entries;
  }

  /** The benign subscriptions and the hostile corpus on top. */
  static List<Entry> hostile() {
    HostileSubscriptionCorpus corpus = new HostileSubscriptionCorpus();
    corpus.addBenign();
    corpus.addNumbers();
    corpus.addText();
    corpus.addPatterns();
    corpus.addWrongShapes();
    corpus.addOwnersAndIds();
    return corpus.entries;
  }

  private void addBenign() {
    for (String client : CLIENTS) {
      addBenignFilters(client);
      ok(
          client,
          SENTINEL,
          filter("name", "eq", "\"" + SENTINEL + "\""),
          r -> SENTINEL.equals(r.get("name")));
    }
  }

  private void addBenignFilters(String client) {
    ok(client, "code eq 7", filter("code", "eq", "\"7\""), r -> Objects.equals(r.get("code"), "7"));
    ok(client, "qty gte 0", filter("qty", "gte", "0"), r -> qty(r) != null && qty(r) >= 0);
    ok(client, "name like alpha%", filter("name", "like", "\"alpha%\""), r -> like(r, "alpha"));
  }

  private void addNumbers() {
    ok("ann", "qty eq 0", filter("qty", "eq", "0"), r -> Objects.equals(qty(r), 0));
    ok("ann", "qty eq -0", filter("qty", "eq", "-0"), r -> Objects.equals(qty(r), 0));
    ok("ann", "qty eq '-0'", filter("qty", "eq", "\"-0\""), r -> Objects.equals(qty(r), 0));
    ok("ann", "qty eq '007'", filter("qty", "eq", "\"007\""), r -> Objects.equals(qty(r), 7));
    ok(
        "ann",
        "qty eq 2147483647",
        filter("qty", "eq", "2147483647"),
        r -> Objects.equals(qty(r), 2147483647));
    ok("ann", "qty lt -0", filter("qty", "lt", "-0"), r -> qty(r) != null && qty(r) < 0);
    ok(
        "ann",
        "qty between -7,7",
        filter("qty", "between", "[-7, \"7\"]"),
        r -> qty(r) != null && qty(r) >= -7 && qty(r) <= 7);
    refused("ann", "qty eq 1e308", filter("qty", "eq", "1e308"), "invalid_value");
    refused("ann", "qty eq 1e-308", filter("qty", "eq", "1e-308"), "invalid_value");
    // Beyond the bounds of filter values (exponent ±1000): invalid_value, as the same text is.
    refused("ann", "qty eq 9e999999999", filter("qty", "eq", "9e999999999"), "invalid_value");
    refused("ann", "qty eq '9e999999999'", filter("qty", "eq", "\"9e999999999\""), "invalid_value");
    refused("ann", "qty eq 'NaN'", filter("qty", "eq", "\"NaN\""), "invalid_value");
    refused("ann", "qty eq 'Infinity'", filter("qty", "eq", "\"Infinity\""), "invalid_value");
    refused("ann", "qty eq bare NaN", filter("qty", "eq", "NaN"), "invalid_message");
    refused("ann", "qty eq bare Infinity", filter("qty", "eq", "Infinity"), "invalid_message");
    refused("ann", "qty eq 1.5", filter("qty", "eq", "1.5"), "invalid_value");
    // Beyond int4 but an integer: compared as SQL compares int4 with int8, it matches no row.
    ok("ann", "qty eq 1e10 (beyond int4)", filter("qty", "eq", "1e10"), r -> false);
    refused("ann", "qty eq true", filter("qty", "eq", "true"), "invalid_value");
    refused("ann", "qty eq 'seven'", filter("qty", "eq", "\"seven\""), "invalid_value");
    ok(
        "bob",
        "ratio eq 1e308",
        filter("ratio", "eq", "1e308"),
        r -> Objects.equals(ratio(r), 1e308));
    ok(
        "bob",
        "ratio gte 1e-308",
        filter("ratio", "gte", "1e-308"),
        r -> ratio(r) != null && ratio(r) >= 1e-308);
    ok(
        "bob",
        "ratio gt '-Infinity'",
        filter("ratio", "gt", "\"-Infinity\""),
        r -> ratio(r) != null);
    ok("bob", "ratio lt 'Infinity'", filter("ratio", "lt", "\"Infinity\""), r -> ratio(r) != null);
    ok("bob", "ratio eq 'NaN'", filter("ratio", "eq", "\"NaN\""), r -> false);
    ok("bob", "ratio eq 'Infinity'", filter("ratio", "eq", "\"Infinity\""), r -> false);
    ok("bob", "ratio neq 'NaN'", filter("ratio", "neq", "\"NaN\""), r -> ratio(r) != null);
    ok(
        "bob",
        "ratio eq -0",
        filter("ratio", "eq", "-0.0"),
        r -> ratio(r) != null && ratio(r) == 0.0);
    // Out of a double's range, as PostgreSQL's float8 input refuses it: not silently Infinity or 0.
    refused("bob", "ratio eq 1e400", filter("ratio", "eq", "1e400"), "invalid_value");
    refused("bob", "ratio eq '-1e400'", filter("ratio", "eq", "\"-1e400\""), "invalid_value");
    refused("bob", "ratio eq 1e-400", filter("ratio", "eq", "1e-400"), "invalid_value");
    refused(
        "bob", "ratio in [0, '1e-400']", filter("ratio", "in", "[0, \"1e-400\"]"), "invalid_value");
    refused("bob", "ratio eq 'fast'", filter("ratio", "eq", "\"fast\""), "invalid_value");
    String thousandDigits = "1" + "0".repeat(999);
    ok(
        "bob",
        "amount eq 1000 digits",
        filter("amount", "eq", "\"" + thousandDigits + "\""),
        r -> false);
    ok(
        "bob",
        "amount lt 1000-digit number",
        filter("amount", "lt", thousandDigits),
        r -> amount(r) != null);
    ok(
        "bob",
        "amount gt -1e-997 (1000 characters)",
        filter("amount", "gt", "\"-0." + "0".repeat(996) + "1\""),
        r -> amount(r) != null && amount(r).signum() >= 0);
    refused(
        "bob",
        "amount eq 1001 digits",
        filter("amount", "eq", "\"" + thousandDigits + "0\""),
        "invalid_value");
    ok("bob", "amount eq 1e1000", filter("amount", "eq", "\"1e1000\""), r -> false);
    ok("bob", "amount eq 1e-1000", filter("amount", "eq", "\"1e-1000\""), r -> false);
    refused("bob", "amount eq '1e1001'", filter("amount", "eq", "\"1e1001\""), "invalid_value");
    refused(
        "bob",
        "amount eq '9e999999999'",
        filter("amount", "eq", "\"9e999999999\""),
        "invalid_value");
    refused(
        "bob",
        "amount eq '1e-999999999'",
        filter("amount", "eq", "\"1e-999999999\""),
        "invalid_value");
    ok(
        "bob",
        "amount eq '123.450'",
        filter("amount", "eq", "\"123.450\""),
        r -> amountIs(r, "123.45"));
    ok("bob", "amount eq 123.45", filter("amount", "eq", "123.45"), r -> amountIs(r, "123.45"));
    ok(
        "bob",
        "amount gt -0",
        filter("amount", "gt", "-0"),
        r -> amount(r) != null && amount(r).signum() > 0);
    ok("bob", "amount eq '-0.50'", filter("amount", "eq", "\"-0.50\""), r -> amountIs(r, "-0.5"));
    refused("bob", "amount eq 'NaN'", filter("amount", "eq", "\"NaN\""), "invalid_value");
    refused("bob", "amount eq true", filter("amount", "eq", "true"), "invalid_value");
    ok("cy", "flag eq true", filter("flag", "eq", "true"), r -> Boolean.TRUE.equals(r.get("flag")));
    ok(
        "cy",
        "flag eq 'FALSE'",
        filter("flag", "eq", "\"FALSE\""),
        r -> Boolean.FALSE.equals(r.get("flag")));
    refused("cy", "flag eq 1", filter("flag", "eq", "1"), "invalid_value");
    refused("cy", "flag eq 'yes'", filter("flag", "eq", "\"yes\""), "invalid_value");
    ok(
        "cy",
        "flag isnull",
        "[{\"column\":\"flag\",\"operator\":\"isnull\"}]",
        r -> r.get("flag") == null);
  }

  private void addText() {
    ok(
        "cy",
        "code eq '007'",
        filter("code", "eq", "\"007\""),
        r -> Objects.equals(r.get("code"), "007"));
    ok(
        "cy",
        "code eq 7 (number)",
        filter("code", "eq", "7"),
        r -> Objects.equals(r.get("code"), "7"));
    ok("cy", "code eq 7.0 (number)", filter("code", "eq", "7.0"), r -> false);
    ok("cy", "code eq '7.0'", filter("code", "eq", "\"7.0\""), r -> false);
    ok(
        "cy",
        "code eq '1e999999999' (issue 11 poison)",
        filter("code", "eq", "\"1e999999999\""),
        r -> Objects.equals(r.get("code"), "1e999999999"));
    ok("cy", "code eq '9e999999999'", filter("code", "eq", "\"9e999999999\""), r -> false);
    ok("cy", "code eq '1e-999999999'", filter("code", "eq", "\"1e-999999999\""), r -> false);
    ok(
        "cy",
        "code gt '1e99999'",
        filter("code", "gt", "\"1e99999\""),
        r -> codeAbove(r, "1e99999"));
    ok(
        "cy",
        "code eq 'NaN'",
        filter("code", "eq", "\"NaN\""),
        r -> Objects.equals(r.get("code"), "NaN"));
    ok("cy", "code eq 'Infinity'", filter("code", "eq", "\"Infinity\""), r -> false);
    ok("cy", "code gt '10'", filter("code", "gt", "\"10\""), r -> codeAbove(r, "10"));
    ok(
        "cy",
        "code neq '007'",
        filter("code", "neq", "\"007\""),
        r -> r.get("code") != null && !r.get("code").equals("007"));
    ok(
        "cy",
        "code eq 1000-digit text",
        filter("code", "eq", "\"" + "9".repeat(1000) + "\""),
        r -> false);
    refused(
        "cy",
        "code eq 1001 characters",
        filter("code", "eq", "\"" + "x".repeat(1001) + "\""),
        "invalid_value");
    refused(
        "cy",
        "code eq 100 KB",
        filter("code", "eq", "\"" + "x".repeat(100_000) + "\""),
        "too_large");
    List<String> manyCodes =
        IntStream.range(0, 999).mapToObj(i -> "c" + i).collect(Collectors.toList());
    manyCodes.add("7");
    ok(
        "dee",
        "code in 1000 values",
        filter("code", "in", quoted(manyCodes)),
        r -> Objects.equals(r.get("code"), "7"));
    ok(
        "dee",
        "code nin 1000 values",
        filter("code", "nin", quoted(manyCodes)),
        r -> r.get("code") != null && !r.get("code").equals("7"));
    List<String> tooMany = new ArrayList<>(manyCodes);
    tooMany.add("extra");
    refused("dee", "code in 1001 values", filter("code", "in", quoted(tooMany)), "invalid_filter");
    refused("dee", "code in []", filter("code", "in", "[]"), "invalid_filter");
    refused("dee", "code in [null]", filter("code", "in", "[null]"), "invalid_filter");
    refused("dee", "code in [[1]]", filter("code", "in", "[[1]]"), "invalid_filter");
    ok(
        "dee",
        "qty in mixed '7',-0,7",
        filter("qty", "in", "[\"7\", -0, 7]"),
        r -> Objects.equals(qty(r), 7) || Objects.equals(qty(r), 0));
    refused("dee", "qty in with 'x'", filter("qty", "in", "[1, \"x\"]"), "invalid_value");
  }

  private void addPatterns() {
    String manyPercent = "%a".repeat(12) + "%b";
    ok(
        "dee",
        "like %a×12%b",
        filter("name", "like", "\"" + manyPercent + "\""),
        r -> endsAfterAs(r, 12));
    ok(
        "dee",
        "ilike %A×12%B",
        filter("name", "ilike", "\"" + manyPercent.toUpperCase() + "\""),
        r -> endsAfterAs(r, 12));
    ok(
        "dee",
        "like 1000 × %",
        filter("name", "like", "\"" + "%".repeat(1000) + "\""),
        r -> r.get("name") != null);
    ok(
        "dee",
        "like %a×499",
        filter("name", "like", "\"" + "%a".repeat(499) + "\""),
        r ->
            r.get("name") != null
                && r.get("name").toString().chars().filter(c -> c == 'a').count() >= 499);
    ok(
        "dee",
        "like _ × 50",
        filter("name", "like", "\"" + "_".repeat(50) + "\""),
        r -> r.get("name") != null && r.get("name").toString().length() == 50);
    ok(
        "dee",
        "like %_%_%_ × 30",
        filter("name", "like", "\"" + "%_".repeat(30) + "%\""),
        r -> r.get("name") != null && r.get("name").toString().length() >= 30);
    ok(
        "dee",
        "like 100\\%",
        filter("name", "like", "\"100\\\\%\""),
        r -> Objects.equals(r.get("name"), "100%"));
    ok("dee", "like 100%", filter("name", "like", "\"100%\""), r -> like(r, "100"));
    ok(
        "dee",
        "like %\\_%",
        filter("name", "like", "\"%\\\\_%\""),
        r -> r.get("name") != null && r.get("name").toString().contains("_"));
    ok("dee", "like \\\\ escapes", filter("name", "like", "\"\\\\\\\\%\""), r -> like(r, "\\"));
    ok(
        "dee",
        "like regex metacharacters",
        filter("name", "like", "\"(a+)+$.*[a-z]{2}\""),
        r -> false);
    ok(
        "dee",
        "ilike ALPHA",
        filter("name", "ilike", "\"ALPHA\""),
        r -> Objects.equals(r.get("name"), "alpha"));
    ok(
        "dee",
        "like 1000 chars",
        filter("name", "like", "\"" + "%_".repeat(500) + "\""),
        r -> r.get("name") != null && r.get("name").toString().length() >= 500);
    refused(
        "dee",
        "like 1001 chars",
        filter("name", "like", "\"" + "%".repeat(1001) + "\""),
        "invalid_filter");
    refused(
        "dee",
        "like 10 KB",
        filter("name", "like", "\"" + "%a".repeat(5_000) + "\""),
        "invalid_filter");
    refused(
        "dee",
        "like ending in a lone backslash",
        filter("name", "like", "\"abc\\\\\""),
        "invalid_filter");
    refused("dee", "like on an integer column", filter("qty", "like", "\"7%\""), "invalid_filter");
    refused(
        "dee", "ilike on a boolean column", filter("flag", "ilike", "\"t%\""), "invalid_filter");
  }

  private void addWrongShapes() {
    refused("eve", "eq with an object", filter("code", "eq", "{\"$gt\":\"\"}"), "invalid_filter");
    refused("eve", "eq with an array", filter("code", "eq", "[\"7\"]"), "invalid_filter");
    refused("eve", "eq with null", filter("code", "eq", "null"), "invalid_filter");
    refused(
        "eve", "eq without value", "[{\"column\":\"code\",\"operator\":\"eq\"}]", "invalid_filter");
    refused(
        "eve", "between with three values", filter("qty", "between", "[1,2,3]"), "invalid_filter");
    refused("eve", "between with a scalar", filter("qty", "between", "5"), "invalid_filter");
    refused("eve", "unknown column", filter("pasword", "eq", "\"x\""), "invalid_column");
    refused(
        "eve",
        "column with a quote",
        filter("code\\\" or 1=1 --", "eq", "\"x\""),
        "invalid_column");
    refused(
        "eve",
        "column a number",
        "[{\"column\":7,\"operator\":\"eq\",\"value\":\"x\"}]",
        "invalid_filter");
    refused("eve", "unknown operator", filter("code", "regex", "\".*\""), "invalid_filter");
    refused("eve", "operator SQL", filter("code", "= '' or 1=1 --", "\"x\""), "invalid_filter");
    refused(
        "eve",
        "operator an object",
        "[{\"column\":\"code\",\"operator\":{},\"value\":\"x\"}]",
        "invalid_filter");
    refused(
        "eve",
        "logic_operator XOR",
        "[{\"column\":\"code\",\"operator\":\"eq\",\"value\":\"7\","
            + "\"logic_operator\":\"XOR\"}]",
        "invalid_filter");
    refused("eve", "filters an object", "{\"column\":\"code\"}", "invalid_filter");
    refused("eve", "filters a string", "\"code = 7\"", "invalid_filter");
    refused("eve", "filter a number", "[7]", "invalid_filter");
    entry(
        "eve",
        "unknown entity",
        "\"type\":\"subscription\",\"operation\":\"subscribe\",\"entity\":\"pg_shadow\"",
        "model_not_found",
        null,
        null);
    entry("eve", "options an array", SUBSCRIBE + ",\"options\":[]", "invalid_message", null, null);
    ok(
        "eve",
        "OR group code 007 or NaN",
        "[{\"column\":\"code\",\"operator\":\"eq\",\"value\":\"007\","
            + "\"logic_operator\":\"OR\"},{\"column\":\"code\",\"operator\":\"eq\",\"value\":\"NaN\","
            + "\"logic_operator\":\"OR\"}]",
        r -> Objects.equals(r.get("code"), "007") || Objects.equals(r.get("code"), "NaN"));
    ok("eve", "no filters (everything)", "[]", r -> true);
  }

  private void addOwnersAndIds() {
    // Ignored fields: a subscription belongs to the client whose topic carried it, whatever the
    // body claims.
    entry(
        "eve",
        "forged client_id and notify_topic",
        SUBSCRIBE
            + ",\"client_id\":\"{other}\",\"notify_topic\":"
            + "\"{other-notify}\",\"options\":{\"filters\":"
            + filter("code", "eq", "\"NaN\"")
            + "}",
        "ok",
        r -> Objects.equals(r.get("code"), "NaN"),
        null);
    String qty7 = SUBSCRIBE + ",\"options\":{\"filters\":" + filter("qty", "eq", "7") + "}";
    entry(
        "eve",
        "Response Topic: another client's response",
        qty7,
        "forbidden",
        null,
        "{other}/response");
    entry(
        "eve",
        "Response Topic: another client's notify",
        qty7,
        "forbidden",
        null,
        "{other}/notify/x");
    entry("eve", "Response Topic: own notify", qty7, "forbidden", null, "{self}/notify/x");
    entry("eve", "Response Topic: own request", qty7, "forbidden", null, "{self}/request");
    entry("eve", "Response Topic: outside the prefix", qty7, "forbidden", null, "elsewhere/inbox");
    entry(
        "eve",
        "Response Topic: own inbox",
        qty7,
        "ok",
        r -> Objects.equals(qty(r), 7),
        "{self}/inbox");
    // The same request id: the same request is the same subscription (one notification each), other
    // content is request_id_reused; another client's same id is its own subscription.
    entries.add(
        new Entry(
            "duplicate id, same request",
            "bob",
            "dup-1",
            SUBSCRIBE + ",\"options\":{\"filters\":" + filter("code", "eq", "\"NaN\"") + "}",
            "ok",
            r -> Objects.equals(r.get("code"), "NaN"),
            null));
    entries.add(
        new Entry(
            "duplicate id, same request again",
            "bob",
            "dup-1",
            SUBSCRIBE + ",\"options\":{" + "\"filters\":" + filter("code", "eq", "\"NaN\"") + "}",
            "ok",
            r -> Objects.equals(r.get("code"), "NaN"),
            null));
    entries.add(
        new Entry(
            "duplicate id, other filters",
            "bob",
            "dup-1",
            SUBSCRIBE + ",\"options\":{\"filters\":" + filter("code", "eq", "\"7\"") + "}",
            "request_id_reused",
            null,
            null));
    entries.add(
        new Entry(
            "another client's id",
            "cy",
            "dup-1",
            SUBSCRIBE + ",\"options\":{\"filters\":" + filter("code", "eq", "\"7\"") + "}",
            "ok",
            r -> Objects.equals(r.get("code"), "7"),
            null));
  }

  private void ok(
      String client, String label, String filters, Predicate<Map<String, Object>> matches) {
    entry(
        client,
        label,
        SUBSCRIBE + ",\"options\":{\"filters\":" + filters + "}",
        "ok",
        matches,
        null);
  }

  private void refused(String client, String label, String filters, String code) {
    entry(
        client, label, SUBSCRIBE + ",\"options\":{\"filters\":" + filters + "}", code, null, null);
  }

  private void entry(
      String client,
      String label,
      String body,
      String expected,
      Predicate<Map<String, Object>> matches,
      String responseTopic) {
    entries.add(
        new Entry(label, client, "h" + entries.size(), body, expected, matches, responseTopic));
  }

  private static String filter(String column, String operator, String value) {
    return "[{\"column\":\""
        + column
        + "\",\"operator\":\""
        + operator
        + "\",\"value\":"
        + value
        + "}]";
  }

  private static String quoted(List<String> values) {
    return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
  }

  private static Integer qty(Map<String, Object> row) {
    return (Integer) row.get("qty");
  }

  private static Double ratio(Map<String, Object> row) {
    return (Double) row.get("ratio");
  }

  private static BigDecimal amount(Map<String, Object> row) {
    return (BigDecimal) row.get("amount");
  }

  private static boolean amountIs(Map<String, Object> row, String value) {
    return amount(row) != null && amount(row).compareTo(new BigDecimal(value)) == 0;
  }

  /**
   * Text order of the rows' codes, all ASCII letters and digits: the same under C and glibc
   * collations.
   */
  private static boolean codeAbove(Map<String, Object> row, String bound) {
    return row.get("code") != null && row.get("code").toString().compareTo(bound) > 0;
  }

  private static boolean like(Map<String, Object> row, String prefix) {
    return row.get("name") != null && row.get("name").toString().startsWith(prefix);
  }

  /**
   * The name holds {@code as} 'a's followed later by a 'b' at its end (what {@code %a×n%b} means).
   */
  private static boolean endsAfterAs(Map<String, Object> row, int as) {
    if (row.get("name") == null || !row.get("name").toString().toLowerCase().endsWith("b")) {
      return false;
    }
    String name = row.get("name").toString().toLowerCase();
    return name.substring(0, name.length() - 1).chars().filter(c -> c == 'a').count() >= as;
  }
}
