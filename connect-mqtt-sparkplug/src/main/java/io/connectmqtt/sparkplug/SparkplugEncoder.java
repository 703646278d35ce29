package io.connectmqtt.sparkplug;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.DataType;
import io.connectmqtt.sparkplug.proto.SparkplugBProto.Payload;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;

/**
 * A {@link SparkplugSchemas#MESSAGE} struct (or one with a subset of its fields, matched by name)
 * to the topic and payload bytes of a Sparkplug B message: the inverse of {@link SparkplugDecoder}.
 * Every metric needs its datatype; the value sits in the field of {@code value} its datatype names,
 * or in {@code dataSet} / {@code template}.
 */
public final class SparkplugEncoder {

  /** The topic and payload of an encoded message. */
  public record Encoded(SparkplugTopic topic, byte[] payload) {}

  private SparkplugEncoder() {}

  /**
   * The topic the struct names (group, edgeNode, device, messageType: DCMD with a device, NCMD
   * without).
   */
  public static SparkplugTopic topic(Struct message) {
    String group = text(message, "group");
    String node = text(message, "edgeNode");
    if (group == null || node == null) {
      throw new IllegalArgumentException("a Sparkplug message needs 'group' and 'edgeNode'");
    }
    String device = text(message, "device");
    String type = text(message, "messageType");
    SparkplugTopic topic =
        type == null
            ? SparkplugTopic.command(group, node, device)
            : SparkplugTopic.parse(
                SparkplugTopic.NAMESPACE
                    + "/"
                    + group
                    + "/"
                    + type
                    + "/"
                    + node
                    + (device == null ? "" : "/" + device));
    return topic;
  }

  /**
   * The payload of {@code message}; throws IllegalArgumentException naming the field that is wrong.
   */
  public static byte[] payload(Struct message) {
    Payload.Builder payload = Payload.newBuilder();
    Long timestamp = (Long) get(message, "timestamp");
    if (timestamp != null) {
      payload.setTimestamp(timestamp);
    }
    Long seq = (Long) get(message, "seq");
    if (seq != null) {
      payload.setSeq(seq);
    }
    String uuid = text(message, "uuid");
    if (uuid != null) {
      payload.setUuid(uuid);
    }
    byte[] body = (byte[]) get(message, "body");
    if (body != null) {
      payload.setBody(ByteString.copyFrom(body));
    }
    List<?> metrics = (List<?>) get(message, "metrics");
    if (metrics != null) {
      for (int i = 0; i < metrics.size(); i++) {
        try {
          payload.addMetrics(metric((Struct) metrics.get(i)));
        } catch (IllegalArgumentException | ClassCastException e) {
          throw new IllegalArgumentException("metrics[" + i + "]: " + e.getMessage(), e);
        }
      }
    }
    return payload.build().toByteArray();
  }

  /**
   * Both: the topic must be NCMD or DCMD, since the sink commands edge nodes and devices and speaks
   * for no node.
   */
  public static Encoded command(Struct message) {
    SparkplugTopic topic = topic(message);
    if (!topic.type().isCommand()) {
      throw new IllegalArgumentException(
          "messageType is " + topic.type() + "; the sink sends NCMD or DCMD only");
    }
    return new Encoded(topic, payload(message));
  }

