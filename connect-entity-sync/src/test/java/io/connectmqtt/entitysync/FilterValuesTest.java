package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.common.protocol.ProtocolException;
import java.math.BigDecimal;
import java.sql.Types;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterValuesTest {

  private static final Catalog.Column TEXT = new Catalog.Column("body", Types.VARCHAR, "varchar", true, false);
  private static final Catalog.Column NUMBER = new Catalog.Column("amount", Types.NUMERIC, "numeric", true, false);
  private static final Catalog.Column INTEGER = new Catalog.Column("id", Types.INTEGER, "int4", false, false);

  private static ErrorCode refusal(Catalog.Column column, FilterOperator operator, Object value) {
    try {
      FilterValues.parameters(column, new Filter(column.name(), operator, value, false));
      return null;
    } catch (ProtocolException e) {
      return e.code();
    }
  }

  @Test
  void ordinaryValuesBecomeParametersOfTheColumnsType() throws Exception {
    assertThat(FilterValues.parameters(TEXT, new Filter("body", FilterOperator.EQ, "hello", false)))
        .containsExactly("hello");
    assertThat(FilterValues.parameters(INTEGER, new Filter("id", FilterOperator.IN, List.of(1L, "2"), false)))
        .containsExactly(1L, 2L);
    assertThat(FilterValues.parameters(NUMBER, new Filter("amount", FilterOperator.BETWEEN,
        List.of(new BigDecimal("1e300"), new BigDecimal("-1e-300")), false))).hasSize(2);
    assertThat(FilterValues.parameters(TEXT, new Filter("body", FilterOperator.ISNULL, null, false))).isEmpty();
    assertThat(FilterValues.parameters(TEXT, new Filter("body", FilterOperator.LIKE, 100L, false)))
        .containsExactly("100");
    assertThat(refusal(TEXT, FilterOperator.EQ, "x".repeat(1_000))).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e1000")).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e99999999999999")).as("not a number to anyone").isNull();
  }

  @Test
  void oversizedTextAndAbsurdNumbersAreInvalidValues() {
    assertThat(refusal(TEXT, FilterOperator.EQ, "x".repeat(1_001))).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(TEXT, FilterOperator.LIKE, "%".repeat(1_001))).isEqualTo(ErrorCode.INVALID_VALUE);
    // Text on a text column is text, compared as text by SQL and the notify sink: no number is ever made of it.
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e999999999")).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, " -.5E-2147483646 ")).isNull();
    assertThat(refusal(TEXT, FilterOperator.IN, List.of("a", "1e1001"))).isNull();
    assertThat(refusal(NUMBER, FilterOperator.EQ, "1e999999999")).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(INTEGER, FilterOperator.IN, List.of(1L, "1e1001"))).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(NUMBER, FilterOperator.GT, new BigDecimal("1e-1002"))).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(NUMBER, FilterOperator.EQ, new BigDecimal("1".repeat(1_001)))).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(INTEGER, FilterOperator.BETWEEN, List.of(1L, new BigDecimal("9e999999"))))
        .isEqualTo(ErrorCode.INVALID_VALUE);
  }

  @Test
  void patternsNeedTextColumnsAndValuesMustFitTheirColumn() {
    assertThat(refusal(INTEGER, FilterOperator.LIKE, "1%")).isEqualTo(ErrorCode.INVALID_FILTER);
    assertThat(refusal(NUMBER, FilterOperator.ILIKE, "1%")).isEqualTo(ErrorCode.INVALID_FILTER);
    assertThat(refusal(INTEGER, FilterOperator.EQ, "seven")).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThatThrownBy(() -> FilterValues.parameters(INTEGER, new Filter("id", FilterOperator.EQ, "seven", false)))
        .hasMessageContaining("'id'");
  }
}
