package io.connectmqtt.sparkplug;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import io.connectmqtt.sparkplug.SparkplugTopic.MessageType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Sparkplug B payload bytes to a {@link SparkplugSchemas#MESSAGE} struct. A DATA (or command, or
 * DEATH) metric that carries only an alias, or leaves its datatype out, is read with the {@link
 * BirthCertificate} of its node or device; one the certificate does not know keeps its alias, gets
 * no name, and is counted in {@code unresolvedAliases}; its value is then read by the protobuf
 * field it came in (an int_value as Int32, and so on) with no datatype named.
 */
public final class SparkplugDecoder {

  /** The decoded message, and for a BIRTH the certificate its metrics declare. */
  public record Decoded(
      Struct message, int unresolved, BirthCertificate birth, Long seq, Long bdSeq) {}

  /** A payload that is not Sparkplug B; the message says why. */
  public static final class SparkplugException extends Exception {
    private static final long serialVersionUID = 1L;

    public SparkplugException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  static final String BD_SEQ = "bdSeq";

  /**
   * Decodes a message of {@code topic}; {@code birth} is what its node or device declared last (may
   * be null).
   */
  public Decoded decode(SparkplugTopic topic, byte[] bytes, BirthCertificate birth)
      throws SparkplugException {
    if (topic.type() == MessageType.STATE) {
      return new Decoded(state(topic, bytes), 0, null, null, null);
    }
    Payload payload;
    try {
      payload = Payload.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new SparkplugException("not a Sparkplug B payload: " + e.getMessage(), e);
    }
    Struct message = header(topic);
    message.put("timestamp", payload.hasTimestamp() ? payload.getTimestamp() : null);
    message.put("seq", payload.hasSeq() ? payload.getSeq() : null);
    message.put("uuid", payload.hasUuid() ? payload.getUuid() : null);
    message.put("body", payload.hasBody() ? payload.getBody().toByteArray() : null);
    BirthCertificate declared = topic.type().isBirth() ? new BirthCertificate() : null;
    BirthCertificate known = topic.type().isBirth() ? null : birth;
    int unresolved = 0;
    Long bdSeq = null;
    List<Struct> metrics = new ArrayList<>(payload.getMetricsCount());
    try {
      for (Payload.Metric metric : payload.getMetricsList()) {
        String name = metric.hasName() ? metric.getName() : null;
        DataType type =
            metric.hasDatatype() ? SparkplugValues.dataType(metric.getDatatype()) : null;
        if ((name == null || type == null) && metric.hasAlias() && known != null) {
          BirthCertificate.Definition definition = known.byAlias(metric.getAlias());
          if (definition != null) {
            name = name == null ? definition.name() : name;
            type = type == null ? definition.type() : type;
          }
        }
        if (type == null && name != null && known != null) {
          type = known.typeOf(name);
        }
        if (name == null) {
          unresolved++;
        }
        Struct decoded = metric(metric, name, type, 0);
        metrics.add(decoded);
        if (declared != null) {
          declared.declare(name, metric.hasAlias() ? metric.getAlias() : null, type);
        }
        if (BD_SEQ.equals(name) && metric.hasLongValue()) {
          bdSeq = metric.getLongValue();
        }
      }
    } catch (IllegalArgumentException e) {
      throw new SparkplugException("a metric cannot be read: " + e.getMessage(), e);
    }
    message.put("metrics", metrics);
    message.put("unresolvedAliases", unresolved);
    return new Decoded(
        message, unresolved, declared, payload.hasSeq() ? payload.getSeq() : null, bdSeq);
  }

  /**
   * The {@code bdSeq} metric of an NBIRTH or NDEATH payload, without decoding the rest; null when
   * it has none or is not a Sparkplug B payload.
   */
  public static Long bdSeq(byte[] bytes) {
    try {
      for (Payload.Metric metric : Payload.parseFrom(bytes).getMetricsList()) {
        if (BD_SEQ.equals(metric.getName()) && metric.hasLongValue()) {
          return metric.getLongValue();
        }
      }
    } catch (InvalidProtocolBufferException notSparkplug) {
      // Presence reads only the topic of such a message; an unknown bdSeq checks nothing.
    }
    return null;
  }

