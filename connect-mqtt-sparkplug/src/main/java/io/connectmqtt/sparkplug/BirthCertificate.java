package io.connectmqtt.sparkplug;

import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the last NBIRTH or DBIRTH of one edge node or device declared: each metric's name and
 * datatype, by alias and by name. DATA messages may carry only aliases and leave the datatype out;
 * this is how they are read.
 */
public final class BirthCertificate {

  /** A metric as its BIRTH declared it. */
  public record Definition(String name, DataType type) {}

  private final Map<Long, Definition> byAlias = new HashMap<>();
  private final Map<String, DataType> typeByName = new HashMap<>();

  /** Adds a metric of the BIRTH; a metric without alias is still known by name. */
  public void declare(String name, Long alias, DataType type) {
    if (alias != null) {
      byAlias.put(alias, new Definition(name, type));
    }
    if (name != null) {
      typeByName.put(name, type);
    }
  }

  public Definition byAlias(long alias) {
    return byAlias.get(alias);
  }

  public DataType typeOf(String name) {
    return typeByName.get(name);
  }

  /** The declarations as a list of [name, alias, datatype number], for storing (source offsets). */
  public List<List<Object>> toList() {
    Map<String, Long> aliasOf = new HashMap<>();
    byAlias.forEach((alias, definition) -> aliasOf.put(definition.name(), alias));
    return typeByName.entrySet().stream()
        .map(
            e ->
                java.util.Arrays.<Object>asList(
                    e.getKey(), aliasOf.get(e.getKey()), e.getValue().getNumber()))
        .toList();
  }

  /** The inverse of {@link #toList()}. */
  public static BirthCertificate fromList(List<?> stored) {
    BirthCertificate birth = new BirthCertificate();
    for (Object entry : stored) {
      List<?> fields = (List<?>) entry;
      Object alias = fields.get(1);
      birth.declare(
          (String) fields.get(0),
          alias == null ? null : ((Number) alias).longValue(),
          SparkplugValues.dataType(((Number) fields.get(2)).intValue()));
    }
    return birth;
  }

  public int size() {
    return typeByName.size();
  }
}
