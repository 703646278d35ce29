package io.connectmqtt.sparkplug;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;

/**
 * The Connect schemas of a Sparkplug B message: the source writes them, the sink reads them
 * (docs/sparkplug.md).
 *
 * <p>A metric's value sits in a {@link #VALUE} struct, in the one field that fits its Sparkplug
 * datatype, so that every datatype keeps its range and its type name travels beside it ({@code
 * datatype}). Templates hold metrics, and property values hold property sets; Connect schemas
 * cannot be recursive, so each is unrolled to a fixed depth ({@link #MAX_TEMPLATE_DEPTH}, {@link
 * #MAX_PROPERTY_DEPTH}); a payload nested deeper is refused with a message.
 */
public final class SparkplugSchemas {

  /** Templates inside templates inside metrics: deeper ones are refused. */
  public static final int MAX_TEMPLATE_DEPTH = 3;

  /** Property sets inside property values inside a metric's properties: deeper ones are refused. */
  public static final int MAX_PROPERTY_DEPTH = 2;

  private static final String NS = "io.connectmqtt.sparkplug.";
  private static final Schema UINT64 = Decimal.builder(0).optional().build();
  private static final Schema DATE_TIME = Timestamp.builder().optional().build();

  /**
   * A value of any Sparkplug datatype: exactly one field is set, the one its datatype names (see
   * the docs).
   */
  public static final Schema VALUE =
      SchemaBuilder.struct()
          .name(NS + "Value")
          .optional()
          .field("intValue", Schema.OPTIONAL_INT64_SCHEMA)
          .field("uint64Value", UINT64)
          .field("floatValue", Schema.OPTIONAL_FLOAT32_SCHEMA)
          .field("doubleValue", Schema.OPTIONAL_FLOAT64_SCHEMA)
          .field("booleanValue", Schema.OPTIONAL_BOOLEAN_SCHEMA)
          .field("stringValue", Schema.OPTIONAL_STRING_SCHEMA)
          .field("bytesValue", Schema.OPTIONAL_BYTES_SCHEMA)
          .field("dateTimeValue", DATE_TIME)
          .field("intArray", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
          .field("uint64Array", SchemaBuilder.array(Decimal.schema(0)).optional().build())
          .field("floatArray", SchemaBuilder.array(Schema.FLOAT32_SCHEMA).optional().build())
          .field("doubleArray", SchemaBuilder.array(Schema.FLOAT64_SCHEMA).optional().build())
          .field("booleanArray", SchemaBuilder.array(Schema.BOOLEAN_SCHEMA).optional().build())
          .field("stringArray", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
          .field("dateTimeArray", SchemaBuilder.array(Timestamp.SCHEMA).optional().build())
          .build();

  public static final Schema METADATA =
      SchemaBuilder.struct()
          .name(NS + "MetaData")
          .optional()
          .field("isMultiPart", Schema.OPTIONAL_BOOLEAN_SCHEMA)
          .field("contentType", Schema.OPTIONAL_STRING_SCHEMA)
          .field("size", Schema.OPTIONAL_INT64_SCHEMA)
          .field("seq", Schema.OPTIONAL_INT64_SCHEMA)
          .field("fileName", Schema.OPTIONAL_STRING_SCHEMA)
          .field("fileType", Schema.OPTIONAL_STRING_SCHEMA)
          .field("md5", Schema.OPTIONAL_STRING_SCHEMA)
          .field("description", Schema.OPTIONAL_STRING_SCHEMA)
          .build();

  public static final Schema DATASET =
      SchemaBuilder.struct()
          .name(NS + "DataSet")
          .optional()
          .field("numOfColumns", Schema.OPTIONAL_INT64_SCHEMA)
          .field("columns", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
          .field("types", SchemaBuilder.array(Schema.STRING_SCHEMA).optional().build())
          .field("rows", SchemaBuilder.array(SchemaBuilder.array(VALUE).build()).optional().build())
          .build();

  public static final Schema PARAMETER =
      SchemaBuilder.struct()
          .name(NS + "Parameter")
          .field("name", Schema.OPTIONAL_STRING_SCHEMA)
          .field("type", Schema.OPTIONAL_STRING_SCHEMA)
          .field("value", VALUE)
          .build();

  private static final Schema[] PROPERTY_VALUES = new Schema[MAX_PROPERTY_DEPTH + 1];
  private static final Schema[] METRICS = new Schema[MAX_TEMPLATE_DEPTH + 1];

  static {
    for (int depth = MAX_PROPERTY_DEPTH; depth >= 0; depth--) {
      SchemaBuilder value =
          SchemaBuilder.struct()
              .name(NS + "PropertyValue" + suffix(depth))
              .field("type", Schema.OPTIONAL_STRING_SCHEMA)
              .field("isNull", Schema.OPTIONAL_BOOLEAN_SCHEMA)
              .field("value", VALUE);
      if (depth < MAX_PROPERTY_DEPTH) {
        Schema set = propertySet(PROPERTY_VALUES[depth + 1]);
        value
            .field("propertySet", set)
            .field("propertySets", SchemaBuilder.array(set).optional().build());
      }
      PROPERTY_VALUES[depth] = value.build();
    }
    for (int depth = MAX_TEMPLATE_DEPTH; depth >= 0; depth--) {
      SchemaBuilder metric =
          SchemaBuilder.struct()
              .name(NS + "Metric" + suffix(depth))
              .field("name", Schema.OPTIONAL_STRING_SCHEMA)
              .field("alias", Schema.OPTIONAL_INT64_SCHEMA)
              .field("timestamp", Schema.OPTIONAL_INT64_SCHEMA)
              .field("datatype", Schema.OPTIONAL_STRING_SCHEMA)
              .field("isHistorical", Schema.OPTIONAL_BOOLEAN_SCHEMA)
              .field("isTransient", Schema.OPTIONAL_BOOLEAN_SCHEMA)
              .field("isNull", Schema.OPTIONAL_BOOLEAN_SCHEMA)
              .field("metadata", METADATA)
              .field("properties", propertySet(PROPERTY_VALUES[0]))
              .field("value", VALUE)
              .field("dataSet", DATASET);
      if (depth < MAX_TEMPLATE_DEPTH) {
        metric.field(
            "template",
            SchemaBuilder.struct()
                .name(NS + "Template" + suffix(depth))
                .optional()
                .field("version", Schema.OPTIONAL_STRING_SCHEMA)
                .field("templateRef", Schema.OPTIONAL_STRING_SCHEMA)
                .field("isDefinition", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                .field("parameters", SchemaBuilder.array(PARAMETER).optional().build())
                .field("metrics", SchemaBuilder.array(METRICS[depth + 1]).optional().build())
                .build());
      }
      METRICS[depth] = metric.build();
    }
  }

  /** A Sparkplug message: where it came from (the topic), the payload's header, and its metrics. */
  public static final Schema MESSAGE =
      SchemaBuilder.struct()
          .name(NS + "Message")
          .field("namespace", Schema.STRING_SCHEMA)
          .field("group", Schema.OPTIONAL_STRING_SCHEMA)
          .field("messageType", Schema.STRING_SCHEMA)
          .field("edgeNode", Schema.OPTIONAL_STRING_SCHEMA)
          .field("device", Schema.OPTIONAL_STRING_SCHEMA)
          .field("hostId", Schema.OPTIONAL_STRING_SCHEMA)
          .field("online", Schema.OPTIONAL_BOOLEAN_SCHEMA)
          .field("timestamp", Schema.OPTIONAL_INT64_SCHEMA)
          .field("seq", Schema.OPTIONAL_INT64_SCHEMA)
          .field("uuid", Schema.OPTIONAL_STRING_SCHEMA)
          .field("body", Schema.OPTIONAL_BYTES_SCHEMA)
          .field("metrics", SchemaBuilder.array(METRICS[0]).optional().build())
          .field("unresolvedAliases", Schema.OPTIONAL_INT32_SCHEMA)
          .build();

  private SparkplugSchemas() {}

  /** The metric schema at a template depth (0: the payload's own metrics). */
  public static Schema metric(int depth) {
    return METRICS[depth];
  }

  /** The property value schema at a property-set depth (0: a metric's own properties). */
  public static Schema propertyValue(int depth) {
    return PROPERTY_VALUES[depth];
  }

  private static Schema propertySet(Schema value) {
    return SchemaBuilder.map(Schema.STRING_SCHEMA, value).optional().build();
  }

  private static String suffix(int depth) {
    return depth == 0 ? "" : Integer.toString(depth);
  }
}
