package io.connectmqtt.common;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;
import org.apache.kafka.common.config.types.Password;

/**
 * Markdown configuration reference generated from a {@link ConfigDef}, grouped and ordered as
 * defined.
 */
public final class ConfigDocs {
  private ConfigDocs() {}

  public static String markdown(String title, String intro, ConfigDef configDef) {
    Map<String, List<ConfigKey>> groups = new LinkedHashMap<>();
    // Internal keys (the task keys a connector sets) are not a user's to set.
    List<ConfigKey> keys =
        new ArrayList<>(
            configDef.configKeys().values().stream().filter(key -> !key.internalConfig).toList());
    List<String> groupOrder = configDef.groups();
    keys.sort(
        Comparator.<ConfigKey>comparingInt(
                k -> k.group == null ? Integer.MAX_VALUE : groupOrder.indexOf(k.group))
            .thenComparingInt(k -> k.orderInGroup)
            .thenComparing(k -> k.name));
    for (ConfigKey key : keys) {
      groups
          .computeIfAbsent(key.group == null ? "Other" : key.group, g -> new ArrayList<>())
          .add(key);
    }
    StringBuilder out = new StringBuilder();
    out.append("# ").append(title).append("\n\n");
    out.append(
        "<!-- Generated from the connector's ConfigDef by ConfigReferenceTest; do not edit by hand. -->\n\n");
    out.append(intro).append("\n\n");
    for (Map.Entry<String, List<ConfigKey>> group : groups.entrySet()) {
      out.append("## ").append(group.getKey()).append("\n\n");
      for (ConfigKey key : group.getValue()) {
        out.append("### `").append(key.name).append("`\n\n");
        out.append(escape(key.documentation)).append("\n\n");
        out.append("- Type: ").append(key.type.name().toLowerCase()).append("\n");
        out.append("- Default: ").append(defaultValue(key)).append("\n");
        if (key.validator != null) {
          out.append("- Valid values: ").append(escape(key.validator.toString())).append("\n");
        }
        out.append("- Importance: ").append(key.importance.name().toLowerCase()).append("\n\n");
      }
    }
    return out.toString();
  }

  private static String defaultValue(ConfigKey key) {
    if (!key.hasDefault()) {
      return "(required)";
    }
    Object value = key.defaultValue;
    if (value == null) {
      return "null";
    }
    if (value instanceof Password) {
      return "[hidden]";
    }
    String text =
        value instanceof List<?> list
            ? String.join(",", list.stream().map(String::valueOf).toList())
            : String.valueOf(value);
    return text.isEmpty() ? "\"\"" : "`" + text + "`";
  }

  private static String escape(String text) {
    return text == null ? "" : text.replace("<", "&lt;").replace(">", "&gt;");
  }
}
