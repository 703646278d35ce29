package io.connectmqtt.common.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A subscription's filters compiled once (values parsed, LIKE patterns compiled) and then applied
 * to every changed row: AND-joined groups of OR-joined filters, each filter a column and a {@link
 * FilterOperator#compile compiled} test.
 */
public final class FilterMatcher {

  private record Test(String column, Predicate<Object> test) {}

  private final List<List<Test>> groups;

  private FilterMatcher(List<List<Test>> groups) {
    this.groups = groups;
  }

  /**
   * Filters whose columns' types are inferred from each row value; an {@link
   * IllegalArgumentException} for a filter no database accepts (a LIKE pattern ending in '\').
   */
  public static FilterMatcher of(List<Filter> filters) {
    return of(filters, Map.of(), null);
  }

  /**
   * Filters on columns of the given types (a column not in {@code types} is inferred from each row
   * value) meaning what they mean in {@code database} (null: PostgreSQL); an {@link
   * IllegalArgumentException} for a filter no database accepts (a LIKE pattern ending in '\').
   */
  public static FilterMatcher of(
      List<Filter> filters, Map<String, ColumnType> types, Database database) {
    List<List<Test>> groups = new ArrayList<>();
    for (List<Filter> group : Filter.groups(filters)) {
      groups.add(
          group.stream()
              .map(
                  f ->
                      new Test(
                          f.column(),
                          f.operator().compile(f.value(), types.get(f.column()), database)))
              .toList());
    }
    return new FilterMatcher(List.copyOf(groups));
  }

  /** Whether a row (column name to value, as {@link Filter#row} gives it) satisfies every group. */
  public boolean matches(Map<String, ?> row) {
    for (List<Test> group : groups) {
      boolean any = false;
      for (Test test : group) {
        if (test.test().test(row.get(test.column()))) {
          any = true;
          break;
        }
      }
      if (!any) {
        return false;
      }
    }
    return true;
  }
}
