package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishBuilder;
import io.connectmqtt.common.MqttHeaderConverter;
import io.connectmqtt.common.MqttHeaders;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttClients;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code header.converter=io.connectmqtt.common.MqttHeaderConverter} in a Connect worker started
 * from Kafka's own classes, with the source plugin directory on plugin.path (the sink's carries the
 * converter too, but the source module's tests must not need another module built after it): the
 * worker discovers it through service_load, loads it from the connector's plugin, and the headers
 * in Kafka are byte for byte those that the same connector writes with the worker's default
 * SimpleHeaderConverter. A third connector writes only the headers {@code record.headers} selects.
 */
@ExtendWith(SharedFixtures.class)
class HeaderConverterIT {

  private static HiveMqBroker hivemq;
  private static ProcessStack stack;

  @BeforeAll
  static void start() {
    hivemq = HiveMqBroker.start();
    stack =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
  }

  @AfterAll
  static void stop() {
    if (stack != null) {
      for (String name : List.of("hdr-default", "hdr-ours", "hdr-selected")) {
        stack.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    }
    if (hivemq != null) {
      hivemq.close();
    }
  }

  @Test
  void headersAreByteIdenticalToThoseOfTheDefaultConverter() throws Exception {
    List<String> headerConverters = new ArrayList<>();
    for (JsonNode plugin : stack.rest().allPlugins()) {
      if (plugin.path("type").asText().equals("header_converter")) {
        headerConverters.add(plugin.path("class").asText());
      }
    }
    assertThat(headerConverters).contains(MqttHeaderConverter.class.getName());

    // Two connectors on the same filter, each with its own MQTT session: every message reaches
    // both.
    stack.rest().createOrReplace("hdr-default", config("hdr.default", null));
    stack
        .rest()
        .createOrReplace("hdr-ours", config("hdr.ours", MqttHeaderConverter.class.getName()));
    // And one that writes only some of the headers (record.headers).
    Map<String, String> selected = config("hdr.selected", MqttHeaderConverter.class.getName());
    selected.put("record.headers", "topic,user");
    stack.rest().createOrReplace("hdr-selected", selected);
    for (String name : List.of("hdr-default", "hdr-ours", "hdr-selected")) {
      stack.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
    }
    String workerLog = Files.readString(stack.home().resolve("connect.log"));
    assertThat(workerLog)
        .contains(
            "header converter class "
                + MqttHeaderConverter.class.getName()
                + " for task hdr-ours-0");

    Mqtt5BlockingClient publisher = MqttClients.connected5("hdr-publisher", hivemq.port());
    org.awaitility.Awaitility.await("both subscriptions active")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              publisher
                  .publishWith()
                  .topic("hdr/warmup")
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .payload(new byte[] {1})
                  .send();
              return !stack.topics().readAll("hdr.default", 1, Duration.ofSeconds(1)).isEmpty()
                  && !stack.topics().readAll("hdr.ours", 1, Duration.ofSeconds(1)).isEmpty()
                  && !stack.topics().readAll("hdr.selected", 1, Duration.ofSeconds(1)).isEmpty();
            });

    Random random = new Random(7);
    int messages = 300;
    for (int i = 0; i < messages; i++) {
      publish(publisher, random, i);
    }
    publisher.disconnect();

    Map<String, ConsumerRecord<byte[], byte[]>> byDefault = readMessages("hdr.default", messages);
    Map<String, ConsumerRecord<byte[], byte[]>> byOurs = readMessages("hdr.ours", messages);
    assertThat(byDefault).hasSize(messages);
    assertThat(byOurs.keySet()).isEqualTo(byDefault.keySet());
    int compared = 0;
    for (Map.Entry<String, ConsumerRecord<byte[], byte[]>> entry : byDefault.entrySet()) {
      Header[] expected = entry.getValue().headers().toArray();
      Header[] actual = byOurs.get(entry.getKey()).headers().toArray();
      assertThat(actual).as("headers of " + entry.getKey()).hasSameSizeAs(expected);
      for (int h = 0; h < expected.length; h++) {
        assertThat(actual[h].key()).isEqualTo(expected[h].key());
        if (expected[h].key().equals(MqttHeaders.MESSAGE_ID)) {
          // The broker numbers each session's packets itself: the two sessions may differ. The
          // format must not.
          String id = new String(actual[h].value(), StandardCharsets.UTF_8);
          assertThat(Integer.toString(Integer.parseInt(id))).isEqualTo(id);
        } else if (expected[h].key().equals(MqttHeaders.MESSAGE_EXPIRY)) {
          // The remaining lifetime at delivery: the two sessions may see it a second apart. The
          // format must not.
          String seconds = new String(actual[h].value(), StandardCharsets.UTF_8);
          assertThat(Long.toString(Long.parseLong(seconds))).isEqualTo(seconds);
          assertThat(Long.parseLong(seconds))
              .isCloseTo(
                  Long.parseLong(new String(expected[h].value(), StandardCharsets.UTF_8)),
                  org.assertj.core.data.Offset.offset(5L));
        } else {
          assertThat(actual[h].value())
              .as(entry.getKey() + " " + expected[h].key())
              .isEqualTo(expected[h].value());
        }
        compared++;
      }
      assertThat(byOurs.get(entry.getKey()).key()).isEqualTo(entry.getValue().key());
    }
    // topic, qos, retain, dup, source on every message; MQTT 5 properties on most.
    assertThat(compared).isGreaterThan(messages * 8);

