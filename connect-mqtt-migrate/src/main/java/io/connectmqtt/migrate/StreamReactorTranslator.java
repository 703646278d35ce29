package io.connectmqtt.migrate;

import io.connectmqtt.migrate.Translation.Direction;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Lenses stream-reactor's MQTT source and sink ({@code connect.mqtt.*} keys, routing in KCQL). Key
 * meanings and units from lensesio/stream-reactor kafka-connect-mqtt (MqttConfigConstants,
 * MqttClientConnectionFn: the timeout and keep-alive go to Paho, which counts seconds).
 */
final class StreamReactorTranslator implements PeerTranslator {

  static final String KCQL = "connect.mqtt.kcql";

  private static final Map<String, String> SOURCE_CONVERTERS =
      Map.of(
          "BytesConverter", "bytes",
          "JsonSimpleConverter", "json",
          "JsonConverterWithSchemaEvolution", "json",
          "JsonOptNullConverter", "json",
          "JsonResilientConverter", "json",
          "JsonPassThroughConverter", "string");

  @Override
  public String peer() {
    return "Lenses stream-reactor MQTT";
  }

  @Override
  public Optional<Direction> direction(String connectorClass) {
    if (!connectorClass.matches(
        "(io\\.lenses|com\\.datamountaineer)\\.streamreactor\\.connect\\.mqtt\\..*")) {
      return Optional.empty();
    }
    return Optional.of(
        connectorClass.endsWith("SinkConnector") ? Direction.SINK : Direction.SOURCE);
  }

  @Override
  public void translate(Translation t) {
    t.serverUris("connect.mqtt.hosts");
    t.username("connect.mqtt.username");
    t.password("connect.mqtt.password");
    t.clientIdPrefix("connect.mqtt.client.id");
    t.qos("connect.mqtt.service.quality", "mqtt.qos");
    t.connectTimeoutSeconds("connect.mqtt.timeout");
    t.keepAliveSeconds("connect.mqtt.keep.alive");
    t.cleanSession("connect.mqtt.clean");
    t.pemTls("connect.mqtt.ssl.ca.cert", "connect.mqtt.ssl.cert", "connect.mqtt.ssl.key");
    t.untranslatedIfSet(
        "connect.progress.enabled",
        "ours counts records in JMX metrics (docs/operations.md), not in log lines");
    t.untranslatedIfSet(
        "connect.mqtt.log.message",
        "set the logger io.connectmqtt to DEBUG/TRACE for per-message logs");
    String kcql = t.take(KCQL);
    List<Kcql> statements = List.of();
    if (kcql == null) {
      t.note(KCQL + " is missing: nothing says which topics to use");
    } else {
      try {
        statements = Kcql.parseAll(kcql);
      } catch (IllegalArgumentException e) {
        t.untranslated(KCQL, e.getMessage());
      }
    }
    if (t.direction() == Direction.SOURCE) {
      translateSource(t, statements);
    } else {
      translateSink(t, statements);
    }
  }

