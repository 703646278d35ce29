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

  private static final Catalog.Column TEXT =
      new Catalog.Column("body", Types.VARCHAR, "varchar", true, false);
  private static final Catalog.Column NUMBER =
      new Catalog.Column("amount", Types.NUMERIC, "numeric", true, false);
  private static final Catalog.Column INTEGER =
      new Catalog.Column("id", Types.INTEGER, "int4", false, false);

  private static ErrorCode refusal(Catalog.Column column, FilterOperator operator, Object value) {
    try {
      FilterValues.parameters(column, new Filter(column.name(), operator, value, false));
      return null;
    } catch (ProtocolException e) {
      return e.code();
    }
  }

  private static final Catalog.Column TIMESTAMP =
      new Catalog.Column("at", Types.TIMESTAMP, "timestamp", true, false);

  /**
   * A subscription record holds each value as the read binds it, in a form JSON without exact
   * decimals keeps.
   */
  @Test
  void subscriptionRecordsHoldTheBoundValues() throws Exception {
    assertThat(
            FilterValues.recorded(
                    TEXT, new Filter("body", FilterOperator.EQ, new BigDecimal("7.0"), false))
                .value())
        .as("a number for a text column is its text")
        .isEqualTo("7.0");
    assertThat(
            FilterValues.recorded(
                    NUMBER,
                    new Filter(
                        "amount",
                        FilterOperator.IN,
                        List.of(new BigDecimal("123456789012345678.25"), 7L),
                        false))
                .value())
        .as("decimals as exact text")
        .isEqualTo(List.of("123456789012345678.25", "7"));
    assertThat(
            FilterValues.recorded(INTEGER, new Filter("id", FilterOperator.EQ, "007", false))
                .value())
        .isEqualTo(7L);
    assertThat(
            FilterValues.recorded(
                    TIMESTAMP,
                    new Filter("at", FilterOperator.EQ, "2024-01-01T12:00:00+02:00", false))
                .value())
        .as("the offset dropped, as bound")
        .isEqualTo("2024-01-01T12:00");
    assertThat(SqlValues.type(TIMESTAMP))
        .contains(io.connectmqtt.common.protocol.ColumnType.TIMESTAMP);
    assertThat(SqlValues.type(new Catalog.Column("doc", Types.OTHER, "jsonb", true, false)))
        .isEmpty();
  }

  /**
   * PostgreSQL rounds a bound value's nanoseconds to microseconds, H2 not: such a value is refused
   * for both.
   */
  @Test
  void timestampsAtMostToTheMicrosecond() throws Exception {
    assertThat(refusal(TIMESTAMP, FilterOperator.EQ, "2024-01-01T10:00:00.123456")).isNull();
    assertThat(refusal(TIMESTAMP, FilterOperator.EQ, "2024-01-01T10:00:00.1234564"))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(
            refusal(
                TIMESTAMP,
                FilterOperator.IN,
                List.of("2024-01-01T10:00", "2024-01-01T10:00:00.000000001")))
        .isEqualTo(ErrorCode.INVALID_VALUE);
  }

  /**
   * A number for a text column is compared as its text as sent: 7.0 is '7.0', not '7' (Jackson
   * strips zeros).
   */
  @Test
  void aNumberForATextColumnKeepsItsTrailingZerosFromTheRequest() throws Exception {
    RequestParser parser = new RequestParser(null, 65_536, 65_536, false);
    var root =
        parser.readObject(
            ("{\"options\":{\"filters\":[{\"column\":\"body\",\"operator\":\"in\","
                    + "\"value\":[7.0,1.50]}]}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Filter filter = Filter.parseAll(root.path("options").path("filters")).get(0);
    assertThat(FilterValues.recorded(TEXT, filter).value()).isEqualTo(List.of("7.0", "1.50"));
  }

  /**
   * A JSON number for a text column is bound as the text PostgreSQL's numeric-to-text cast gives
   * it: plain digits with the number's scale, never an exponent (BigDecimal.toString() would write
   * 1e2 as '1E+2').
   */
  @Test
  void aNumberForATextColumnIsItsPlainDecimalText() throws Exception {
    RequestParser parser = new RequestParser(null, 65_536, 65_536, false);
    var root =
        parser.readObject(
            ("{\"options\":{\"filters\":[{\"column\":\"body\",\"operator\":\"in\","
                    + "\"value\":[1e2,1.50e1,1.5e-3,-0.0,7.0,12345678901234567890,1E+3]}]},\"data\":{\"body\":1e2}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Filter filter = Filter.parseAll(root.path("options").path("filters")).get(0);
    assertThat(FilterValues.recorded(TEXT, filter).value())
        .isEqualTo(List.of("100", "15.0", "0.0015", "0.0", "7.0", "12345678901234567890", "1000"));
    assertThat(FilterValues.parameters(TEXT, filter))
        .as("bound as recorded")
        .isEqualTo(List.of("100", "15.0", "0.0015", "0.0", "7.0", "12345678901234567890", "1000"));
    assertThat(SqlValues.coerce(TEXT, root.path("data").path("body")))
        .as("written as compared")
        .isEqualTo("100");
  }

  /**
   * Beyond a double's range a value would silently become Infinity or 0: refused, as PostgreSQL's
   * float8 does.
   */
  @Test
  void floatValuesBeyondADoublesRangeAreRefused() {
    Catalog.Column real = new Catalog.Column("f", Types.DOUBLE, "float8", true, false);
    for (Object value :
        List.of(
            new BigDecimal("1e400"),
            new BigDecimal("-1e400"),
            new BigDecimal("1e-400"),
            "1e400",
            "-1e-400")) {
      assertThat(refusal(real, FilterOperator.EQ, value))
          .as(value.toString())
          .isEqualTo(ErrorCode.INVALID_VALUE);
    }
    for (Object value :
        List.of(
            new BigDecimal("1e308"),
            new BigDecimal("1e-320"),
            new BigDecimal("-0.0"),
            0L,
            "Infinity",
            "-Infinity",
            "NaN")) {
      assertThat(refusal(real, FilterOperator.EQ, value)).as(value.toString()).isNull();
    }
  }

  /**
   * MariaDB's DOUBLE has no NaN or infinities (its driver would send them as bare words): refused
   * there only.
   */
  @Test
  void nonFiniteFloatsOnlyWhereTheDatabaseComparesThem() throws Exception {
    Catalog.Column real = new Catalog.Column("f", Types.DOUBLE, "double", true, false);
    Filter nan = new Filter("f", FilterOperator.NEQ, "NaN", false);
    assertThat(FilterValues.parameters(Dialect.POSTGRESQL, real, nan)).containsExactly(Double.NaN);
    assertThatThrownBy(() -> FilterValues.parameters(Dialect.MARIADB, real, nan))
        .isInstanceOfSatisfying(
            ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_VALUE));
    assertThatThrownBy(
            () ->
                FilterValues.recorded(
                    Dialect.MARIADB,
                    real,
                    new Filter("f", FilterOperator.IN, List.of(1L, "-Infinity"), false)))
        .isInstanceOf(ProtocolException.class);
    // MariaDB rounds a decimal beyond DECIMAL(65,38) before comparing (= 1e-300 matched a row's 0).
    Filter tiny = new Filter("amount", FilterOperator.EQ, new BigDecimal("1e-300"), false);
    assertThat(FilterValues.parameters(Dialect.POSTGRESQL, NUMBER, tiny)).hasSize(1);
    assertThatThrownBy(() -> FilterValues.parameters(Dialect.MARIADB, NUMBER, tiny))
        .isInstanceOf(ProtocolException.class);
    assertThat(
            FilterValues.parameters(
                Dialect.MARIADB,
                NUMBER,
                new Filter(
                    "amount",
                    FilterOperator.EQ,
                    new BigDecimal("99999999999999999999.9999999999"),
                    false)))
        .hasSize(1);
  }

  @Test
  void ordinaryValuesBecomeParametersOfTheColumnsType() throws Exception {
    assertThat(FilterValues.parameters(TEXT, new Filter("body", FilterOperator.EQ, "hello", false)))
        .containsExactly("hello");
    assertThat(
            FilterValues.parameters(
                INTEGER, new Filter("id", FilterOperator.IN, List.of(1L, "2"), false)))
        .containsExactly(1L, 2L);
    assertThat(
            FilterValues.parameters(
                NUMBER,
                new Filter(
                    "amount",
                    FilterOperator.BETWEEN,
                    List.of(new BigDecimal("1e300"), new BigDecimal("-1e-300")),
                    false)))
        .hasSize(2);
    assertThat(
            FilterValues.parameters(TEXT, new Filter("body", FilterOperator.ISNULL, null, false)))
        .isEmpty();
    assertThat(FilterValues.parameters(TEXT, new Filter("body", FilterOperator.LIKE, 100L, false)))
        .containsExactly("100");
    assertThat(refusal(TEXT, FilterOperator.EQ, "x".repeat(1_000))).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e1000")).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e99999999999999"))
        .as("not a number to anyone")
        .isNull();
  }

  @Test
  void oversizedTextAndAbsurdNumbersAreInvalidValues() {
    assertThat(refusal(TEXT, FilterOperator.EQ, "x".repeat(1_001)))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(TEXT, FilterOperator.LIKE, "%".repeat(1_001)))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    // Text on a text column is text, compared as text by SQL and the notify sink: no number is ever
    // made of it.
    assertThat(refusal(TEXT, FilterOperator.EQ, "1e999999999")).isNull();
    assertThat(refusal(TEXT, FilterOperator.EQ, " -.5E-2147483646 ")).isNull();
    assertThat(refusal(TEXT, FilterOperator.IN, List.of("a", "1e1001"))).isNull();
    assertThat(refusal(NUMBER, FilterOperator.EQ, "1e999999999"))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(INTEGER, FilterOperator.IN, List.of(1L, "1e1001")))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(NUMBER, FilterOperator.GT, new BigDecimal("1e-1002")))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(NUMBER, FilterOperator.EQ, new BigDecimal("1".repeat(1_001))))
        .isEqualTo(ErrorCode.INVALID_VALUE);
    assertThat(refusal(INTEGER, FilterOperator.BETWEEN, List.of(1L, new BigDecimal("9e999999"))))
        .isEqualTo(ErrorCode.INVALID_VALUE);
  }

  @Test
  void patternsNeedTextColumnsAndValuesMustFitTheirColumn() {
    assertThat(refusal(INTEGER, FilterOperator.LIKE, "1%")).isEqualTo(ErrorCode.INVALID_FILTER);
    assertThat(refusal(NUMBER, FilterOperator.ILIKE, "1%")).isEqualTo(ErrorCode.INVALID_FILTER);
    assertThat(refusal(INTEGER, FilterOperator.EQ, "seven")).isEqualTo(ErrorCode.INVALID_VALUE);
    assertThatThrownBy(
            () ->
                FilterValues.parameters(
                    INTEGER, new Filter("id", FilterOperator.EQ, "seven", false)))
        .hasMessageContaining("'id'");
  }
}
