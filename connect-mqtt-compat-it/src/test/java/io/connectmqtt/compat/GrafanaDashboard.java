package io.connectmqtt.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL queries of a Grafana dashboard JSON and the metric names each refers to. */
final class GrafanaDashboard {

  /** One query: where it is (panel title and refId, or the variable) and its PromQL. */
  record Query(String where, String promql) {}

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool",
          "inf",
          "nan");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private GrafanaDashboard() {}

  static List<Query> queries(Path file) throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(file.toFile());
    List<Query> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        queries.add(
            new Query(
                panel.path("title").asText() + " " + target.path("refId").asText(),
                target.path("expr").asText()));
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      JsonNode query = variable.path("query");
      String promql = query.isObject() ? query.path("query").asText() : "";
      Matcher labelValues = Pattern.compile("label_values\\((.+),\\s*\\w+\\)").matcher(promql);
      if (labelValues.matches()) {
        queries.add(new Query("variable " + variable.path("name").asText(), labelValues.group(1)));
      }
    }
    return queries;
  }

  /**
   * The metric names a PromQL expression selects: identifiers outside strings, matchers, ranges and
   * groupings.
   */
  static Set<String> metricNames(String promql) {
    String bare =
        STRING
            .matcher(promql)
            .replaceAll("\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ");
    bare = GROUPING.matcher(bare).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher identifier = IDENTIFIER.matcher(bare);
    while (identifier.find()) {
      String name = identifier.group();
      boolean function = bare.substring(identifier.end()).matches("(?s)\\s*\\(.*");
      boolean partOfNumber =
          identifier.start() > 0 && Character.isDigit(bare.charAt(identifier.start() - 1));
      if (!function && !partOfNumber && !KEYWORDS.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }
}
