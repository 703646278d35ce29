package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.common.JsonValues;
import io.connectmqtt.common.protocol.ChangeEvent;
import io.connectmqtt.common.protocol.ColumnType;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.protocol.FilterMatcher;
import io.connectmqtt.common.protocol.FilterOperator;
import io.connectmqtt.common.protocol.SubscriptionRecord;
import io.connectmqtt.testkit.H2Database;
import io.connectmqtt.testkit.MariaDbDatabase;
import io.connectmqtt.testkit.PostgresDatabase;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.connect.json.JsonConverter;

/**
 * The notify sink's in-memory matcher against each database's own {@code WHERE}, property-based:
 * every try generates a table of rows (every column type, NULLs, edge values) and a batch of filter
 * lists (every operator on every column, AND and OR, values of the column's type and of others),
 * and for every database:
 *
 * <ul>
 *   <li>the rows are inserted once, and read back as entity sync's change events carry them: built
 *       by {@link ChangeEvent}, through {@link JsonValues#plain} and Kafka's {@link JsonConverter}
 *       without schemas (as entity sync writes them and the notify sink reads them), with exact
 *       decimals restored as the sink does;
 *   <li>each filter list is a <b>read</b> through entity sync's request processor (its own SQL
 *       builder, values bound as it binds them; one SELECT of the matching ids) and a
 *       <b>subscribe</b> through the same processor, whose subscription record goes the same way to
 *       Kafka and back into {@link SubscriptionRecord#parse} and its {@link FilterMatcher};
 *   <li>the ids SQL selects must be exactly the rows the matcher accepts, and a filter the read
 *       refuses must be refused by subscribe with the same error code.
 * </ul>
 *
 * <p>Another database is one more entry in {@link #DATABASES}: a name, how to start it, its DDL for
 * a column where the default does not fit, and the values it cannot store.
 */
class FilterAgreementPropertyIT {

  /**
   * Tries per run; each try checks {@link #FILTERS_PER_TRY} filter lists on every database, about a
   * fifth of them refused alike by read and subscribe (values of another type, LIKE on a number,
   * ...): over 10,000 compared.
   */
  private static final int TRIES = 520;

  private static final int MINIMUM_COMPARED = 10_000;
  private static final int FILTERS_PER_TRY = 25;
  private static final int ROWS_PER_TRY = 30;

  /**
   * The columns of the table, one per column type, with the DDL every database takes unless it says
   * otherwise.
   */
  enum Column {
    T("varchar(40)"),
    I("integer"),
    B("bigint"),
    D("numeric(30,10)"),
    F("double precision"),
    BO("boolean"),
    DT("date"),
    TS("timestamp"),
    U("uuid");

    final String ddl;

    Column(String ddl) {
      this.ddl = ddl;
    }

    String sqlName() {
      return name().toLowerCase();
    }
  }

  /**
   * A database the property runs on: started once (null when it is not installed here: the property
   * runs on the others), its DDL per column where it differs from the default, and which generated
   * row values it can store (the others become NULL there).
   */
  record TestDatabase(
      String name,
      Supplier<Started> start,
      Map<Column, String> ddl,
      java.util.function.BiPredicate<Column, Object> stores) {}

  /** A started database: its URL, user and password, and how to close it. */
  record Started(String url, String user, String password, AutoCloseable server) {}

