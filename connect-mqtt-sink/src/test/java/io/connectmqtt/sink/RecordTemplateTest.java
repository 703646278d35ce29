package io.connectmqtt.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class RecordTemplateTest {

  private static final Schema LOCATION =
      SchemaBuilder.struct().field("site", Schema.STRING_SCHEMA).build();
  private static final Schema DEVICE =
      SchemaBuilder.struct()
          .field("id", Schema.STRING_SCHEMA)
          .field("location", LOCATION)
          .field("level", Schema.INT32_SCHEMA)
          .build();

  private static SinkRecord record(Object key, Schema valueSchema, Object value) {
    ConnectHeaders headers = new ConnectHeaders();
    headers.addString("tenant", "acme");
    return new SinkRecord(
        "commands",
        3,
        Schema.OPTIONAL_STRING_SCHEMA,
        key,
        valueSchema,
        value,
        42L,
        null,
        null,
        headers);
  }

  @Test
  void rendersTopicPartitionKeyAndHeaders() throws Exception {
    assertThat(
            RecordTemplate.parse("${header.tenant}/${topic}/${partition}/${key}")
                .render(record("d7", null, "x")))
        .isEqualTo("acme/commands/3/d7");
  }

  @Test
  void rendersPathsIntoStructsMapsAndJsonText() throws Exception {
    Struct device =
        new Struct(DEVICE)
            .put("id", "d1")
            .put("level", 3)
            .put("location", new Struct(LOCATION).put("site", "berlin"));
    RecordTemplate template =
        RecordTemplate.parse("sites/${value.location.site}/${value.id}/${value.level}");
    assertThat(template.render(record(null, DEVICE, device))).isEqualTo("sites/berlin/d1/3");
    assertThat(
            template.render(
                record(
                    null,
                    null,
                    Map.of("id", "d2", "level", 1, "location", Map.of("site", "lyon")))))
        .isEqualTo("sites/lyon/d2/1");
    assertThat(
            template.render(
                record(
                    null,
                    null,
                    "{\"id\":\"d3\",\"level\":2,\"location\":{\"site\":\"osaka\"}}"
                        .getBytes(StandardCharsets.UTF_8))))
        .isEqualTo("sites/osaka/d3/2");
    assertThat(RecordTemplate.parse("k/${key.id}").render(record(Map.of("id", "x9"), null, null)))
        .isEqualTo("k/x9");
  }

  @Test
  void missingPartsAreRenderErrorsNamingWhatIsMissing() {
    RecordTemplate template = RecordTemplate.parse("a/${value.nope}");
    assertThatThrownBy(() -> template.render(record(null, null, Map.of("id", "d"))))
        .hasMessageContaining("no field 'nope'");
    assertThatThrownBy(
            () -> RecordTemplate.parse("a/${header.missing}").render(record(null, null, "x")))
        .hasMessageContaining("no header 'missing'");
    assertThatThrownBy(() -> RecordTemplate.parse("a/${key}").render(record(null, null, "x")))
        .hasMessageContaining("${key} is null");
    assertThatThrownBy(
            () ->
                RecordTemplate.parse("a/${value.location}")
                    .render(record(null, null, Map.of("location", Map.of("site", "x")))))
        .hasMessageContaining("not a single value");
    assertThatThrownBy(
            () -> RecordTemplate.parse("a/${value.x}").render(record(null, null, "not json")))
        .hasMessageContaining("not a Struct, a Map or JSON");
  }

  @Test
  void unknownPlaceholdersAreRefusedAtParseTime() {
    assertThatThrownBy(() -> RecordTemplate.parse("a/${offset}")).hasMessageContaining("${offset}");
  }
}
