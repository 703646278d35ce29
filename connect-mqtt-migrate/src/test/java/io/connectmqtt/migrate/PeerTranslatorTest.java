package io.connectmqtt.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.connectmqtt.migrate.Translation.Untranslated;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What each peer's documented example becomes, key by key, and what is reported as not translated.
 */
class PeerTranslatorTest {

  /** Keys each peer's documented example translates to (among others, but see the next test). */
  @ParameterizedTest(name = "{0}: {1}={2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          stream-reactor-source.properties | connector.class | io.connectmqtt.source.MqttSourceConnector
          stream-reactor-source.properties | mqtt.server.uris | tcp://mqtt:1883
          stream-reactor-source.properties | mqtt.client.id | dm_source_id
          stream-reactor-source.properties | mqtt.qos | 1
          stream-reactor-source.properties | mqtt.topics | /mjson
          stream-reactor-source.properties | kafka.topic | mqtt
          stream-reactor-source.properties | record.value.format | json
          stream-reactor-source.properties | record.value.json.schemas.enable | true
          stream-reactor-source.properties | name | mqtt-source
          stream-reactor-source.properties | tasks.max | 1
          stream-reactor-sink.properties | connector.class | io.connectmqtt.sink.MqttSinkConnector
          stream-reactor-sink.properties | topics | orders
          stream-reactor-sink.properties | mqtt.topic | /lenses/orders
          stream-reactor-sink.properties | mqtt.keepalive.seconds | 1000
          # connect.mqtt.timeout=1000 goes to Paho's setConnectionTimeout, in seconds: beyond our 300 s.
          stream-reactor-sink.properties | mqtt.connect.timeout.ms | 300000
          stream-reactor-sink.properties | mqtt.client.id | dm_sink_id
          confluent-source.json | mqtt.server.uris | tcp://mosquitto:1883
          confluent-source.json | mqtt.topics | my-mqtt-topic
          confluent-source.json | kafka.topic | mqtt-source-1
          confluent-source.json | mqtt.qos | 2
          confluent-source.json | mqtt.username | myuser
          confluent-source.json | mqtt.password | mypassword
          # The Confluent sink publishes to the Kafka topic's name.
          confluent-sink.json | name | MqttSinkConnector1
          confluent-sink.json | topics | my-kafka-topic
          confluent-sink.json | mqtt.topic | ${topic}
          confluent-sink.json | mqtt.server.uris | tcp://localhost:1881
          # The Camel Kamelet source writes to its topics, our kafka.topic.
          camel-mqtt5-source.properties | mqtt.server.uris | tcp://mosquitto:1883
          camel-mqtt5-source.properties | mqtt.topics | mytopic
          camel-mqtt5-source.properties | kafka.topic | mytopic
          camel-mqtt5-source.properties | value.converter | org.apache.kafka.connect.storage.StringConverter
          camel-mqtt5-sink.properties | connector.class | io.connectmqtt.sink.MqttSinkConnector
          camel-mqtt5-sink.properties | topics | mytopic
          camel-mqtt5-sink.properties | mqtt.topic | mytopic
          # Jovacon's source keeps string values, and JSON booleans become text.
          jovacon-source.json | mqtt.topics | my_mqtt_topic
          jovacon-source.json | kafka.topic | my_kafka_topic
          jovacon-source.json | mqtt.client.id | my_client_id
          jovacon-source.json | mqtt.server.uris | tcp://127.0.0.1:1883
          jovacon-source.json | record.value.format | string
          jovacon-source.json | key.converter.schemas.enable | false
          jovacon-sink.json | mqtt.topic | my_mqtt_topic
          jovacon-sink.json | topics | my_kafka_topic
          """)
  void documentedExampleTranslatesTheKey(String fixture, String key, String value) {
    assertThat(Fixtures.translate(fixture).config()).containsEntry(key, value);
  }

  /** Exactly the keys each documented example reports as not translated, in order. */
  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          stream-reactor-source.properties |
          # The clean session has no counterpart that keeps its meaning.
          stream-reactor-sink.properties | connect.mqtt.clean
          # Exactly the license keys.
          confluent-source.json | confluent.license,confluent.topic.bootstrap.servers,confluent.topic.replication.factor
          confluent-sink.json |
          camel-mqtt5-source.properties |
          camel-mqtt5-sink.properties |
          jovacon-source.json |
          jovacon-sink.json |
          """)
  void documentedExampleReportsExactlyTheUntranslatedKeys(String fixture, String untranslated) {
    List<String> expected = untranslated == null ? List.of() : List.of(untranslated.split(","));
    assertThat(Fixtures.translate(fixture).untranslatedKeys())
        .extracting(Untranslated::key)
        .containsExactlyElementsOf(expected);
  }

  @Test
  void streamReactorSourceExampleTranslatesToExactlyTheKeysAboveInThisOrder() {
    assertThat(
            String.join(
                ",", Fixtures.translate("stream-reactor-source.properties").config().keySet()))
        .isEqualTo(
            "connector.class,mqtt.server.uris,mqtt.client.id,mqtt.qos,mqtt.topics,kafka.topic,"
                + "record.value.format,record.value.json.schemas.enable,name,tasks.max");
  }

  @Test
  void streamReactorSinkExampleReportsTheCleanSessionInsteadOfTranslatingIt() {
    assertThat(Fixtures.translate("stream-reactor-sink.properties").config())
        .doesNotContainKey("mqtt.clean.start");
  }

  @Test
  void confluentSinkNotesItsQosDefault() {
    assertThat(Fixtures.translate("confluent-sink.json").notes())
        .anySatisfy(n -> assertThat(n).contains("defaults to 0"));
  }

  @Test
  void camelKameletSourceSetsNoSinkTopics() {
    assertThat(Fixtures.translate("camel-mqtt5-source.properties").config())
        .doesNotContainKey("topics");
  }

