package io.connectmqtt.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.connectmqtt.common.JsonValues;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns an MQTT payload into a Connect value: raw bytes, a UTF-8 string, or JSON as a Struct with
 * an inferred schema (so Avro, Protobuf and JSON Schema converters of any registry can serialize
 * it) or as a schemaless Map.
 */
final class PayloadConverter {

  /** SPARKPLUG payloads need their topic and state: {@link SparkplugConverter}, not this class. */
  enum Format {
    BYTES,
    STRING,
    JSON,
    SPARKPLUG
  }

  /** A payload that cannot be converted; the message names what is wrong. */
  static final class PayloadException extends Exception {
    private static final long serialVersionUID = 1L;

    PayloadException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final int MAX_NESTING = 64;

  private final Format format;
  private final boolean schemas;
  private final JsonSchema jsonSchema;
  private final ObjectMapper mapper;

  PayloadConverter(Format format, boolean schemas, String jsonSchemaText) {
    this.format = format;
    this.schemas = schemas;
    this.mapper = JsonMapper.builder().build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build());
    this.jsonSchema =
        jsonSchemaText == null || jsonSchemaText.isBlank() ? null : compileSchema(jsonSchemaText);
  }

  /**
   * Compiles a JSON Schema (draft 2020-12 unless it says otherwise); throws
   * IllegalArgumentException if invalid.
   */
  static JsonSchema compileSchema(String text) {
    try {
      JsonNode node = new ObjectMapper().readTree(text);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("a JSON Schema must be a JSON object");
      }
      return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a usable JSON Schema: " + e.getMessage());
    }
  }

  SchemaAndValue convert(byte[] payload) throws PayloadException {
    return switch (format) {
      case BYTES -> new SchemaAndValue(Schema.OPTIONAL_BYTES_SCHEMA, payload);
      case STRING -> new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, utf8(payload));
      case JSON -> json(payload);
      case SPARKPLUG ->
          throw new IllegalStateException("Sparkplug payloads are converted by SparkplugConverter");
    };
  }

  private static String utf8(byte[] payload) throws PayloadException {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(payload))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PayloadException("payload is not valid UTF-8", e);
    }
  }

  private SchemaAndValue json(byte[] payload) throws PayloadException {
    JsonNode node;
    try {
      node = mapper.readTree(payload);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      throw new PayloadException("payload is not valid JSON: " + detail, e);
    }
    if (node == null || node.isMissingNode()) {
      throw new PayloadException("payload is empty, not JSON", null);
    }
    if (jsonSchema != null) {
      Set<ValidationMessage> errors = jsonSchema.validate(node);
      if (!errors.isEmpty()) {
        throw new PayloadException(
            "payload does not match the JSON Schema: "
                + errors.stream()
                    .map(ValidationMessage::getMessage)
                    .sorted()
                    .collect(Collectors.joining("; ")),
            null);
      }
    }
    if (!schemas) {
      return new SchemaAndValue(null, JsonValues.plain(node));
    }
    Schema schema = inferSchema(node);
    return new SchemaAndValue(schema, toConnect(node, schema));
  }

  /**
   * A Connect schema for one JSON document: objects become structs (fields in document order),
   * integers int64, other numbers float64; arrays take their first element's schema, or are kept as
   * JSON text when elements differ.
   */
  static Schema inferSchema(JsonNode node) {
    if (node.isObject()) {
      SchemaBuilder struct = SchemaBuilder.struct().optional();
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        struct.field(field.getKey(), inferSchema(field.getValue()));
      }
      return struct.build();
    }
    if (node.isArray()) {
      if (node.isEmpty()) {
        return SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build();
      }
      Schema element = inferSchema(node.get(0));
      for (JsonNode child : node) {
        if (!inferSchema(child).equals(element)) {
          return Schema.OPTIONAL_STRING_SCHEMA;
        }
      }
      return SchemaBuilder.array(element).optional().build();
    }
    if (node.isIntegralNumber() && node.canConvertToLong()) {
      return Schema.OPTIONAL_INT64_SCHEMA;
    }
    if (node.isNumber()) {
      return Schema.OPTIONAL_FLOAT64_SCHEMA;
    }
    if (node.isBoolean()) {
      return Schema.OPTIONAL_BOOLEAN_SCHEMA;
    }
    return Schema.OPTIONAL_STRING_SCHEMA;
  }

  private static Object toConnect(JsonNode node, Schema schema) {
    if (node == null || node.isNull()) {
      return null;
    }
    switch (schema.type()) {
      case STRUCT:
        {
          Struct struct = new Struct(schema);
          for (org.apache.kafka.connect.data.Field field : schema.fields()) {
            struct.put(field, toConnect(node.get(field.name()), field.schema()));
          }
          return struct;
        }
      case ARRAY:
        {
          List<Object> list = new ArrayList<>(node.size());
          node.forEach(child -> list.add(toConnect(child, schema.valueSchema())));
          return list;
        }
      case INT64:
        return node.longValue();
      case FLOAT64:
        return node.doubleValue();
      case BOOLEAN:
        return node.booleanValue();
      default:
        return node.isValueNode() ? node.asText() : node.toString();
    }
  }
}