  static final List<TestDatabase> DATABASES =
      List.of(
          new TestDatabase(
              "postgresql",
              () -> {
                PostgresDatabase postgres = PostgresDatabase.start();
                return new Started(postgres.jdbcUrl(), "postgres", "", postgres);
              },
              Map.of(),
              (column, value) -> true),
          new TestDatabase(
              "h2",
              () -> {
                H2Database h2 = H2Database.start("agreement");
                return new Started(h2.jdbcUrl(), "sa", "", h2);
              },
              Map.of(),
              (column, value) -> true),
          // Debian's mariadb-server, as the testkit starts it (utf8mb4_general_ci by default;
          // entity sync compares text in utf8mb4_nopad_bin). DOUBLE has no NaN or infinities;
          // DATETIME needs (6) for microseconds.
          new TestDatabase(
              "mariadb",
              () -> {
                MariaDbDatabase.Attempt attempt = MariaDbDatabase.attempt("public");
                if (attempt.server() == null) {
                  System.out.println(
                      "FilterAgreementPropertyIT: no MariaDB here (" + attempt.skipReason() + ")");
                  return null;
                }
                MariaDbDatabase maria = attempt.server();
                return new Started(maria.jdbcUrl("public"), maria.user(), maria.password(), maria);
              },
              Map.of(Column.F, "double", Column.TS, "datetime(6)"),
              (column, value) -> !(value instanceof Double d && !Double.isFinite(d))));

  /** Entity sync's request processor over one database, with what the property saw there. */
  record Backend(
      TestDatabase database,
      Started started,
      HikariDataSource dataSource,
      Catalog catalog,
      RequestProcessor processor,
      Tally tally) {}

  /** Counts per database, printed at the end. */
  static final class Tally {
    long filterLists;
    long compared;
    long rowDecisions;
    long refusedByBoth;
    long disagreements;
    final List<String> examples = new ArrayList<>();
  }

  private static final List<Backend> BACKENDS = new ArrayList<>();
  private static final AtomicLong REQUESTS = new AtomicLong();

  /** How the notify sink reads JSON: exact decimals, trailing zeros kept. */
  private static final ObjectMapper SINK_JSON =
      JsonMapper.builder()
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
          .build();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonConverter CONVERTER = new JsonConverter();

  @BeforeContainer
  static void start() throws Exception {
    CONVERTER.configure(Map.of("schemas.enable", "false"), false);
    for (TestDatabase database : DATABASES) {
      Started started = database.start().get();
      if (started == null) {
        continue;
      }
      StringBuilder ddl =
          new StringBuilder("create table public.agreement (id integer primary key");
      for (Column column : Column.values()) {
        ddl.append(", ")
            .append(column.sqlName())
            .append(' ')
            .append(database.ddl().getOrDefault(column, column.ddl));
      }
      try (Connection connection =
              java.sql.DriverManager.getConnection(
                  started.url(), started.user(), started.password());
          Statement statement = connection.createStatement()) {
        statement.execute(ddl.append(")").toString());
      }
      Map<String, String> props = new HashMap<>();
      props.put("mqtt.server.uris", "tcp://127.0.0.1:1");
      props.put("database.url", started.url());
      props.put("database.user", started.user());
      props.put("database.password", started.password());
      props.put("entities", "public.agreement");
      props.put("read.limit.max", "1000");
      EntitySyncConfig config = new EntitySyncConfig(props);
      HikariDataSource dataSource =
          EntitySyncConnector.dataSource(config, "agreement-" + database.name());
      Dialect dialect = Dialect.forUrl(started.url());
      Catalog catalog = Processors.catalog(dataSource, dialect, config);
      RequestProcessor processor =
          Processors.processor(dataSource, dialect, catalog, config, List.of());
      BACKENDS.add(new Backend(database, started, dataSource, catalog, processor, new Tally()));
    }
  }

  @AfterContainer
  static void stop() throws Exception {
    List<String> tooFew = new ArrayList<>();
    for (Backend backend : BACKENDS) {
      Tally tally = backend.tally();
      System.out.printf(
          "FilterAgreementPropertyIT %s: %d filter lists, %d compared with SQL on %d row decisions, "
              + "%d refused by read and subscribe alike, %d disagreements%n",
          backend.database().name(),
          tally.filterLists,
          tally.compared,
          tally.rowDecisions,
          tally.refusedByBoth,
          tally.disagreements);
      tally.examples.forEach(example -> System.out.println("  " + example));
      backend.dataSource().close();
      backend.started().server().close();
      if (tally.compared < MINIMUM_COMPARED && tally.disagreements == 0) {
        tooFew.add(backend.database().name() + ": " + tally.compared);
      }
    }
    assertThat(tooFew)
        .as("filter lists compared per database, at least " + MINIMUM_COMPARED)
        .isEmpty();
  }

