package io.connectmqtt.entitysync;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The reachable entities, their columns, types and primary keys, read from JDBC metadata. Only
 * configured tables are reachable; identifiers in SQL come only from here.
 */
final class Catalog {

  record Column(String name, int jdbcType, String typeName, boolean nullable, boolean generated) {}

  /**
   * A single-column foreign key of an entity: {@code column} refers to {@code referencedColumn} of
   * another table.
   */
  record ForeignKey(
      String column, String referencedSchema, String referencedTable, String referencedColumn) {}

  /**
   * A relation a read can preload: many-to-one (named after the referenced table; {@code
   * localColumn} holds the key of one {@code target} row) or one-to-many (named after the
   * referencing table; {@code targetColumn} of many {@code target} rows holds this row's {@code
   * localColumn}).
   */
  record Relation(
      String name, boolean many, Entity target, String localColumn, String targetColumn) {}

  record Entity(
      String schema,
      String table,
      Map<String, Column> columns,
      List<String> primaryKey,
      List<ForeignKey> foreignKeys) {
    String qualifiedName() {
      return schema + "." + table;
    }

    Optional<Column> column(String name) {
      return Optional.ofNullable(columns.get(name));
    }

    String singleKey() {
      return primaryKey.get(0);
    }
  }

  private final DataSource dataSource;
  private final Dialect dialect;
  private final List<String> configured;
  private final String defaultSchema;
  private final Map<String, Entity> entities = new ConcurrentHashMap<>();

  /**
   * @param configured "schema.table" names, or "schema.*" for every table of a schema
   */
  Catalog(DataSource dataSource, Dialect dialect, List<String> configured, String defaultSchema) {
    this.dataSource = dataSource;
    this.dialect = dialect;
    this.configured = configured;
    this.defaultSchema = defaultSchema;
  }

