package io.connectmqtt.bench;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.common.MqttHeaders;
import io.connectmqtt.testkit.MqttClients;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The least work a lossless MQTT → Kafka bridge can do, without Kafka Connect: one HiveMQ-client
 * connection with a persistent session, each message sent to Kafka with the connector's key and
 * headers (all but mqtt.message.id, which the client's public API does not expose), and
 * acknowledged on MQTT only when Kafka has acknowledged it. Its producer is configured like a
 * Connect source task's (acks=all, one request in flight, the connector's linger and batch size).
 * The benchmark runs it beside the connector so that the cost of Connect and of our task can be
 * told apart from the cost of Kafka itself.
 */
final class PlainBridge implements AutoCloseable {

  private final KafkaProducer<byte[], byte[]> producer;
  private final Mqtt5AsyncClient client;

  PlainBridge(
      String bootstrapServers, int mqttPort, String filter, String kafkaTopic, int receiveMaximum) {
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
                1,
                ProducerConfig.LINGER_MS_CONFIG,
                0,
                ProducerConfig.BATCH_SIZE_CONFIG,
                524_288,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class.getName()));
    client = MqttClients.builder("bench-plain-bridge", mqttPort).useMqttVersion5().buildAsync();
    client.publishes(
        MqttGlobalPublishFilter.ALL,
        publish -> {
          String topic = publish.getTopic().toString();
          List<Header> headers = new ArrayList<>(6);
          headers.add(new RecordHeader(MqttHeaders.TOPIC, topic.getBytes(StandardCharsets.UTF_8)));
          headers.add(
              new RecordHeader(
                  MqttHeaders.QOS,
                  Integer.toString(publish.getQos().getCode()).getBytes(StandardCharsets.UTF_8)));
          headers.add(
              new RecordHeader(
                  MqttHeaders.RETAIN,
                  Boolean.toString(publish.isRetain()).getBytes(StandardCharsets.UTF_8)));
          headers.add(new RecordHeader(MqttHeaders.DUP, "false".getBytes(StandardCharsets.UTF_8)));
          headers.add(
              new RecordHeader(
                  MqttHeaders.SOURCE, MqttHeaders.SOURCE_VALUE.getBytes(StandardCharsets.UTF_8)));
          producer.send(
              new ProducerRecord<>(
                  kafkaTopic,
                  null,
                  topic.getBytes(StandardCharsets.UTF_8),
                  publish.getPayloadAsBytes(),
                  headers),
              (metadata, error) -> {
                if (error == null) {
                  publish.acknowledge();
                }
              });
        },
        true);
    client
        .connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(3_600)
        .restrictions()
        .receiveMaximum(receiveMaximum)
        .applyRestrictions()
        .send()
        .join();
    client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().join();
  }

  @Override
  public void close() {
    client.disconnect().join();
    producer.close();
  }
}