  private static void translateSource(Translation t, List<Kcql> statements) {
    t.number("connect.mqtt.polling.timeout", "poll.timeout.ms", 1, 60_000);
    t.untranslatedIfSet(
        "connect.mqtt.share.replicate",
        "ours gives every task every filter through one "
            + "shared subscription ($share/<mqtt.shared.subscription.group>/<filter>); nothing to replicate");
    t.untranslatedIfSet(
        "connect.mqtt.process.duplicates",
        "ours passes every delivery on, DUP flag or not "
            + "(header mqtt.dup): at least once means a redelivered message may reach Kafka twice");
    t.untranslatedIfSet(
        "connect.mqtt.converter.throw.on.error",
        "ours fails the task on a payload it cannot "
            + "convert (errors.tolerance=none) or, with errors.tolerance=all, sends it to "
            + "errors.deadletterqueue.topic.name; it never drops it silently");
    t.untranslatedIfSet(
        "connect.converter.avro.schemas",
        "ours reads bytes, text or JSON payloads "
            + "(record.value.format); decode Avro payloads downstream");
    for (String key :
        List.of(
            "connect.mqtt.error.policy",
            "connect.mqtt.max.retries",
            "connect.mqtt.retry.interval")) {
      t.untranslatedIfSet(key, "stream-reactor's error policy applies to its sink only");
    }
    if (statements.isEmpty()) {
      return;
    }
    List<String> filters = new ArrayList<>();
    Set<String> groups = new LinkedHashSet<>();
    List<String> rules = new ArrayList<>();
    Set<String> templates = new LinkedHashSet<>();
    Set<String> formats = new LinkedHashSet<>();
    for (Kcql statement : statements) {
      String filter = statement.source();
      if (filter.startsWith("$share/") && filter.indexOf('/', 7) > 0) {
        groups.add(filter.substring(7, filter.indexOf('/', 7)));
        filter = filter.substring(filter.indexOf('/', 7) + 1);
      }
      if (!filters.contains(filter)) {
        filters.add(filter);
      }
      String template =
          "$".equals(statement.target()) ? dynamicTarget(t, filter) : statement.target();
      templates.add(template);
      rules.add(filter + "=>" + template);
      String converter = statement.withConverter();
      String simpleName =
          converter == null
              ? "BytesConverter"
              : converter.substring(converter.lastIndexOf('.') + 1);
      String format = SOURCE_CONVERTERS.get(simpleName);
      if (format == null) {
        t.untranslated(
            KCQL,
            "WITHCONVERTER=`"
                + converter
                + "` in '"
                + statement.statement()
                + "': ours reads "
                + "payloads as bytes, string or json (record.value.format); decode other formats downstream");
      } else {
        formats.add(format);
      }
      reportUnusedClauses(t, statement, statement.withTarget() != null ? "WITHTARGET" : null);
      if (statement.withRegex() != null) {
        t.untranslated(
            KCQL,
            "WITHREGEX=`"
                + statement.withRegex()
                + "` in '"
                + statement.statement()
                + "': ours "
                + "routes by MQTT filter only (kafka.topic.rules); filter further with a Filter transform");
      }
    }
    t.put("mqtt.topics", String.join(",", filters));
    if (templates.size() == 1) {
      t.put("kafka.topic", templates.iterator().next());
    } else {
      t.put("kafka.topic.rules", String.join(",", rules));
    }
    if (groups.size() == 1) {
      t.put("mqtt.shared.subscription.group", groups.iterator().next());
      t.put("mqtt.shared.subscription.enabled", "true");
    } else if (groups.size() > 1) {
      t.untranslated(
          KCQL,
          "shared subscriptions in several groups "
              + groups
              + ": ours uses one group per "
              + "connector (mqtt.shared.subscription.group); create one connector per group");
    }
    if (formats.size() == 1) {
      String format = formats.iterator().next();
      t.put("record.value.format", format);
      if (format.equals("json")) {
        t.put("record.value.json.schemas.enable", "true");
      }
    } else if (formats.size() > 1) {
      t.untranslated(
          KCQL,
          "statements use different converters "
              + formats
              + ": ours has one "
              + "record.value.format per connector; create one connector per format");
    }
    recordKey(t, statements, formats);
    if (statements.size() > 1) {
      t.note(
          "stream-reactor deals its KCQL statements out to the tasks; ours subscribes every task to every "
              + "filter (shared subscription when tasks.max > 1)");
    }
  }

  /** KCQL's target '$': the MQTT topic without its leading '/', levels joined by '_'. */
  private static String dynamicTarget(Translation t, String filter) {
    String[] levels = filter.split("/", -1);
    if (filter.contains("#")) {
      t.note(
          "INSERT INTO `$` ... FROM "
              + filter
              + ": the depth under '#' is open, so ours names the Kafka topic "
              + "${topic} (levels joined by '.', not '_')");
      return "${topic}";
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < levels.length; i++) {
      if (!levels[i].isEmpty()) {
        parts.add("${" + (i + 1) + "}");
      }
    }
    return String.join("_", parts);
  }