  private static Payload.Metric metric(Struct m) {
    Payload.Metric.Builder b = Payload.Metric.newBuilder();
    String name = text(m, "name");
    if (name != null) {
      b.setName(name);
    }
    Long alias = (Long) get(m, "alias");
    if (alias != null) {
      b.setAlias(alias);
    }
    if (name == null && alias == null) {
      throw new IllegalArgumentException("a metric needs a name or an alias");
    }
    Long timestamp = (Long) get(m, "timestamp");
    if (timestamp != null) {
      b.setTimestamp(timestamp);
    }
    Boolean historical = (Boolean) get(m, "isHistorical");
    if (historical != null) {
      b.setIsHistorical(historical);
    }
    Boolean transientFlag = (Boolean) get(m, "isTransient");
    if (transientFlag != null) {
      b.setIsTransient(transientFlag);
    }
    Struct metadata = (Struct) get(m, "metadata");
    if (metadata != null) {
      b.setMetadata(metadata(metadata));
    }
    @SuppressWarnings("unchecked")
    Map<String, Struct> properties = (Map<String, Struct>) get(m, "properties");
    if (properties != null) {
      b.setProperties(properties(properties));
    }
    String typeName = text(m, "datatype");
    if (typeName == null) {
      throw new IllegalArgumentException(
          "metric '" + (name != null ? name : alias) + "' has no datatype");
    }
    DataType type = type(typeName);
    b.setDatatype(type.getNumber());
    Boolean isNull = (Boolean) get(m, "isNull");
    if (isNull != null) {
      b.setIsNull(isNull);
    }
    if (Boolean.TRUE.equals(isNull)) {
      return b.build();
    }
    switch (SparkplugValues.slot(type)) {
      case DATASET -> b.setDatasetValue(dataSet((Struct) get(m, "dataSet")));
      case TEMPLATE -> b.setTemplateValue(template((Struct) get(m, "template")));
      default -> {
        Struct value = (Struct) get(m, "value");
        if (value == null) {
          throw new IllegalArgumentException(
              "metric '"
                  + (name != null ? name : alias)
                  + "' has no value; set "
                  + "isNull=true for a null");
        }
        setScalar(b, type, value);
      }
    }
    return b.build();
  }

  private static DataType type(String name) {
    try {
      return DataType.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown Sparkplug datatype '" + name + "'", e);
    }
  }

  private static Payload.MetaData metadata(Struct m) {
    Payload.MetaData.Builder b = Payload.MetaData.newBuilder();
    if (get(m, "isMultiPart") != null) {
      b.setIsMultiPart((Boolean) get(m, "isMultiPart"));
    }
    if (get(m, "contentType") != null) {
      b.setContentType(text(m, "contentType"));
    }
    if (get(m, "size") != null) {
      b.setSize((Long) get(m, "size"));
    }
    if (get(m, "seq") != null) {
      b.setSeq((Long) get(m, "seq"));
    }
    if (get(m, "fileName") != null) {
      b.setFileName(text(m, "fileName"));
    }
    if (get(m, "fileType") != null) {
      b.setFileType(text(m, "fileType"));
    }
    if (get(m, "md5") != null) {
      b.setMd5(text(m, "md5"));
    }
    if (get(m, "description") != null) {
      b.setDescription(text(m, "description"));
    }
    return b.build();
  }

  @SuppressWarnings("unchecked")
  private static Payload.PropertySet properties(Map<String, Struct> properties) {
    Payload.PropertySet.Builder set = Payload.PropertySet.newBuilder();
    properties.forEach(
        (key, p) -> {
          DataType type = type(text(p, "type"));
          Payload.PropertyValue.Builder value =
              Payload.PropertyValue.newBuilder().setType(type.getNumber());
          Boolean isNull = (Boolean) get(p, "isNull");
          if (isNull != null) {
            value.setIsNull(isNull);
          }
          if (!Boolean.TRUE.equals(isNull)) {
            switch (SparkplugValues.slot(type)) {
              case PROPERTY_SET ->
                  value.setPropertysetValue(
                      properties((Map<String, Struct>) get(p, "propertySet")));
              case PROPERTY_SETS -> {
                Payload.PropertySetList.Builder list = Payload.PropertySetList.newBuilder();
                for (Object nested : (List<?>) get(p, "propertySets")) {
                  list.addPropertyset(properties((Map<String, Struct>) nested));
                }
                value.setPropertysetsValue(list);
              }
              default -> {
                setScalar(value, type, (Struct) get(p, "value"));
              }
            }
          }
          set.addKeys(key).addValues(value);
        });
    return set.build();
  }

