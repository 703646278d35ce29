package io.connectmqtt.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The KCQL parser on the statements stream-reactor's MQTT docs and tests show. */
class KcqlTest {

  @Test
  void theDocsSourceExampleWithABacktickedConverter() {
    Kcql kcql =
        Kcql.parse(
            "INSERT INTO mqtt SELECT * FROM /mjson "
                + "WITHCONVERTER=`io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter`");
    assertThat(kcql.target()).isEqualTo("mqtt");
    assertThat(kcql.source()).isEqualTo("/mjson");
    assertThat(kcql.selectsAll()).isTrue();
    assertThat(kcql.withConverter())
        .isEqualTo("io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter");
    assertThat(kcql.otherClauses()).isEmpty();
  }

  @Test
  void severalStatementsSeparatedBySemicolonsWithATrailingOne() {
    // From stream-reactor's MqttManagerTest: "INSERT INTO abc SELECT * FROM xyz; INSERT INTO def
    // SELECT * FROM zyx;"
    List<Kcql> statements =
        Kcql.parseAll("INSERT INTO abc SELECT * FROM xyz; INSERT INTO def SELECT * FROM zyx;");
    assertThat(statements).extracting(Kcql::target).containsExactly("abc", "def");
    assertThat(statements).extracting(Kcql::source).containsExactly("xyz", "zyx");
  }

  @Test
  void aSemicolonInsideBackticksDoesNotSplit() {
    List<Kcql> statements =
        Kcql.parseAll("INSERT INTO `a;b` SELECT * FROM t1;INSERT INTO c SELECT * FROM t2");
    assertThat(statements).extracting(Kcql::target).containsExactly("a;b", "c");
  }

  @Test
  void wildcardSourceWithUnquotedConverterAndLowerCaseKeywords() {
    Kcql kcql =
        Kcql.parse(
            "insert into kafkaTopic1 select * from /mqttTopicA/+/sensors withconverter=myclass");
    assertThat(kcql.source()).isEqualTo("/mqttTopicA/+/sensors");
    assertThat(kcql.withConverter()).isEqualTo("myclass");
  }

  @Test
  void withKeyAndKeyDelimiter() {
    // The docs' syntax: WITHKEY(field1 [, field2.A , field3]) [KEYDELIMITER='.']
    Kcql kcql =
        Kcql.parse(
            "INSERT INTO topic SELECT * FROM /mqttTopicA WITHCONVERTER=`myclass` "
                + "WITHKEY(field1 , field2.A , field3) KEYDELIMITER='.'");
    assertThat(kcql.withKeys()).containsExactly("field1", "field2.A", "field3");
    assertThat(kcql.keyDelimiter()).isEqualTo(".");
    assertThat(kcql.withConverter()).isEqualTo("myclass");
  }

  @Test
  void dynamicTargetsOfSourceAndSink() {
    assertThat(Kcql.parse("INSERT INTO `$` SELECT * FROM /mqttTopicA/+/sensors").target())
        .isEqualTo("$");
    Kcql field =
        Kcql.parse("INSERT INTO `$field` SELECT * FROM control.boxes.test WITHTARGET = field");
    assertThat(field.target()).isEqualTo("$field");
    assertThat(field.source()).isEqualTo("control.boxes.test");
    assertThat(field.withTarget()).isEqualTo("field");
    Kcql path =
        Kcql.parse(
            "INSERT INTO `fieldA.fieldB` SELECT * FROM control.boxes.test "
                + "PROPERTIES('mqtt.target.from.field'='true')");
    assertThat(path.properties()).isEqualTo(Map.of("mqtt.target.from.field", "true"));
  }

  @Test
  void sharedSubscriptionSourceAndRegex() {
    // From stream-reactor's MqttManagerIT: a $share source with a lower-case withregex.
    Kcql kcql =
        Kcql.parse(
            "INSERT INTO kafka SELECT * FROM $share/connect/mqttSource withregex=`\\$share/connect/.*`");
    assertThat(kcql.source()).isEqualTo("$share/connect/mqttSource");
    assertThat(kcql.withRegex()).isEqualTo("\\$share/connect/.*");
  }

  @Test
  void fieldSelectionAndUnknownClausesAreKept() {
    Kcql kcql =
        Kcql.parse(
            "INSERT INTO /landoop/demo SELECT a, b.c FROM kafka_topicA WITHTYPE=foo STOREAS(x)");
    assertThat(kcql.fields()).containsExactly("a", "b.c");
    assertThat(kcql.selectsAll()).isFalse();
    assertThat(kcql.otherClauses()).containsExactly("WITHTYPE=foo", "STOREAS(x)");
  }

  @Test
  void malformedStatementsNameTheProblem() {
    assertThatThrownBy(() -> Kcql.parse("INSERT mqtt SELECT * FROM x"))
        .hasMessageContaining("expected INTO");
    assertThatThrownBy(() -> Kcql.parse("INSERT INTO `mqtt SELECT * FROM x"))
        .hasMessageContaining("unclosed");
    assertThatThrownBy(() -> Kcql.parseAll(" ; ")).hasMessageContaining("no KCQL statement");
  }
}