  /** One try: rows for the table and filter lists to check against them. */
  record Batch(List<Map<Column, Object>> rows, List<String> filterLists) {
    @Override
    public String toString() {
      return "rows " + rows + "\nfilters " + filterLists;
    }
  }

  @Property(tries = TRIES, shrinking = ShrinkingMode.BOUNDED)
  void theMatcherSelectsWhatTheDatabaseSelects(@ForAll("batches") Batch batch) throws Exception {
    List<String> disagreements = new ArrayList<>();
    for (Backend backend : BACKENDS) {
      disagreements.addAll(check(backend, batch));
    }
    // -Dagreement.explore=true (in the test JVM) runs every try and prints up to 50 disagreements
    // per database at the end, instead of stopping and shrinking at the first.
    if (!Boolean.getBoolean("agreement.explore")) {
      assertThat(disagreements).as("matcher and SQL disagree").isEmpty();
    }
  }

  private static List<String> check(Backend backend, Batch batch) throws Exception {
    Tally tally = backend.tally();
    try (Connection connection = backend.dataSource().getConnection()) {
      connection.setAutoCommit(false);
      try (Statement delete = connection.createStatement()) {
        delete.execute("delete from public.agreement");
      }
      StringBuilder insert = new StringBuilder("insert into public.agreement (id");
      for (Column column : Column.values()) {
        insert.append(", ").append(column.sqlName());
      }
      insert.append(") values (?").append(", ?".repeat(Column.values().length)).append(")");
      try (PreparedStatement statement = connection.prepareStatement(insert.toString())) {
        for (int i = 0; i < batch.rows().size(); i++) {
          statement.setInt(1, i + 1);
          int index = 2;
          for (Column column : Column.values()) {
            Object value = batch.rows().get(i).get(column);
            statement.setObject(
                index++, backend.database().stores().test(column, value) ? value : null);
          }
          statement.addBatch();
        }
        statement.executeBatch();
      }
      connection.commit();
    }
    // The rows as the notify sink sees them in change events.
    JsonNode all = read(backend, "[]");
    assertThat(all.path("success").asBoolean()).as(all.toString()).isTrue();
    Map<Integer, Map<String, Object>> rows = new LinkedHashMap<>();
    Map<String, ColumnType> types = null;
    for (JsonNode row : all.path("data")) {
      JsonNode event =
          viaKafka(
              ChangeEvent.of(
                  JSON,
                  "create",
                  "public",
                  "agreement",
                  row.path("id").asText(),
                  "id",
                  types(backend),
                  null,
                  (ObjectNode) row,
                  0L,
                  "c",
                  "r"));
      types = ChangeEvent.types(event);
      rows.put(row.path("id").asInt(), Filter.row(ChangeEvent.exactRow(event.get("after"), types)));
    }
    assertThat(rows).hasSize(batch.rows().size());
    List<String> disagreements = new ArrayList<>();
    for (String filters : batch.filterLists()) {
      tally.filterLists++;
      JsonNode read = read(backend, filters);
      long n = REQUESTS.incrementAndGet();
      Outcome subscribed =
          backend
              .processor()
              .handle(
                  "agree-" + n,
                  request("s" + n, "subscription", "subscribe", filters, ""),
                  Map.of(),
                  Optional.empty());
      String readError =
          read.path("success").asBoolean() ? null : read.path("error").path("code").asText();
      String subscribeError =
          subscribed.reply().path("success").asBoolean()
              ? null
              : subscribed.reply().path("error").path("code").asText();
      if (readError != null || subscribeError != null) {
        if (readError != null && readError.equals(subscribeError)) {
          tally.refusedByBoth++;
        } else {
          disagreements.add(
              disagreement(
                  backend,
                  filters,
                  "read "
                      + (readError == null ? "ok" : readError)
                      + " but subscribe "
                      + (subscribeError == null ? "ok" : subscribeError)
                      + ": "
                      + read.path("error")
                      + subscribed.reply().path("error")));
        }
        continue;
      }
      ObjectNode record = subscribed.subscriptionWrites().get(0).getValue();
      SubscriptionRecord parsed =
          SubscriptionRecord.parse(
              subscribed.subscriptionWrites().get(0).getKey(), viaKafka(record));
      FilterMatcher matcher = parsed.matcher();
      Set<Integer> bySql = new TreeSet<>();
      read.path("data").forEach(row -> bySql.add(row.path("id").asInt()));
      Set<Integer> inMemory = new TreeSet<>();
      rows.forEach(
          (id, row) -> {
            if (matcher.matches(row)) {
              inMemory.add(id);
            }
          });
      tally.compared++;
      tally.rowDecisions += rows.size();
      if (!bySql.equals(inMemory)) {
        Set<Integer> differing = new TreeSet<>(bySql);
        differing.addAll(inMemory);
        Set<Integer> both = new TreeSet<>(bySql);
        both.retainAll(inMemory);
        differing.removeAll(both);
        StringBuilder detail =
            new StringBuilder(
                "SQL "
                    + bySql
                    + ", matcher "
                    + inMemory
                    + "; record "
                    + record.path("filters")
                    + record.path("types")
                    + "; rows:");
        differing.forEach(id -> detail.append(" ").append(id).append('=').append(rows.get(id)));
        disagreements.add(disagreement(backend, filters, detail.toString()));
      }
    }
    return disagreements;
  }