    // record.headers=topic,user: exactly mqtt.topic and the user properties, with the same bytes.
    Map<String, ConsumerRecord<byte[], byte[]>> bySelected = readMessages("hdr.selected", messages);
    for (Map.Entry<String, ConsumerRecord<byte[], byte[]>> entry : byDefault.entrySet()) {
      List<String> expected = new ArrayList<>();
      for (Header header : entry.getValue().headers()) {
        if (header.key().equals(MqttHeaders.TOPIC)
            || header.key().startsWith(MqttHeaders.USER_PROPERTY_PREFIX)) {
          expected.add(header.key() + "=" + java.util.HexFormat.of().formatHex(header.value()));
        }
      }
      List<String> actual = new ArrayList<>();
      for (Header header : bySelected.get(entry.getKey()).headers()) {
        actual.add(header.key() + "=" + java.util.HexFormat.of().formatHex(header.value()));
      }
      assertThat(actual).as("selected headers of " + entry.getKey()).isEqualTo(expected);
    }
    assertThat(stack.rest().taskState("hdr-ours")).isEqualTo("RUNNING");
  }

  private static Map<String, String> config(String kafkaTopic, String headerConverter) {
    Map<String, String> config = SourceConfigs.bytes(hivemq.uri(), "hdr/#", "2", kafkaTopic);
    if (headerConverter != null) {
      config.put("header.converter", headerConverter);
    }
    return config;
  }

  /**
   * Message {@code i}: every QoS, unicode topics and properties, empty values, binary correlation
   * data.
   */
  private static void publish(Mqtt5BlockingClient publisher, Random random, int i) {
    String[] levels = {
      "plant-1", "caf\u00e9", "\u65e5\u672c", "\ud83d\ude00", "a b", "\"q\"", "back\\slash", "42"
    };
    String topic = "hdr/" + levels[random.nextInt(levels.length)] + "/" + i;
    Mqtt5PublishBuilder.Complete publish =
        Mqtt5Publish.builder()
            .topic(topic)
            .qos(MqttQos.values()[i % 3])
            .payload(("msg-" + i).getBytes(StandardCharsets.UTF_8));
    if (random.nextInt(4) > 0) {
      publish =
          publish.contentType(
              random.nextBoolean() ? "application/json; charset=utf-8" : "text/\u00e9t\u00e9");
    }
    if (random.nextInt(4) > 0) {
      publish = publish.responseTopic("replies/" + levels[random.nextInt(levels.length)]);
    }
    if (random.nextInt(4) > 0) {
      byte[] correlation = new byte[random.nextInt(40)];
      random.nextBytes(correlation);
      publish = publish.correlationData(correlation);
    }
    if (random.nextBoolean()) {
      publish =
          publish.payloadFormatIndicator(
              random.nextBoolean()
                  ? Mqtt5PayloadFormatIndicator.UTF_8
                  : Mqtt5PayloadFormatIndicator.UNSPECIFIED);
    }
    if (random.nextBoolean()) {
      publish = publish.messageExpiryInterval(1_000_000 + random.nextInt(1_000_000));
    }
    Mqtt5UserPropertiesBuilder properties = Mqtt5UserProperties.builder();
    for (int p = random.nextInt(4); p > 0; p--) {
      properties =
          properties.add(
              levels[random.nextInt(levels.length)],
              random.nextBoolean() ? "" : levels[random.nextInt(levels.length)] + " \u2713");
    }
    publisher.publish(publish.userProperties(properties.build()).build());
  }

  /**
   * The records of messages msg-0 .. msg-(count - 1) in {@code topic}, by payload, once all have
   * arrived.
   */
  private static Map<String, ConsumerRecord<byte[], byte[]>> readMessages(String topic, int count) {
    List<Map<String, ConsumerRecord<byte[], byte[]>>> read = new ArrayList<>(List.of(Map.of()));
    org.awaitility.Awaitility.await("all messages in " + topic)
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              read.set(0, byPayload(stack.topics().readAll(topic, count, Duration.ofSeconds(5))));
              return read.get(0).size() >= count;
            });
    return read.get(0);
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> byPayload(
      List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, ConsumerRecord<byte[], byte[]>> byPayload = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      String payload = new String(record.value(), StandardCharsets.UTF_8);
      if (payload.startsWith("msg-")) {
        assertThat(byPayload.put(payload, record)).as("duplicate " + payload).isNull();
      }
    }
    return byPayload;
  }
}