  private static Struct header(SparkplugTopic topic) {
    return new Struct(SparkplugSchemas.MESSAGE)
        .put("namespace", SparkplugTopic.NAMESPACE)
        .put("group", topic.group())
        .put("messageType", topic.type().name())
        .put("edgeNode", topic.edgeNode())
        .put("device", topic.device())
        .put("hostId", topic.hostId());
  }

  /**
   * A host application's STATE: JSON {"online": ..., "timestamp": ...} in Sparkplug 3.0,
   * ONLINE/OFFLINE before.
   */
  private static Struct state(SparkplugTopic topic, byte[] bytes) throws SparkplugException {
    Struct message = header(topic);
    String text = new String(bytes, StandardCharsets.UTF_8).trim();
    if (text.equals("ONLINE") || text.equals("OFFLINE")) {
      return message.put("online", text.equals("ONLINE"));
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject() || !node.path("online").isBoolean()) {
        throw new SparkplugException("a STATE payload is JSON with a boolean 'online'", null);
      }
      message.put("online", node.get("online").booleanValue());
      if (node.path("timestamp").canConvertToLong()) {
        message.put("timestamp", node.get("timestamp").longValue());
      }
      return message;
    } catch (IOException e) {
      throw new SparkplugException(
          "a STATE payload is JSON with a boolean 'online': " + e.getMessage(), e);
    }
  }

  private static Struct metric(Payload.Metric m, String name, DataType type, int depth) {
    Struct out =
        new Struct(SparkplugSchemas.metric(depth))
            .put("name", name)
            .put("alias", m.hasAlias() ? m.getAlias() : null)
            .put("timestamp", m.hasTimestamp() ? m.getTimestamp() : null)
            .put("datatype", type == null ? null : type.name())
            .put("isHistorical", m.hasIsHistorical() ? m.getIsHistorical() : null)
            .put("isTransient", m.hasIsTransient() ? m.getIsTransient() : null)
            .put("isNull", m.hasIsNull() ? m.getIsNull() : null)
            .put("metadata", m.hasMetadata() ? metadata(m.getMetadata()) : null)
            .put("properties", m.hasProperties() ? properties(m.getProperties(), 0) : null);
    if (m.getIsNull() || m.getValueCase() == Payload.Metric.ValueCase.VALUE_NOT_SET) {
      return out;
    }
    DataType effective = type != null ? type : guess(m.getValueCase());
    switch (effective) {
      case DataSet -> out.put("dataSet", dataSet(m.getDatasetValue()));
      case Template -> out.put("template", template(m.getTemplateValue(), depth));
      default -> out.put("value", SparkplugValues.read(effective, m));
    }
    return out;
  }

  private static DataType guess(Payload.Metric.ValueCase valueCase) {
    return switch (valueCase) {
      case INT_VALUE -> DataType.Int32;
      case LONG_VALUE -> DataType.Int64;
      case FLOAT_VALUE -> DataType.Float;
      case DOUBLE_VALUE -> DataType.Double;
      case BOOLEAN_VALUE -> DataType.Boolean;
      case STRING_VALUE -> DataType.String;
      case DATASET_VALUE -> DataType.DataSet;
      case TEMPLATE_VALUE -> DataType.Template;
      default -> DataType.Bytes;
    };
  }

  private static Struct metadata(Payload.MetaData m) {
    return new Struct(SparkplugSchemas.METADATA)
        .put("isMultiPart", m.hasIsMultiPart() ? m.getIsMultiPart() : null)
        .put("contentType", m.hasContentType() ? m.getContentType() : null)
        .put("size", m.hasSize() ? m.getSize() : null)
        .put("seq", m.hasSeq() ? m.getSeq() : null)
        .put("fileName", m.hasFileName() ? m.getFileName() : null)
        .put("fileType", m.hasFileType() ? m.getFileType() : null)
        .put("md5", m.hasMd5() ? m.getMd5() : null)
        .put("description", m.hasDescription() ? m.getDescription() : null);
  }