  private static String disagreement(Backend backend, String filters, String detail) {
    Tally tally = backend.tally();
    tally.disagreements++;
    String text = backend.database().name() + ": " + filters + " -> " + detail;
    if (tally.examples.size() < 50) {
      tally.examples.add(text);
    }
    return text;
  }

  private static Map<String, ColumnType> types(Backend backend) {
    // The entity's column types exactly as entity sync writes them into change events.
    return SqlValues.types(backend.catalog().find("public", "agreement").orElseThrow());
  }

  /**
   * {@code value} as it comes back from Kafka: entity sync's Map through JsonConverter, read as the
   * sink reads it.
   */
  private static JsonNode viaKafka(ObjectNode value) throws Exception {
    byte[] bytes = CONVERTER.fromConnectData("t", null, JsonValues.plain(value));
    Object map = CONVERTER.toConnectData("t", bytes).value();
    JsonNode sinkSide = SINK_JSON.valueToTree(map);
    // The sink also reads raw bytes (ByteArrayConverter); both must give the same rows and filters.
    JsonNode raw = SINK_JSON.readTree(bytes);
    if (raw.has("after")) {
      Map<String, ColumnType> types = ChangeEvent.types(raw);
      assertThat(Filter.row(ChangeEvent.exactRow(sinkSide.get("after"), types)))
          .isEqualTo(Filter.row(ChangeEvent.exactRow(raw.get("after"), types)));
    } else {
      assertThat(SubscriptionRecord.parse("s", sinkSide))
          .isEqualTo(SubscriptionRecord.parse("s", raw));
    }
    return sinkSide;
  }

  private static JsonNode read(Backend backend, String filters) {
    long n = REQUESTS.incrementAndGet();
    return backend
        .processor()
        .handle(
            "agree-reader",
            request(
                "r" + n,
                "request",
                "read",
                filters,
                ",\"columns\":" + (filters.equals("[]") ? "null" : "[\"id\"]") + ",\"limit\":1000"),
            Map.of(),
            Optional.empty())
        .reply();
  }