  private static Payload.DataSet dataSet(Struct d) {
    if (d == null) {
      throw new IllegalArgumentException("a DataSet metric needs 'dataSet'");
    }
    Payload.DataSet.Builder b = Payload.DataSet.newBuilder();
    List<?> columns = (List<?>) get(d, "columns");
    List<?> typeNames = (List<?>) get(d, "types");
    Long numOfColumns = (Long) get(d, "numOfColumns");
    b.setNumOfColumns(numOfColumns != null ? numOfColumns : typeNames.size());
    columns.forEach(column -> b.addColumns((String) column));
    List<DataType> types = typeNames.stream().map(t -> type((String) t)).toList();
    types.forEach(t -> b.addTypes(t.getNumber()));
    List<?> rows = (List<?>) get(d, "rows");
    for (Object row : rows == null ? List.of() : rows) {
      List<?> cells = (List<?>) row;
      if (cells.size() != types.size()) {
        throw new IllegalArgumentException(
            "a data set row has " + cells.size() + " values for " + types.size() + " columns");
      }
      Payload.DataSet.Row.Builder r = Payload.DataSet.Row.newBuilder();
      for (int i = 0; i < cells.size(); i++) {
        Payload.DataSet.DataSetValue.Builder v = Payload.DataSet.DataSetValue.newBuilder();
        if (cells.get(i) != null) {
          setScalar(v, types.get(i), (Struct) cells.get(i));
        }
        r.addElements(v);
      }
      b.addRows(r);
    }
    return b.build();
  }

  private static Payload.Template template(Struct t) {
    if (t == null) {
      throw new IllegalArgumentException("a Template metric needs 'template'");
    }
    Payload.Template.Builder b = Payload.Template.newBuilder();
    if (get(t, "version") != null) {
      b.setVersion(text(t, "version"));
    }
    if (get(t, "templateRef") != null) {
      b.setTemplateRef(text(t, "templateRef"));
    }
    if (get(t, "isDefinition") != null) {
      b.setIsDefinition((Boolean) get(t, "isDefinition"));
    }
    List<?> parameters = (List<?>) get(t, "parameters");
    for (Object item : parameters == null ? List.of() : parameters) {
      Struct p = (Struct) item;
      DataType type = type(text(p, "type"));
      Payload.Template.Parameter.Builder parameter =
          Payload.Template.Parameter.newBuilder().setType(type.getNumber());
      if (get(p, "name") != null) {
        parameter.setName(text(p, "name"));
      }
      Struct value = (Struct) get(p, "value");
      if (value != null) {
        setScalar(parameter, type, value);
      }
      b.addParameters(parameter);
    }
    List<?> metrics = (List<?>) get(t, "metrics");
    for (Object member : metrics == null ? List.of() : metrics) {
      b.addMetrics(metric((Struct) member));
    }
    return b.build();
  }

  /**
   * Sets the value field its datatype uses on a metric, data set cell, template parameter or
   * property value builder (the four share the field names of the value oneof); a datatype that
   * message cannot carry is refused.
   */
  private static void setScalar(Message.Builder builder, DataType type, Struct value) {
    Object bits = SparkplugValues.fromStruct(type, value);
    Descriptors.Descriptor descriptor = builder.getDescriptorForType();
    Descriptors.FieldDescriptor target =
        SparkplugValues.field(descriptor, SparkplugValues.slot(type));
    if (target == null) {
      throw new IllegalArgumentException(type + " cannot be carried by a " + descriptor.getName());
    }
    builder.setField(target, bits);
  }

  /**
   * A field's value, or null where the struct's schema has no such field (a subset of the schema is
   * fine).
   */
  private static Object get(Struct struct, String field) {
    return struct.schema().field(field) == null ? null : struct.get(field);
  }

  private static String text(Struct struct, String field) {
    return (String) get(struct, field);
  }
}
