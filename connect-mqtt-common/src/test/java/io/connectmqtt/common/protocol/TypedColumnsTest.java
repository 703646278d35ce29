package io.connectmqtt.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With the column's type named (subscription records of version 1), values compare as that type,
 * whatever JSON type the row value has; text, LIKE and LOWER follow the named database; the records
 * and events round-trip exactly.
 */
class TypedColumnsTest {

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();

  private static boolean matches(
      FilterOperator operator, ColumnType type, Database database, Object row, Object value) {
    return operator.compile(value, type, database).test(row);
  }

  private static boolean matches(
      FilterOperator operator, ColumnType type, Object row, Object value) {
    return matches(operator, type, Database.POSTGRESQL, row, value);
  }

  @Test
  void datesAndTimestampsCompareAsTimeNotAsText() {
    assertThat(
            matches(
                FilterOperator.EQ, ColumnType.TIMESTAMP, "2024-01-01T10:00", "2024-01-01T10:00:00"))
        .isTrue();
    assertThat(
            matches(
                FilterOperator.LT,
                ColumnType.TIMESTAMP,
                "2024-01-01T09:59:59.5",
                "2024-01-01T10:00"))
        .isTrue();
    assertThat(
            matches(
                FilterOperator.EQ,
                ColumnType.TIMESTAMP,
                "2024-01-01T10:00",
                "2024-01-01T10:00:00+02:00"))
        .as("the offset is dropped, as entity sync binds it")
        .isTrue();
    assertThat(
            matches(
                FilterOperator.EQ,
                ColumnType.TIMESTAMPTZ,
                "2024-01-01T08:00:00Z",
                "2024-01-01T10:00+02:00"))
        .isTrue();
    assertThat(
            matches(
                FilterOperator.BETWEEN,
                ColumnType.DATE,
                "2024-02-29",
                List.of("2024-02-01", "2024-03-01")))
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.DATE, "2024-02-29", "yesterday"))
        .as("no date: no match")
        .isFalse();
    assertThat(matches(FilterOperator.NEQ, ColumnType.DATE, "2024-02-29", "yesterday")).isFalse();
  }

  @Test
  void numbersFloatsBooleansAndUuids() {
    assertThat(
            matches(
                FilterOperator.EQ,
                ColumnType.DECIMAL,
                "123456789012345678.25",
                "123456789012345678.250"))
        .isTrue();
    assertThat(
            matches(
                FilterOperator.GT,
                ColumnType.DECIMAL,
                new BigDecimal("123456789012345678.25"),
                "123456789012345678.2"))
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.INTEGER, 7L, "7")).isTrue();
    assertThat(
            matches(
                FilterOperator.EQ, ColumnType.FLOAT, new BigDecimal("0.1"), "0.10000000000000001"))
        .as("both read as the double 0.1")
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.FLOAT, new BigDecimal("-0.0"), 0L)).isTrue();
    assertThat(matches(FilterOperator.GT, ColumnType.FLOAT, "NaN", 1e300))
        .as("NaN above every number")
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.FLOAT, "NaN", "NaN")).isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.BOOLEAN, true, "TRUE")).isTrue();
    assertThat(
            matches(
                FilterOperator.EQ,
                ColumnType.UUID,
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
        .isTrue();
    assertThat(
            matches(
                FilterOperator.GT,
                ColumnType.UUID,
                "f0000000-0000-0000-0000-000000000000",
                "10000000-0000-0000-0000-000000000000"))
        .as("unsigned, as the database orders bytes")
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.TEXT, "7", 7L)).isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.TEXT, "007", 7L)).isFalse();
  }

  /** MariaDB stores and orders a version 1-5 UUID with its groups reversed; others as they are. */
  @Test
  void uuidsInMariaDbsOrder() {
    String v4 = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    String other = "7fffffff-ffff-ffff-ffff-ffffffffffff";
    assertThat(matches(FilterOperator.GT, ColumnType.UUID, Database.POSTGRESQL, v4, other))
        .isTrue();
    assertThat(matches(FilterOperator.LT, ColumnType.UUID, Database.MARIADB, v4, other))
        .as("6bb9bd380a11-... before 7fffffff-...")
        .isTrue();
    assertThat(
            matches(
                FilterOperator.LT,
                ColumnType.UUID,
                Database.MARIADB,
                "00000000-0000-0000-0000-000000000001",
                v4))
        .isTrue();
    assertThat(matches(FilterOperator.EQ, ColumnType.UUID, Database.MARIADB, v4, v4.toUpperCase()))
        .isTrue();
  }

  @Test
  void textFollowsTheDatabase() {
    String smile = "\uD83D\uDE00";
    String halfwidth = "\uFF71";
    assertThat(matches(FilterOperator.GT, ColumnType.TEXT, Database.POSTGRESQL, smile, halfwidth))
        .as("code points: U+1F600 > U+FF71")
        .isTrue();
    assertThat(matches(FilterOperator.GT, ColumnType.TEXT, Database.H2, smile, halfwidth))
        .as("UTF-16 units: 0xD83D < 0xFF71")
        .isFalse();
    assertThat(
            matches(FilterOperator.LIKE, ColumnType.TEXT, Database.POSTGRESQL, "a" + smile, "a_"))
        .isTrue();
    assertThat(matches(FilterOperator.LIKE, ColumnType.TEXT, Database.H2, "a" + smile, "a_"))
        .isFalse();
    assertThat(matches(FilterOperator.LIKE, ColumnType.TEXT, Database.H2, "a" + smile, "a__"))
        .isTrue();
    assertThat(matches(FilterOperator.ILIKE, ColumnType.TEXT, Database.POSTGRESQL, "ΣΑΣ", "σασ"))
        .isTrue();
    assertThat(matches(FilterOperator.ILIKE, ColumnType.TEXT, Database.H2, "ΣΑΣ", "σας")).isTrue();
    assertThat(matches(FilterOperator.ILIKE, ColumnType.TEXT, Database.H2, "ΣΑΣ", "σασ")).isFalse();
    assertThat(matches(FilterOperator.LIKE, ColumnType.INTEGER, 7L, "7"))
        .as("LIKE needs text")
        .isFalse();
  }

  @Test
  void equalityKeysFollowTheType() {
    Object key =
        FilterOperator.equalityKeys("2024-01-01T10:00:00", ColumnType.TIMESTAMP, null).get(0);
    assertThat(FilterOperator.rowEqualityKey("2024-01-01T10:00", ColumnType.TIMESTAMP, null))
        .contains(key);
    assertThat(FilterOperator.equalityKeys("not a time", ColumnType.TIMESTAMP, null)).isEmpty();
  }

  @Test
  void subscriptionRecordsRoundTripAndRefuseNewerVersions() throws Exception {
    SubscriptionRecord record =
        new SubscriptionRecord(
            1,
            "sid",
            "c1",
            "public",
            "users",
            "spec/c1/notify/sid",
            Instant.parse("2026-01-01T00:00:00Z"),
            null,
            List.of(new Filter("score", FilterOperator.GT, "123456789012345678.25", false)),
            Map.of("score", ColumnType.DECIMAL),
            Database.H2);
    JsonNode written = JSON.readTree(JSON.writeValueAsBytes(record.toJson(JSON)));
    assertThat(written.path("v").asInt()).isEqualTo(1);
    SubscriptionRecord read = SubscriptionRecord.parse("sid", written);
    assertThat(read).isEqualTo(record);
    assertThat(read.matcher().matches(Map.of("score", new BigDecimal("123456789012345678.26"))))
        .isTrue();
    ((ObjectNode) written).put("v", 2);
    assertThatThrownBy(() -> SubscriptionRecord.parse("sid", written))
        .isInstanceOfSatisfying(
            SubscriptionRecord.UnreadableRecordException.class,
            e -> assertThat(e.unknownVersion()).isTrue())
        .hasMessageContaining("version 2");
    ((ObjectNode) written).remove("v");
    ((ObjectNode) written).remove("types");
    assertThat(SubscriptionRecord.parse("sid", written).version()).as("before versions").isZero();
  }

  @Test
  void changeEventsCarryDecimalsExactly() throws Exception {
    ObjectNode row =
        JSON.createObjectNode().put("id", 1).put("score", new BigDecimal("123456789012345678.25"));
    ObjectNode event =
        ChangeEvent.of(
            JSON,
            "create",
            "public",
            "users",
            "1",
            "id",
            Map.of("id", ColumnType.INTEGER, "score", ColumnType.DECIMAL),
            null,
            row,
            0L,
            "c1",
            "r1");
    assertThat(event.path("after").path("score").isTextual()).isTrue();
    JsonNode exact = ChangeEvent.exactRow(event.get("after"), ChangeEvent.types(event));
    assertThat(exact.path("score").decimalValue()).isEqualByComparingTo("123456789012345678.25");
    assertThat(ChangeEvent.version(event)).isEqualTo(1);
    assertThatThrownBy(() -> ChangeEvent.version(event.deepCopy().put("v", 9)))
        .hasMessageContaining("version 9");
  }
}