  private static byte[] request(
      String id, String type, String operation, String filters, String moreOptions) {
    return ("{\"id\":\""
            + id
            + "\",\"type\":\""
            + type
            + "\",\"operation\":\""
            + operation
            + "\","
            + "\"schema\":\"public\",\"entity\":\"agreement\",\"options\":{\"filters\":"
            + filters
            + moreOptions
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  // ---- generators ----

  /**
   * Characters that tell databases apart: case, digits, LIKE's own, accents, final sigma, dotted I,
   * beyond U+FFFF.
   */
  private static final List<String> ALPHABET =
      List.of(
          "a",
          "A",
          "b",
          "B",
          "z",
          "0",
          "1",
          "7",
          "9",
          " ",
          "%",
          "_",
          "\\",
          "é",
          "É",
          "ß",
          "Σ",
          "σ",
          "ς",
          "İ",
          "ı",
          "\uFF71",
          "\uD83D\uDE00",
          "\uE000",
          "-",
          ".");

  private static final List<String> NUMERIC_TEXT =
      List.of("007", "7", "7.0", "10", "9", "1e3", " 7 ", "-0", "");

  /**
   * Where PostgreSQL and H2 part: order beyond U+FFFF, '_' over a surrogate pair, final sigma,
   * dotted I.
   */
  private static final List<String> TRICKY =
      List.of("a", "Σ", "σ", "ς", "İ", "i", "\uD83D\uDE00", "\uFF71", "\uE000");

  private static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.of(ALPHABET)
            .list()
            .ofMinSize(0)
            .ofMaxSize(4)
            .map(parts -> String.join("", parts)),
        Arbitraries.of(TRICKY)
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(parts -> String.join("", parts)),
        Arbitraries.of(NUMERIC_TEXT));
  }