  @Test
  void streamReactorRoutingStatementsBecomeRulesSharedGroupAndKeyTransforms() {
    Map<String, String> config = new LinkedHashMap<>();
    config.put(
        "connector.class", "io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector");
    config.put("connect.mqtt.hosts", "tcp://a:1883,tcp://b:1883");
    config.put(
        "connect.mqtt.kcql",
        "INSERT INTO `$` SELECT * FROM $share/connect/mqttTopicA/+/sensors "
            + "WITHCONVERTER=`io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter` WITHKEY(id);"
            + "INSERT INTO telemetry SELECT * FROM $share/connect/devices/# "
            + "WITHCONVERTER=`io.lenses.streamreactor.connect.converters.source.JsonSimpleConverter` WITHKEY(id)");
    config.put("connect.mqtt.clean", "false");
    config.put("connect.mqtt.log.message", "true");
    Translation t = PeerTranslator.translate(config);
    assertThat(t.config())
        .contains(
            entry("mqtt.server.uris", "tcp://a:1883,tcp://b:1883"),
            entry("mqtt.topics", "mqttTopicA/+/sensors,devices/#"),
            entry("kafka.topic.rules", "mqttTopicA/+/sensors=>${1}_${2}_${3},devices/#=>telemetry"),
            entry("mqtt.shared.subscription.group", "connect"),
            entry("mqtt.shared.subscription.enabled", "true"),
            entry("mqtt.clean.start", "false"),
            entry("record.value.format", "json"),
            entry("transforms", "kcqlKey,kcqlKeyField"),
            entry("transforms.kcqlKey.fields", "id"),
            entry("transforms.kcqlKeyField.field", "id"));
    assertThat(t.untranslatedKeys())
        .extracting(Untranslated::key)
        .containsExactly("connect.mqtt.log.message");
  }

  @Test
  void whatKcqlCannotSayInOursIsReportedPerClause() {
    Map<String, String> config =
        Map.of(
            "connector.class", "io.lenses.streamreactor.connect.mqtt.source.MqttSourceConnector",
            "connect.mqtt.hosts", "tcp://a:1883",
            "connect.mqtt.kcql",
                "INSERT INTO a SELECT x FROM s/1 WITHKEY(f1, f2) KEYDELIMITER='-';"
                    + "INSERT INTO b SELECT * FROM s/2 WITHCONVERTER=`com.acme.AvroConverter`");
    Translation t = PeerTranslator.translate(config);
    assertThat(t.untranslatedKeys())
        .extracting(Untranslated::reason)
        .anySatisfy(r -> assertThat(r).startsWith("SELECT x"))
        .anySatisfy(r -> assertThat(r).startsWith("WITHCONVERTER=`com.acme.AvroConverter`"))
        .anySatisfy(r -> assertThat(r).startsWith("WITHKEY(f1, f2) in"));
    assertThat(t.config()).containsEntry("kafka.topic.rules", "s/1=>a,s/2=>b");
  }

  @Test
  void streamReactorSinkTargetsFromKeyTopicAndField() {
    assertThat(sinkTopic("INSERT INTO _key SELECT * FROM t")).isEqualTo("${key}");
    assertThat(sinkTopic("INSERT INTO _topic SELECT * FROM t")).isEqualTo("${topic}");
    assertThat(
            sinkTopic(
                "INSERT INTO `a.b` SELECT * FROM t PROPERTIES('mqtt.target.from.field'='true')"))
        .isEqualTo("${value.a.b}");
    assertThat(
            sinkTopic("INSERT INTO `$field` SELECT * FROM control.boxes.test WITHTARGET = field"))
        .isEqualTo("${value.field}");
  }

  private static String sinkTopic(String kcql) {
    Translation t =
        PeerTranslator.translate(
            Map.of(
                "connector.class",
                "io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector",
                "connect.mqtt.hosts",
                "tcp://a:1883",
                "connect.mqtt.kcql",
                kcql));
    assertThat(t.untranslatedKeys()).isEmpty();
    return t.config().get("mqtt.topic");
  }

  @Test
  void aSinkWithDifferentTargetsPerTopicIsReported() {
    Translation t =
        PeerTranslator.translate(
            Map.of(
                "connector.class", "io.lenses.streamreactor.connect.mqtt.sink.MqttSinkConnector",
                "connect.mqtt.hosts", "tcp://a:1883",
                "connect.mqtt.kcql",
                    "INSERT INTO x/1 SELECT * FROM t1;INSERT INTO x/2 SELECT * FROM t2"));
    assertThat(t.config()).containsEntry("topics", "t1,t2").doesNotContainKey("mqtt.topic");
    assertThat(t.untranslatedKeys())
        .extracting(Untranslated::key)
        .containsExactly("connect.mqtt.kcql");
  }

  @Test
  void unknownKeysAreReportedNotDropped() {
    Translation t =
        PeerTranslator.translate(
            Map.of(
                "connector.class",
                "io.confluent.connect.mqtt.MqttSourceConnector",
                "mqtt.server.uri",
                "tcp://a:1883",
                "mqtt.topics",
                "x",
                "kafka.topic",
                "y",
                "mqtt.made.up",
                "1"));
    assertThat(t.untranslatedKeys()).extracting(Untranslated::key).containsExactly("mqtt.made.up");
  }

  @Test
  void anUnknownConnectorIsRefused() {
    assertThatThrownBy(() -> PeerTranslator.translate(Map.of("connector.class", "com.acme.Other")))
        .hasMessageContaining("com.acme.Other");
    assertThatThrownBy(() -> PeerTranslator.translate(Map.of("name", "x")))
        .hasMessageContaining("connector.class");
  }
}
