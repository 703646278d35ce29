package io.connectmqtt.entitysync;

import io.connectmqtt.testkit.EntitySyncRequests;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests an attacker or a broken client might send; every one must get an error reply and change
 * nothing.
 */
final class HostileCorpus {

  record Hostile(String id, String payload) {}

  private static final String USERS = EntitySyncRequests.entity("users");

  /** A request {@code id} of {@code operation} on {@code target} with the fields {@code rest}. */
  private static Hostile request(String id, String operation, String target, String rest) {
    return new Hostile(id, EntitySyncRequests.request(id, operation, target, rest));
  }

  private HostileCorpus() {}

  static List<Hostile> requests() {
    List<Hostile> corpus = new ArrayList<>();
    // Not JSON, or not an object: answered with id "".
    for (String malformed :
        List.of(
            "{",
            "}",
            "null",
            "\"text\"",
            "123",
            "[]",
            "[{}]",
            "{\"id\":}",
            "{'id':'x'}",
            "{\"id\":\"x\",}",
            "\u0000\u0001\u0002",
            "{\"a\":1}{\"b\":2}",
            "<xml/>",
            "true",
            "{\"id\":\"x\"",
            "{\"id\": NaN}",
            "SELECT * FROM users",
            "' OR '1'='1",
            "{\"type\":\"request\"",
            "\uFEFF{")) {
      corpus.add(new Hostile("", malformed));
    }
    int n = 0;
    // Wrong types in every field.
    for (String field :
        List.of(
            "\"type\":42",
            "\"type\":[\"request\"]",
            "\"type\":{\"x\":1}",
            "\"type\":null",
            "\"operation\":7",
            "\"operation\":[\"read\"]",
            "\"operation\":null",
            "\"entity\":12",
            "\"entity\":{\"a\":1}",
            "\"entity\":null",
            "\"schema\":5",
            "\"schema\":[\"public\"]")) {
      String id = "t" + n++;
      String base =
          "{\"id\":\""
              + id
              + "\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\"}";
      String key = field.substring(0, field.indexOf(':'));
      String payload =
          base.replaceFirst(java.util.regex.Pattern.quote(key) + ":(\"[^\"]*\")", field);
      if (!payload.contains(field)) {
        payload = base.substring(0, base.length() - 1) + "," + field + "}";
      }
      corpus.add(new Hostile(id, payload));
    }
    for (String extra :
        List.of(
            "\"record_id\":{\"id\":1}",
            "\"record_id\":true",
            "\"record_id\":[1,2]",
            "\"data\":[1,2]",
            "\"data\":\"x\"",
            "\"options\":\"all\"",
            "\"options\":[1]",
            "\"options\":{\"filters\":{\"column\":\"id\"}}",
            "\"options\":{\"limit\":\"10\"}",
            "\"options\":{\"limit\":-1}",
            "\"options\":{\"offset\":-5}",
            "\"options\":{\"offset\":1.5}",
            "\"options\":{\"limit\":99999999999}",
            "\"options\":{\"columns\":\"name\"}",
            "\"options\":{\"columns\":[1]}",
            "\"options\":{\"sort\":\"name\"}",
            "\"options\":{\"sort\":[{\"column\":\"name\",\"direction\":\"sideways\"}]}",
            "\"options\":{\"sort\":[{\"direction\":\"asc\"}]}",
            "\"options\":{\"sort\":[\"name\"]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"eq\",\"value\":{\"$gt\":1}}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"eq\"}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"in\",\"value\":5}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"in\",\"value\":[]}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"between\",\"value\":[1,2,3]}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"between\",\"value\":[1]}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"eq\",\"value\":1,\"logic_operator\":\"XOR\"}]}",
            "\"options\":{\"filters\":[{\"column\":5,\"operator\":\"eq\",\"value\":1}]}",
            "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":5,\"value\":1}]}",
            "\"options\":{\"filters\":[\"age=1\"]}")) {
      String id = "t" + n++;
      corpus.add(request(id, "read", USERS, extra));
    }
    // SQL injection in the entity and schema names.
    for (String entity :
        List.of(
            "users; DROP TABLE users",
            "users--",
            "users WHERE 1=1",
            "\\\"users\\\"",
            "users\\\"; DROP TABLE users; --",
            "pg_catalog.pg_user",
            "information_schema.tables",
            "pg_user",
            "secrets",
            "entity_sync_requests",
            "users/*",
            "users UNION SELECT * FROM secrets",
            "USERS); DELETE FROM users; --",
            "*",
            "%",
            "users%",
            "_sers",
            "")) {
      String id = "e" + n++;
      corpus.add(request(id, "read", "\"entity\":\"" + entity + "\"", ""));
    }
    for (String schema :
        List.of(
            "public; DROP TABLE users",
            "pg_catalog",
            "information_schema",
            "public--",
            "\\\"public\\\"",
            "PUBLIC\\\".\\\"users")) {
      String id = "s" + n++;
      corpus.add(request(id, "read", "\"schema\":\"" + schema + "\"," + USERS, ""));
    }
    // SQL injection in column names: filters, sort, projection, data keys.
    List<String> columns =
        List.of(
            "id; DROP TABLE users",
            "name) OR (1=1",
            "\\\"name\\\"",
            "*",
            "id,email",
            "name --",
            "1",
            "lower(name)",
            "(SELECT 1)",
            "name\\\" OR \\\"1\\\"=\\\"1",
            "NAME",
            "created_at::text",
            "users.name",
            "");
    for (String column : columns) {
      String id = "c" + n++;
      corpus.add(
          request(
              id,
              "read",
              USERS,
              "\"options\":{\"filters\":[{\"column\":\""
                  + column
                  + "\",\"operator\":\"eq\",\"value\":1}]}"));
      id = "c" + n++;
      corpus.add(
          request(id, "read", USERS, "\"options\":{\"sort\":[{\"column\":\"" + column + "\"}]}"));
      id = "c" + n++;
      corpus.add(request(id, "read", USERS, "\"options\":{\"columns\":[\"" + column + "\"]}"));
      id = "c" + n++;
      corpus.add(
          request(id, "create", USERS, "\"data\":{\"name\":\"x\",\"" + column + "\":\"y\"}"));
    }
    // SQL injection in operators.
    for (String operator :
        List.of(
            "= 1 OR 1=1 --",
            "eq; DROP TABLE users",
            "IS NULL OR 1=1",
            "=",
            "!=",
            "LIKE",
            "eq ",
            "regex",
            "exists",
            "or",
            "; --",
            "in)",
            "")) {
      String id = "o" + n++;
      corpus.add(
          request(
              id,
              "read",
              USERS,
              "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\""
                  + operator
                  + "\",\"value\":1}]}"));
    }
    // SQL injection in values where the column's type refuses them.
    for (String value :
        List.of(
            "1 OR 1=1",
            "1; DROP TABLE users",
            "' OR '1'='1",
            "1--",
            "0x41",
            "1e999999",
            "NULL",
            "(SELECT 1)")) {
      String id = "v" + n++;
      corpus.add(
          request(
              id,
              "read",
              USERS,
              "\"options\":{\"filters\":[{\"column\":\"age\",\"operator\":\"eq\",\"value\":\""
                  + value
                  + "\"}]}"));
      id = "v" + n++;
      corpus.add(request(id, "delete", USERS, "\"record_id\":\"" + value + "\""));
      id = "v" + n++;
      corpus.add(
          request(id, "update", USERS, "\"record_id\":1,\"data\":{\"age\":\"" + value + "\"}"));
    }
    // Writes that must not happen: missing parts, primary key changes, unknown operations.
    for (String write :
        List.of(
            "\"operation\":\"update\",\"data\":{\"age\":1}",
            "\"operation\":\"delete\"",
            "\"operation\":\"create\"",
            "\"operation\":\"create\",\"data\":{}",
            "\"operation\":\"update\",\"record_id\":1,\"data\":{\"id\":2}",
            "\"operation\":\"update\",\"record_id\":1",
            "\"operation\":\"truncate\"",
            "\"operation\":\"drop\"",
            "\"operation\":\"DELETE FROM users\"",
            "\"operation\":\"READ\"")) {
      String id = "w" + n++;
      corpus.add(
          new Hostile(
              id,
              "{\"id\":\"" + id + "\",\"type\":\"request\",\"entity\":\"users\"," + write + "}"));
    }
    // Oversize and deep nesting.
    for (int size : List.of(4_097, 8_000, 50_000)) {
      corpus.add(
          new Hostile(
              "", "{\"id\":\"big\",\"type\":\"request\",\"pad\":\"" + "x".repeat(size) + "\"}"));
    }
    String deep =
        "{\"id\":\"deep\",\"type\":\"request\",\"operation\":\"read\",\"entity\":\"users\",\"options\":"
            + "{\"a\":".repeat(40)
            + "1"
            + "}".repeat(40)
            + "}";
    corpus.add(new Hostile("", deep));
    // Unknown message types.
    for (String type : List.of("gossip", "REQUEST", "", "notification", "response")) {
      String id = "m" + n++;
      corpus.add(new Hostile(id, "{\"id\":\"" + id + "\",\"type\":\"" + type + "\"}"));
    }
    return corpus;
  }
}
