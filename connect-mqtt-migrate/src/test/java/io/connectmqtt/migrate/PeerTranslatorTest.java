package io.connectmqtt.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import io.connectmqtt.migrate.Translation.Untranslated;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What each peer's documented example becomes, key by key, and what is reported as not translated.
 */
class PeerTranslatorTest {

  @Test
  void streamReactorSourceExample() {
    Translation t = Fixtures.translate("stream-reactor-source.properties");
    assertThat(t.config())
        .containsExactly(
            entry("connector.class", "io.connectmqtt.source.MqttSourceConnector"),
            entry("mqtt.server.uris", "tcp://mqtt:1883"),
            entry("mqtt.client.id", "dm_source_id"),
            entry("mqtt.qos", "1"),
            entry("mqtt.topics", "/mjson"),
            entry("kafka.topic", "mqtt"),
            entry("record.value.format", "json"),
            entry("record.value.json.schemas.enable", "true"),
            entry("name", "mqtt-source"),
            entry("tasks.max", "1"));
    assertThat(t.untranslatedKeys()).isEmpty();
  }

  @Test
  void streamReactorSinkExampleReportsTheCleanSessionAndClampsThePahoTimeout() {
    Translation t = Fixtures.translate("stream-reactor-sink.properties");
    assertThat(t.config())
        .contains(
            entry("connector.class", "io.connectmqtt.sink.MqttSinkConnector"),
            entry("topics", "orders"),
            entry("mqtt.topic", "/lenses/orders"),
            entry("mqtt.keepalive.seconds", "1000"),
            // connect.mqtt.timeout=1000 goes to Paho's setConnectionTimeout, in seconds: beyond our
            // 300 s.
            entry("mqtt.connect.timeout.ms", "300000"),
            entry("mqtt.client.id", "dm_sink_id"));
    assertThat(t.untranslatedKeys())
        .extracting(Untranslated::key)
        .containsExactly("connect.mqtt.clean");
    assertThat(t.config()).doesNotContainKey("mqtt.clean.start");
  }

  @Test
  void confluentSourceExampleReportsExactlyTheLicenseKeys() {
    Translation t = Fixtures.translate("confluent-source.json");
    assertThat(t.config())
        .contains(
            entry("mqtt.server.uris", "tcp://mosquitto:1883"),
            entry("mqtt.topics", "my-mqtt-topic"),
            entry("kafka.topic", "mqtt-source-1"),
            entry("mqtt.qos", "2"),
            entry("mqtt.username", "myuser"),
            entry("mqtt.password", "mypassword"));
    assertThat(t.untranslatedKeys())
        .extracting(Untranslated::key)
        .containsExactly(
            "confluent.license",
            "confluent.topic.bootstrap.servers",
            "confluent.topic.replication.factor");
  }

  @Test
  void confluentSinkPublishesToTheKafkaTopicsName() {
    Translation t = Fixtures.translate("confluent-sink.json");
    assertThat(t.config())
        .contains(
            entry("name", "MqttSinkConnector1"),
            entry("topics", "my-kafka-topic"),
            entry("mqtt.topic", "${topic}"),
            entry("mqtt.server.uris", "tcp://localhost:1881"));
    assertThat(t.untranslatedKeys()).isEmpty();
    assertThat(t.notes()).anySatisfy(n -> assertThat(n).contains("defaults to 0"));
  }

  @Test
  void camelKameletSourceWritesToItsTopicsAsOurKafkaTopic() {
    Translation t = Fixtures.translate("camel-mqtt5-source.properties");
    assertThat(t.config())
        .contains(
            entry("mqtt.server.uris", "tcp://mosquitto:1883"),
            entry("mqtt.topics", "mytopic"),
            entry("kafka.topic", "mytopic"),
            entry("value.converter", "org.apache.kafka.connect.storage.StringConverter"));
    assertThat(t.config()).doesNotContainKey("topics");
    assertThat(t.untranslatedKeys()).isEmpty();
  }

  @Test
  void camelKameletSink() {
    Translation t = Fixtures.translate("camel-mqtt5-sink.properties");
    assertThat(t.config())
        .contains(
            entry("connector.class", "io.connectmqtt.sink.MqttSinkConnector"),
            entry("topics", "mytopic"),
            entry("mqtt.topic", "mytopic"));
    assertThat(t.untranslatedKeys()).isEmpty();
  }

  @Test
  void jovaconSourceKeepsStringValuesAndJsonBooleansBecomeText() {
    Translation t = Fixtures.translate("jovacon-source.json");
    assertThat(t.config())
        .contains(
            entry("mqtt.topics", "my_mqtt_topic"),
            entry("kafka.topic", "my_kafka_topic"),
            entry("mqtt.client.id", "my_client_id"),
            entry("mqtt.server.uris", "tcp://127.0.0.1:1883"),
            entry("record.value.format", "string"),
            entry("key.converter.schemas.enable", "false"));
    assertThat(t.untranslatedKeys()).isEmpty();
  }

  @Test
  void jovaconSink() {
    Translation t = Fixtures.translate("jovacon-sink.json");
    assertThat(t.config())
        .contains(entry("mqtt.topic", "my_mqtt_topic"), entry("topics", "my_kafka_topic"));
    assertThat(t.untranslatedKeys()).isEmpty();
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