  /** Reads (again) the metadata of every configured entity. */
  void refresh() throws SQLException {
    Map<String, Entity> loaded = new LinkedHashMap<>();
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData metadata = connection.getMetaData();
      for (String name : configured) {
        String[] parts = name.trim().split("\\.", 2);
        String schema = parts.length == 2 ? parts[0] : defaultSchema;
        String table = parts.length == 2 ? parts[1] : parts[0];
        for (String[] found : tables(metadata, schema, table.equals("*") ? "%" : table)) {
          Entity entity = load(metadata, found[0], found[1]);
          if (entity != null) {
            loaded.put(key(entity.schema(), entity.table()), entity);
          }
        }
      }
    }
    entities.clear();
    entities.putAll(loaded);
  }

  private List<String[]> tables(DatabaseMetaData metadata, String schema, String pattern)
      throws SQLException {
    List<String[]> found = new ArrayList<>();
    for (String candidateSchema :
        List.of(schema, schema.toUpperCase(Locale.ROOT), schema.toLowerCase(Locale.ROOT))) {
      try (ResultSet rows =
          dialect.schemasAreCatalogs()
              ? metadata.getTables(candidateSchema, null, pattern, new String[] {"TABLE"})
              : metadata.getTables(null, candidateSchema, pattern, new String[] {"TABLE"})) {
        while (rows.next()) {
          found.add(new String[] {schemaOf(rows, "TABLE"), rows.getString("TABLE_NAME")});
        }
      }
      if (!found.isEmpty()) {
        break;
      }
    }
    return found;
  }

  /**
   * The schema of a metadata row whose columns start with {@code prefix} (TABLE, PKTABLE):
   * TABLE_SCHEM, or TABLE_CAT where databases are catalogs.
   */
  private String schemaOf(ResultSet rows, String prefix) throws SQLException {
    return rows.getString(prefix + (dialect.schemasAreCatalogs() ? "_CAT" : "_SCHEM"));
  }

  private String catalog(String schema) {
    return dialect.schemasAreCatalogs() ? schema : null;
  }

  private String schemaPattern(String schema) {
    return dialect.schemasAreCatalogs() ? null : schema;
  }

  private Entity load(DatabaseMetaData metadata, String schema, String table) throws SQLException {
    Map<String, Column> columns = new LinkedHashMap<>();
    try (ResultSet rows = metadata.getColumns(catalog(schema), schemaPattern(schema), table, "%")) {
      while (rows.next()) {
        String generated = safeString(rows, "IS_GENERATEDCOLUMN");
        String auto = safeString(rows, "IS_AUTOINCREMENT");
        columns.put(
            rows.getString("COLUMN_NAME"),
            new Column(
                rows.getString("COLUMN_NAME"),
                rows.getInt("DATA_TYPE"),
                rows.getString("TYPE_NAME"),
                rows.getInt("NULLABLE") != DatabaseMetaData.columnNoNulls,
                "YES".equals(generated) || "YES".equals(auto)));
      }
    }
    List<String> primaryKey = new ArrayList<>();
    try (ResultSet rows = metadata.getPrimaryKeys(catalog(schema), schemaPattern(schema), table)) {
      Map<Integer, String> bySequence = new java.util.TreeMap<>();
      while (rows.next()) {
        bySequence.put(rows.getInt("KEY_SEQ"), rows.getString("COLUMN_NAME"));
      }
      primaryKey.addAll(bySequence.values());
    }
    if (columns.isEmpty() || primaryKey.size() != 1) {
      // Entities need exactly one primary-key column: record_id addresses a row by it.
      return null;
    }
    return new Entity(
        schema,
        table,
        Map.copyOf(columns),
        List.copyOf(primaryKey),
        foreignKeys(metadata, schema, table));
  }

  /** Single-column foreign keys only: a composite key cannot be followed from one record id. */
  private List<ForeignKey> foreignKeys(DatabaseMetaData metadata, String schema, String table)
      throws SQLException {
    Map<String, List<ForeignKey>> byName = new LinkedHashMap<>();
    try (ResultSet rows = metadata.getImportedKeys(catalog(schema), schemaPattern(schema), table)) {
      while (rows.next()) {
        String name =
            rows.getString("FK_NAME") == null
                ? rows.getString("FKCOLUMN_NAME")
                : rows.getString("FK_NAME");
        byName
            .computeIfAbsent(name, n -> new ArrayList<>())
            .add(
                new ForeignKey(
                    rows.getString("FKCOLUMN_NAME"),
                    schemaOf(rows, "PKTABLE"),
                    rows.getString("PKTABLE_NAME"),
                    rows.getString("PKCOLUMN_NAME")));
      }
    }
    return byName.values().stream()
        .filter(keys -> keys.size() == 1)
        .map(keys -> keys.get(0))
        .toList();
  }

  /**
   * The relations of {@code entity} to other configured entities, by name. When two relations would
   * share a name (two foreign keys to one table), each is named {@code table.column} instead, after
   * its foreign-key column.
   */
  Map<String, Relation> relations(Entity entity) {
    List<Relation> found = new ArrayList<>();
    for (ForeignKey key : entity.foreignKeys()) {
      find(key.referencedSchema(), key.referencedTable())
          .ifPresent(
              target ->
                  found.add(
                      new Relation(
                          target.table(), false, target, key.column(), key.referencedColumn())));
    }
    for (Entity other : entities.values()) {
      for (ForeignKey key : other.foreignKeys()) {
        if (key.referencedSchema().equalsIgnoreCase(entity.schema())
            && key.referencedTable().equalsIgnoreCase(entity.table())) {
          found.add(new Relation(other.table(), true, other, key.referencedColumn(), key.column()));
        }
      }
    }
    Map<String, Long> counts = new java.util.HashMap<>();
    found.forEach(r -> counts.merge(r.name().toLowerCase(Locale.ROOT), 1L, Long::sum));
    Map<String, Relation> named = new LinkedHashMap<>();
    for (Relation relation : found) {
      boolean ambiguous = counts.get(relation.name().toLowerCase(Locale.ROOT)) > 1;
      String name =
          ambiguous
              ? relation.name()
                  + "."
                  + (relation.many() ? relation.targetColumn() : relation.localColumn())
              : relation.name();
      named.put(
          name.toLowerCase(Locale.ROOT),
          new Relation(
              name,
              relation.many(),
              relation.target(),
              relation.localColumn(),
              relation.targetColumn()));
    }
    return named;
  }

  private static String safeString(ResultSet rows, String column) {
    try {
      return rows.getString(column);
    } catch (SQLException e) {
      return null;
    }
  }

  /**
   * The entity a request names, matching schema and table case-insensitively; empty when not
   * configured.
   */
  Optional<Entity> find(String schema, String table) {
    String wantedSchema = schema == null || schema.isEmpty() ? defaultSchema : schema;
    return Optional.ofNullable(entities.get(key(wantedSchema, table)));
  }

  List<Entity> all() {
    return List.copyOf(entities.values());
  }

  private static String key(String schema, String table) {
    return schema.toLowerCase(Locale.ROOT) + "." + table.toLowerCase(Locale.ROOT);
  }
}
