package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlaceholderTemplatesTest {

  private static List<String> parse(String template) {
    return PlaceholderTemplates.parse(
        template,
        text -> "'" + text + "'",
        name -> name.equals("x") || name.startsWith("y.") ? "<" + name + ">" : null,
        "${x} or ${y.NAME}",
        "test template");
  }

  @Test
  void splitsLiteralsAndTrimmedPlaceholdersInOrder() {
    assertThat(parse("a/${x}/b${ y.z }")).containsExactly("'a/'", "<x>", "'/b'", "<y.z>");
    assertThat(parse("fixed")).containsExactly("'fixed'");
  }

  @Test
  void namesWhatIsWrong() {
    assertThatThrownBy(() -> parse("a/${q}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown placeholder '${q}' in 'a/${q}'; use ${x} or ${y.NAME}");
    assertThatThrownBy(() -> parse("a/${x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unclosed placeholder in 'a/${x'");
    assertThatThrownBy(() -> parse(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the test template must not be empty");
  }

  @Test
  void aParsingValidatorReportsTheParsersMessageOnTheKey() {
    ParsingValidator validator =
        ParsingValidator.value(PlaceholderTemplatesTest::parse, "templates");
    validator.ensureValid("k", "${x}");
    assertThatThrownBy(() -> validator.ensureValid("k", "${q}"))
        .hasMessageContaining("k")
        .hasMessageContaining("unknown placeholder '${q}'");
    assertThatThrownBy(() -> validator.ensureValid("k", null))
        .hasMessageContaining("must not be empty");
    assertThat(validator).hasToString("templates");

    ParsingValidator list =
        ParsingValidator.nonEmptyList(PlaceholderTemplatesTest::parse, "give one", "list");
    list.ensureValid("k", List.of("${x}", "b"));
    assertThatThrownBy(() -> list.ensureValid("k", List.of())).hasMessageContaining("give one");
    assertThatThrownBy(() -> list.ensureValid("k", List.of("b", "${q}")))
        .hasMessageContaining("Invalid value ${q}");
    ParsingValidator.eachElement(PlaceholderTemplatesTest::parse, "list")
        .ensureValid("k", List.of());
  }
}
