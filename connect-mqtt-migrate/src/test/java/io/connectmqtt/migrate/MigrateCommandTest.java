package io.connectmqtt.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.testkit.ProjectLayout;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The command's contract: ours on stdout (REST JSON or properties), the report on stderr, the exit
 * status.
 */
class MigrateCommandTest {

  // java.io.tmpdir is target/test-tmp, which the testkit creates (JUnit's @TempDir would not).
  private final Path dir = ProjectLayout.scratch("migrate-");

  private record Result(int status, String out, String err) {}

  private Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Migrate.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path fixture(String name) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, Fixtures.text(name));
    return file;
  }

  @Test
  void printsRestJsonAndReportsUntranslatedKeysWithStatusTwo() throws Exception {
    Result result = run(fixture("confluent-source.json").toString());
    assertThat(result.status()).isEqualTo(2);
    JsonNode json = new ObjectMapper().readTree(result.out());
    assertThat(json.path("config").path("connector.class").asText())
        .isEqualTo("io.connectmqtt.source.MqttSourceConnector");
    assertThat(json.path("config").path("kafka.topic").asText()).isEqualTo("mqtt-source-1");
    assertThat(result.err())
        .contains("# Not translated (3):")
        .contains(
            "#   confluent.license: the license settings of Confluent's commercial connector");
  }

  @Test
  void printsPropertiesAndStatusZeroWhenEverythingTranslated() throws Exception {
    Result result = run("--properties", fixture("stream-reactor-source.properties").toString());
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .contains("connector.class=io.connectmqtt.source.MqttSourceConnector\n")
        .contains("mqtt.topics=/mjson\n")
        .contains("kafka.topic=mqtt\n");
    assertThat(result.err())
        .doesNotContain("Not translated")
        .contains("connects as 'dm_source_id-<task number>'");
  }

  @Test
  void unusableInputGivesStatusOne() throws Exception {
    Path other = dir.resolve("other.properties");
    Files.writeString(other, "connector.class=com.acme.FileSource\n");
    assertThat(run(other.toString()).status()).isEqualTo(1);
    assertThat(run(dir.resolve("missing.json").toString()).status()).isEqualTo(1);
    assertThat(run().err()).contains("usage:");
  }
}