  /**
   * WITHKEY(field) on every statement becomes Kafka's ValueToKey and ExtractField$Key transforms;
   * several fields, or keys on only some statements, have no counterpart.
   */
  private static void recordKey(Translation t, List<Kcql> statements, Set<String> formats) {
    Set<List<String>> keys = new LinkedHashSet<>();
    statements.forEach(statement -> keys.add(statement.withKeys()));
    if (keys.equals(Set.of(List.of()))) {
      return;
    }
    List<String> only = keys.size() == 1 ? keys.iterator().next() : List.of();
    if (only.size() != 1 || !formats.equals(Set.of("json"))) {
      for (Kcql statement : statements) {
        if (!statement.withKeys().isEmpty()) {
          t.untranslated(
              KCQL,
              "WITHKEY("
                  + String.join(", ", statement.withKeys())
                  + ") in '"
                  + statement.statement()
                  + "': ours keys records by MQTT topic or level (record.key); one JSON "
                  + "field as the key of every record can be set with the ValueToKey and ExtractField$Key transforms");
        }
      }
      return;
    }
    String field = only.get(0);
    String existing = t.take("transforms");
    t.put("transforms", (existing == null ? "" : existing + ",") + "kcqlKey,kcqlKeyField");
    t.put("transforms.kcqlKey.type", "org.apache.kafka.connect.transforms.ValueToKey");
    t.put("transforms.kcqlKey.fields", field);
    t.put("transforms.kcqlKeyField.type", "org.apache.kafka.connect.transforms.ExtractField$Key");
    t.put("transforms.kcqlKeyField.field", field);
    t.note(
        "WITHKEY("
            + field
            + "): the key is the field's value with its own type (stream-reactor writes a string)");
  }

  private static void translateSink(Translation t, List<Kcql> statements) {
    t.rename("connect.mqtt.retained.messages", "mqtt.retain");
    t.number("connect.mqtt.max.retries", "mqtt.retries.max", 0, Integer.MAX_VALUE);
    t.number("connect.mqtt.retry.interval", "mqtt.retry.backoff.ms", 0, 600_000);
    t.untranslatedIfSet(
        "connect.mqtt.error.policy",
        "ours retries a broker outage itself (mqtt.retries.max, "
            + "mqtt.retry.backoff.ms) and treats a record it cannot publish by Connect's errors.tolerance and dead "
            + "letter queue; it never drops a record silently (NOOP)");
    if (statements.isEmpty()) {
      return;
    }
    Set<String> templates = new LinkedHashSet<>();
    Set<String> kafkaTopics = new LinkedHashSet<>();
    for (Kcql statement : statements) {
      kafkaTopics.add(statement.source());
      templates.add(sinkTarget(statement));
      reportUnusedClauses(t, statement, statement.withConverter() != null ? "WITHCONVERTER" : null);
      if (!statement.withKeys().isEmpty()) {
        t.untranslated(
            KCQL,
            "WITHKEY in '"
                + statement.statement()
                + "': the sink publishes the record value; "
                + "the key can go into the topic (${key})");
      }
    }
    if (t.take("topics") == null && t.take("topics.regex") == null) {
      t.put("topics", String.join(",", kafkaTopics));
    } else {
      t.rename("topics", "topics");
      t.rename("topics.regex", "topics.regex");
    }
    if (templates.size() == 1) {
      t.put("mqtt.topic", templates.iterator().next());
    } else {
      t.untranslated(
          KCQL,
          "the statements publish to different MQTT topics "
              + templates
              + ": ours has one "
              + "mqtt.topic template per connector; create one connector per statement (or use ${topic} in one "
              + "template)");
    }
  }

  /** Where a sink statement publishes, as our mqtt.topic template. */
  private static String sinkTarget(Kcql statement) {
    String target = statement.target();
    if (target.equalsIgnoreCase("_key")) {
      return "${key}";
    }
    if (target.equalsIgnoreCase("_topic")) {
      return "${topic}";
    }
    if ("true".equalsIgnoreCase(statement.properties().get("mqtt.target.from.field"))) {
      return "${value." + target + "}";
    }
    if (statement.withTarget() != null) {
      return "${value." + statement.withTarget() + "}";
    }
    return target;
  }

  private static void reportUnusedClauses(Translation t, Kcql statement, String unusedClause) {
    if (!statement.selectsAll()) {
      t.untranslated(
          KCQL,
          "SELECT "
              + String.join(", ", statement.fields())
              + " in '"
              + statement.statement()
              + "': ours carries the whole payload; drop fields with the ReplaceField transform");
    }
    if (unusedClause != null) {
      t.untranslated(
          KCQL,
          unusedClause + " in '" + statement.statement() + "' has no meaning in this direction");
    }
    for (Map.Entry<String, String> property : statement.properties().entrySet()) {
      if (!property.getKey().equals("mqtt.target.from.field")) {
        t.untranslated(
            KCQL,
            "PROPERTIES('"
                + property.getKey()
                + "'='"
                + property.getValue()
                + "') in '"
                + statement.statement()
                + "' has no counterpart");
      }
    }
    for (String clause : statement.otherClauses()) {
      t.untranslated(KCQL, clause + " in '" + statement.statement() + "' has no counterpart");
    }
  }
}