  private static Map<String, Struct> properties(Payload.PropertySet set, int depth) {
    if (depth > SparkplugSchemas.MAX_PROPERTY_DEPTH) {
      throw new IllegalArgumentException(
          "property sets nested deeper than " + SparkplugSchemas.MAX_PROPERTY_DEPTH);
    }
    if (set.getKeysCount() != set.getValuesCount()) {
      throw new IllegalArgumentException(
          "a property set has "
              + set.getKeysCount()
              + " keys and "
              + set.getValuesCount()
              + " values");
    }
    Schema schema = SparkplugSchemas.propertyValue(depth);
    Map<String, Struct> out = new LinkedHashMap<>();
    for (int i = 0; i < set.getKeysCount(); i++) {
      Payload.PropertyValue p = set.getValues(i);
      DataType type = SparkplugValues.dataType(p.getType());
      Struct value =
          new Struct(schema)
              .put("type", type.name())
              .put("isNull", p.hasIsNull() ? p.getIsNull() : null);
      if (!p.getIsNull()) {
        switch (type) {
          case PropertySet ->
              value.put("propertySet", properties(p.getPropertysetValue(), depth + 1));
          case PropertySetList -> {
            List<Map<String, Struct>> sets = new ArrayList<>();
            for (Payload.PropertySet nested : p.getPropertysetsValue().getPropertysetList()) {
              sets.add(properties(nested, depth + 1));
            }
            value.put("propertySets", sets);
          }
          default -> value.put("value", SparkplugValues.read(type, p));
        }
      }
      out.put(set.getKeys(i), value);
    }
    return out;
  }

  private static Struct dataSet(Payload.DataSet d) {
    List<DataType> types = d.getTypesList().stream().map(SparkplugValues::dataType).toList();
    List<List<Struct>> rows = new ArrayList<>(d.getRowsCount());
    for (Payload.DataSet.Row row : d.getRowsList()) {
      if (row.getElementsCount() != types.size()) {
        throw new IllegalArgumentException(
            "a data set row has "
                + row.getElementsCount()
                + " values for "
                + types.size()
                + " column types");
      }
      List<Struct> cells = new ArrayList<>(row.getElementsCount());
      for (int i = 0; i < row.getElementsCount(); i++) {
        Payload.DataSet.DataSetValue v = row.getElements(i);
        cells.add(
            v.getValueCase() == Payload.DataSet.DataSetValue.ValueCase.VALUE_NOT_SET
                ? null
                : SparkplugValues.read(types.get(i), v));
      }
      rows.add(cells);
    }
    return new Struct(SparkplugSchemas.DATASET)
        .put("numOfColumns", d.hasNumOfColumns() ? d.getNumOfColumns() : null)
        .put("columns", List.copyOf(d.getColumnsList()))
        .put("types", types.stream().map(DataType::name).toList())
        .put("rows", rows);
  }

  private static Struct template(Payload.Template t, int depth) {
    if (depth + 1 > SparkplugSchemas.MAX_TEMPLATE_DEPTH) {
      throw new IllegalArgumentException(
          "templates nested deeper than " + SparkplugSchemas.MAX_TEMPLATE_DEPTH);
    }
    Schema schema = SparkplugSchemas.metric(depth).field("template").schema();
    List<Struct> parameters = new ArrayList<>(t.getParametersCount());
    for (Payload.Template.Parameter p : t.getParametersList()) {
      DataType type = SparkplugValues.dataType(p.getType());
      parameters.add(
          new Struct(SparkplugSchemas.PARAMETER)
              .put("name", p.hasName() ? p.getName() : null)
              .put("type", type.name())
              .put(
                  "value",
                  p.getValueCase() == Payload.Template.Parameter.ValueCase.VALUE_NOT_SET
                      ? null
                      : SparkplugValues.read(type, p)));
    }
    List<Struct> members = new ArrayList<>(t.getMetricsCount());
    for (Payload.Metric member : t.getMetricsList()) {
      members.add(
          metric(
              member,
              member.hasName() ? member.getName() : null,
              member.hasDatatype() ? SparkplugValues.dataType(member.getDatatype()) : null,
              depth + 1));
    }
    return new Struct(schema)
        .put("version", t.hasVersion() ? t.getVersion() : null)
        .put("templateRef", t.hasTemplateRef() ? t.getTemplateRef() : null)
        .put("isDefinition", t.hasIsDefinition() ? t.getIsDefinition() : null)
        .put("parameters", parameters)
        .put("metrics", members);
  }
}