  private static final List<Integer> INTS =
      List.of(0, 7, -3, 10, 100, 9, Integer.MAX_VALUE, Integer.MIN_VALUE);
  private static final List<Long> LONGS =
      List.of(
          0L,
          7L,
          -3L,
          Long.MAX_VALUE,
          Long.MIN_VALUE,
          9_007_199_254_740_993L,
          9_007_199_254_740_992L);
  private static final List<BigDecimal> DECIMALS =
      List.of(
          new BigDecimal("0"),
          new BigDecimal("0.1"),
          new BigDecimal("0.10"),
          new BigDecimal("7"),
          new BigDecimal("7.00"),
          new BigDecimal("70.25"),
          new BigDecimal("-1.5"),
          new BigDecimal("123456789012345678.1234"),
          new BigDecimal("123456789012345678.1235"),
          new BigDecimal("0.0000000001"),
          new BigDecimal("-0.0000000001"),
          new BigDecimal("99999999999999999999.9999999999"));
  private static final List<Double> DOUBLES =
      List.of(
          0.0,
          -0.0,
          0.1,
          1.0 / 3,
          1e300,
          -1e-300,
          2.5,
          7.0,
          Double.NaN,
          Double.POSITIVE_INFINITY,
          Double.NEGATIVE_INFINITY);
  private static final List<LocalDate> DATES =
      List.of(
          LocalDate.parse("1990-01-01"),
          LocalDate.parse("2024-02-29"),
          LocalDate.parse("2000-01-01"),
          LocalDate.parse("1970-01-01"));
  private static final List<LocalDateTime> TIMESTAMPS =
      List.of(
          LocalDateTime.parse("2024-01-01T10:00"),
          LocalDateTime.parse("2024-01-01T10:00:00.5"),
          LocalDateTime.parse("2024-01-01T10:00:00.123456"),
          LocalDateTime.parse("2024-01-01T09:59:59.999999"),
          LocalDateTime.parse("1999-12-31T23:59:59"));
  private static final List<UUID> UUIDS =
      List.of(
          UUID.fromString("00000000-0000-0000-0000-000000000001"),
          UUID.fromString("7fffffff-ffff-ffff-ffff-ffffffffffff"),
          UUID.fromString("80000000-0000-0000-0000-000000000000"),
          UUID.fromString("ffffffff-ffff-ffff-8fff-ffffffffffff"),
          UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));

  /** A row value of the column's type, or NULL. */
  private static Arbitrary<Object> rowValue(Column column) {
    Arbitrary<Object> value =
        switch (column) {
          case T -> text().map(v -> v);
          case I -> Arbitraries.of(INTS).map(v -> v);
          case B -> Arbitraries.of(LONGS).map(v -> v);
          case D -> Arbitraries.of(DECIMALS).map(v -> v);
          case F -> Arbitraries.of(DOUBLES).map(v -> v);
          case BO -> Arbitraries.of(true, false).map(v -> v);
          case DT -> Arbitraries.of(DATES).map(v -> v);
          case TS -> Arbitraries.of(TIMESTAMPS).map(v -> v);
          case U -> Arbitraries.of(UUIDS).map(v -> v);
        };
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(1, Arbitraries.just(null)), net.jqwik.api.Tuple.of(6, value));
  }

  /**
   * A filter value as a client writes it in JSON: mostly of the column's type, sometimes another's.
   */
  private static Arbitrary<String> filterValue(Column column) {
    Arbitrary<String> own =
        switch (column) {
          case T -> text().map(FilterAgreementPropertyIT::quote);
          case I ->
              Arbitraries.oneOf(
                  Arbitraries.of(INTS).map(String::valueOf),
                  Arbitraries.of("7.0", "\"007\"", "\"7\"", "7.5", "2147483648", "\" 7 \"", "1e1"));
          case B ->
              Arbitraries.oneOf(
                  Arbitraries.of(LONGS).map(String::valueOf),
                  Arbitraries.of("9223372036854775808", "\"007\"", "9007199254740993.0"));
          case D ->
              Arbitraries.oneOf(
                  Arbitraries.of(DECIMALS).map(BigDecimal::toString),
                  Arbitraries.of(DECIMALS).map(d -> quote(d.toPlainString())),
                  Arbitraries.of(
                      "7.000000000001",
                      "123456789012345678.12345",
                      "1e300",
                      "1e-300",
                      "0.00000000001",
                      "-0"));
          case F ->
              Arbitraries.oneOf(
                  Arbitraries.of(DOUBLES).filter(Double::isFinite).map(String::valueOf),
                  Arbitraries.of(
                      "0.10000000000000001",
                      "\"NaN\"",
                      "\"Infinity\"",
                      "\"-Infinity\"",
                      "1e308",
                      "7",
                      "0.3333333333333333"));
          case BO -> Arbitraries.of("true", "false", "\"TRUE\"", "\"false\"");
          case DT ->
              Arbitraries.oneOf(
                  Arbitraries.of(DATES).map(d -> quote(d.toString())),
                  Arbitraries.of("\"2024-02-28\"", "\"2024-03-01\""));
          case TS ->
              Arbitraries.oneOf(
                  Arbitraries.of(TIMESTAMPS).map(t -> quote(t.toString())),
                  Arbitraries.of(
                      "\"2024-01-01T10:00:00\"",
                      "\"2024-01-01T10:00:00.500\"",
                      "\"2024-01-01T10:00:00Z\"",
                      "\"2024-01-01T12:00:00+02:00\"",
                      "\"2024-01-01T10:00:00.1234564\""));
          case U ->
              Arbitraries.oneOf(
                  Arbitraries.of(UUIDS).map(u -> quote(u.toString())),
                  Arbitraries.of(UUIDS).map(u -> quote(u.toString().toUpperCase())));
        };
    Arbitrary<String> other =
        Arbitraries.of("7", "\"7\"", "true", "\"abc\"", "7.5", "\"2024-01-01\"");
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(9, own), net.jqwik.api.Tuple.of(1, other));
  }

  private static Arbitrary<String> pattern() {
    return Arbitraries.of(
            List.of(
                "a",
                "Σ",
                "σ",
                "ς",
                "İ",
                "i",
                "\uD83D\uDE00",
                "%",
                "_",
                "_",
                "a",
                "A",
                "b",
                "7",
                "%",
                "%",
                "_",
                "_",
                "\\%",
                "\\_",
                "\\\\",
                "é",
                "É",
                "Σ",
                "σ",
                "ς",
                "İ",
                "i",
                "\uFF71",
                "\uD83D\uDE00",
                " "))
        .list()
        .ofMinSize(0)
        .ofMaxSize(5)
        .map(parts -> String.join("", parts))
        .map(FilterAgreementPropertyIT::quote);
  }

  private static final List<FilterOperator> COMPARISONS =
      List.of(
          FilterOperator.EQ,
          FilterOperator.NEQ,
          FilterOperator.GT,
          FilterOperator.GTE,
          FilterOperator.LT,
          FilterOperator.LTE);

  private static Arbitrary<String> filter() {
    // Text four times as often as each other column: it has the most ways to differ (order, LIKE,
    // LOWER).
    Arbitrary<Column> columns =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, Arbitraries.just(Column.T)),
            net.jqwik.api.Tuple.of(
                Column.values().length - 1,
                Arbitraries.of(Column.values()).filter(c -> c != Column.T)));
    return columns.flatMap(
        column -> {
          Arbitrary<FilterOperator> operators =
              column == Column.T
                  ? Arbitraries.of(FilterOperator.values())
                  : Arbitraries.frequencyOf(
                      net.jqwik.api.Tuple.of(
                          40,
                          Arbitraries.of(FilterOperator.values())
                              .filter(o -> o != FilterOperator.LIKE && o != FilterOperator.ILIKE)),
                      net.jqwik.api.Tuple.of(
                          1, Arbitraries.of(FilterOperator.LIKE, FilterOperator.ILIKE)));
          return operators.flatMap(
              operator -> {
                Arbitrary<String> value =
                    switch (operator.arity()) {
                      case NONE -> Arbitraries.just(null);
                      case ONE ->
                          operator == FilterOperator.LIKE || operator == FilterOperator.ILIKE
                              ? pattern()
                              : filterValue(column);
                      case TWO ->
                          Combinators.combine(filterValue(column), filterValue(column))
                              .as((a, b) -> "[" + a + "," + b + "]");
                      case LIST ->
                          filterValue(column)
                              .list()
                              .ofMinSize(1)
                              .ofMaxSize(4)
                              .map(v -> "[" + String.join(",", v) + "]");
                    };
                return Combinators.combine(value, Arbitraries.of(false, false, true))
                    .as(
                        (v, or) ->
                            "{\"column\":\""
                                + column.sqlName()
                                + "\",\"operator\":\""
                                + operator.name().toLowerCase()
                                + "\""
                                + (v == null ? "" : ",\"value\":" + v)
                                + (or ? ",\"logic_operator\":\"OR\"" : "")
                                + "}");
              });
        });
  }

  @Provide
  Arbitrary<Batch> batches() {
    Arbitrary<Map<Column, Object>> row =
        Combinators.combine(
                List.of(Column.values()).stream().map(FilterAgreementPropertyIT::rowValue).toList())
            .as(
                values -> {
                  Map<Column, Object> map = new EnumMap<>(Column.class);
                  for (int i = 0; i < values.size(); i++) {
                    map.put(Column.values()[i], values.get(i));
                  }
                  return map;
                });
    Arbitrary<String> filterList =
        filter()
            .list()
            .ofMinSize(1)
            .ofMaxSize(3)
            .map(filters -> "[" + String.join(",", filters) + "]");
    return Combinators.combine(
            row.list().ofSize(ROWS_PER_TRY), filterList.list().ofSize(FILTERS_PER_TRY))
        .as(Batch::new);
  }

  private static String quote(String text) {
    try {
      return JSON.writeValueAsString(text);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
