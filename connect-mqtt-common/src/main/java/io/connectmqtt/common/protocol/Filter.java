package io.connectmqtt.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One filter of a read or subscription: column, operator, value, and whether it joins the previous
 * filter with OR. Consecutive OR filters form one parenthesised group; groups are joined with AND.
 */
public record Filter(String column, FilterOperator operator, Object value, boolean or) {

  /**
   * The longest LIKE/ILIKE pattern, in characters. Matching costs text length times pattern length
   * / 64 (in the database as in the notify sink), so a pattern's length is bounded like every other
   * value a client sends.
   */
  public static final int MAX_PATTERN_LENGTH = 1_000;

  /** Parses {@code options.filters}; every problem is an {@link ErrorCode#INVALID_FILTER}. */
  public static List<Filter> parseAll(JsonNode filters) throws ProtocolException {
    List<Filter> parsed = new ArrayList<>();
    if (filters == null || filters.isNull() || filters.isMissingNode()) {
      return parsed;
    }
    if (!filters.isArray()) {
      throw new ProtocolException(ErrorCode.INVALID_FILTER, "options.filters must be an array");
    }
    for (JsonNode filter : filters) {
      parsed.add(parse(filter));
    }
    return parsed;
  }

  static Filter parse(JsonNode node) throws ProtocolException {
    if (!node.isObject()) {
      throw new ProtocolException(ErrorCode.INVALID_FILTER, "each filter must be an object");
    }
    JsonNode column = node.get("column");
    if (column == null || !column.isTextual() || column.asText().isEmpty()) {
      throw new ProtocolException(ErrorCode.INVALID_FILTER, "a filter needs a 'column' string");
    }
    JsonNode operatorNode = node.get("operator");
    if (operatorNode == null || !operatorNode.isTextual()) {
      throw new ProtocolException(ErrorCode.INVALID_FILTER, "a filter needs an 'operator' string");
    }
    FilterOperator operator =
        FilterOperator.parse(operatorNode.asText())
            .orElseThrow(
                () ->
                    new ProtocolException(
                        ErrorCode.INVALID_FILTER,
                        "unknown operator '"
                            + abbreviate(operatorNode.asText())
                            + "'; use eq, neq, gt, gte, lt, lte, like, ilike, in, nin, isnull, notnull or between"));
    JsonNode logic = node.get("logic_operator");
    boolean or = false;
    if (logic != null && !logic.isNull()) {
      if (!logic.isTextual()
          || !(logic.asText().equalsIgnoreCase("OR") || logic.asText().equalsIgnoreCase("AND"))) {
        throw new ProtocolException(
            ErrorCode.INVALID_FILTER, "logic_operator must be \"AND\" or \"OR\"");
      }
      or = logic.asText().equalsIgnoreCase("OR");
    }
    JsonNode value = node.get("value");
    Object parsedValue =
        switch (operator.arity()) {
          case NONE -> null;
          case ONE -> {
            if (value == null || value.isNull() || value.isContainerNode()) {
              throw new ProtocolException(
                  ErrorCode.INVALID_FILTER,
                  "operator " + operator.name().toLowerCase() + " needs one scalar 'value'");
            }
            Object scalar = scalar(value);
            if (operator == FilterOperator.LIKE || operator == FilterOperator.ILIKE) {
              checkPattern(scalar.toString());
            }
            yield scalar;
          }
          case TWO -> {
            if (value == null
                || !value.isArray()
                || value.size() != 2
                || value.get(0).isContainerNode()
                || value.get(1).isContainerNode()) {
              throw new ProtocolException(
                  ErrorCode.INVALID_FILTER, "between needs 'value' as [low, high]");
            }
            yield List.of(scalar(value.get(0)), scalar(value.get(1)));
          }
          case LIST -> {
            if (value == null || !value.isArray() || value.isEmpty() || value.size() > 1_000) {
              throw new ProtocolException(
                  ErrorCode.INVALID_FILTER,
                  "operator "
                      + operator.name().toLowerCase()
                      + " needs 'value' as a non-empty array of at most 1000 values");
            }
            List<Object> values = new ArrayList<>();
            for (JsonNode element : value) {
              if (element.isContainerNode() || element.isNull()) {
                throw new ProtocolException(
                    ErrorCode.INVALID_FILTER, "in/nin values must be scalars");
              }
              values.add(scalar(element));
            }
            yield values;
          }
        };
    return new Filter(column.asText(), operator, parsedValue, or);
  }

  private static Object scalar(JsonNode node) throws ProtocolException {
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      // A JSON number beyond a double's range is read as Infinity unless the mapper reads
      // BigDecimals.
      if ((node.isDouble() || node.isFloat()) && !Double.isFinite(node.doubleValue())) {
        throw new ProtocolException(
            ErrorCode.INVALID_FILTER,
            "the number " + abbreviate(node.asText()) + " is out of range");
      }
      return node.decimalValue();
    }
    return node.asText();
  }

  private static void checkPattern(String pattern) throws ProtocolException {
    if (pattern.length() > MAX_PATTERN_LENGTH) {
      throw new ProtocolException(
          ErrorCode.INVALID_FILTER,
          "a like pattern may have at most " + MAX_PATTERN_LENGTH + " characters");
    }
    try {
      LikePattern.compile(pattern, false);
    } catch (IllegalArgumentException e) {
      throw new ProtocolException(ErrorCode.INVALID_FILTER, e.getMessage());
    }
  }

  /** Splits filters into AND-joined groups of OR-joined filters. */
  public static List<List<Filter>> groups(List<Filter> filters) {
    List<List<Filter>> groups = new ArrayList<>();
    for (Filter filter : filters) {
      if (filter.or() && !groups.isEmpty()) {
        groups.get(groups.size() - 1).add(filter);
      } else {
        List<Filter> group = new ArrayList<>();
        group.add(filter);
        groups.add(group);
      }
    }
    return groups;
  }

  /**
   * Whether a row (column name to value) satisfies all filters, with the same semantics as the SQL.
   * Compiles the filters each time: to test many rows, use one {@link FilterMatcher}.
   */
  public static boolean matchesAll(List<Filter> filters, Map<String, ?> row) {
    return FilterMatcher.of(filters).matches(row);
  }

  /**
   * Whether a row as JSON (a change event's {@code before}/{@code after}, a read reply's row)
   * satisfies all filters; the notify sink's matcher. False for a missing row.
   */
  public static boolean matchesAll(List<Filter> filters, JsonNode row) {
    Map<String, Object> values = row(row);
    return values != null && matchesAll(filters, values);
  }

  /**
   * A row as JSON turned into the values the matcher compares: Long or BigDecimal for numbers
   * (exact, never a rounded double), Boolean, String, and a nested object or array (a JSON column)
   * as its JSON text; null for anything but an object.
   */
  public static Map<String, Object> row(JsonNode row) {
    if (row == null || !row.isObject()) {
      return null;
    }
    Map<String, Object> values = new LinkedHashMap<>();
    row.fields().forEachRemaining(field -> values.put(field.getKey(), rowValue(field.getValue())));
    return values;
  }

  private static Object rowValue(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return node.longValue();
    }
    if (node.isBigDecimal() || node.isBigInteger()) {
      return node.decimalValue();
    }
    if (node.isNumber()) {
      // Infinity and NaN stay doubles; SqlComparison orders them as PostgreSQL does.
      double d = node.doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : (Object) d;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return node.isContainerNode() ? node.toString() : node.asText();
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
