package io.connectmqtt.common.publish;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.testkit.FakeSinkTaskContext;
import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.PublishDroppingProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.sink.SinkRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A broker that silently drops a PUBLISH (issue 10: the sink waited minutes for a PUBACK that never
 * came): a proxy swallows the first QoS 1 PUBLISH between the publisher's MQTT session and HiveMQ
 * CE. After {@code mqtt.publish.ack.timeout.ms} the publisher reconnects, the resumed session sends
 * the publish again with the same packet identifier and DUP set, and every record is acknowledged
 * and committed; offsets never pass the dropped one before that.
 */
class PublishAckTimeoutIT {

  private static final TopicPartition PARTITION = new TopicPartition("t", 0);
  private static final int RECORDS = 20;

  /**
   * Long enough that no acknowledgement the broker (in this JVM) does send comes later on a loaded
   * machine: that would be a second resend, and the reconnect count below would read 2.
   */
  private static final long ACK_TIMEOUT_MS = 5_000;

  @ParameterizedTest(name = "MQTT {0}")
  @ValueSource(strings = {"5", "3.1.1"})
  void aSilentlyDroppedPublishIsSentAgainAfterTheAckTimeout(String version) throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.start();
        PublishDroppingProxy proxy = new PublishDroppingProxy("127.0.0.1", broker.port());
        MqttRecorder subscriber =
            MqttRecorder.persistent("ack-timeout-sub-" + version, broker.port(), "acked/#")) {
      Map<String, String> props = new HashMap<>();
      props.put(TaskConfigs.CONNECTOR_NAME, "ack-timeout-" + version);
      props.put(MqttConnectionConfig.SERVER_URIS_CONFIG, proxy.uri());
      props.put(MqttConnectionConfig.VERSION_CONFIG, version);
      props.put(MqttConnectionConfig.RECONNECT_BACKOFF_INITIAL_CONFIG, "50");
      props.put(MqttConnectionConfig.RECONNECT_BACKOFF_MAX_CONFIG, "500");
      props.put(DeliveryConfig.ACK_TIMEOUT_CONFIG, Long.toString(ACK_TIMEOUT_MS));
      AbstractConfig config =
          new AbstractConfig(
              DeliveryConfig.update(MqttConnectionConfig.define(new ConfigDef())), props);
      FakeSinkTaskContext context = new FakeSinkTaskContext(props, Set.of(PARTITION));
      proxy.dropNextPublishes(1);
      try (SinkPublishing publishing =
          SinkPublishing.start(
              MqttConnectionFactory.HIVEMQ,
              "ack-timeout",
              config,
              props,
              "ack-timeout-it",
              AcknowledgedPublisher.BadRecords.FAIL,
              context)) {
        AcknowledgedPublisher publisher = publishing.publisher();
        TaskMetrics metrics = publishing.metrics();
        List<SinkRecord> records =
            IntStream.range(0, RECORDS)
                .mapToObj(offset -> new SinkRecord("t", 0, null, null, null, "m" + offset, offset))
                .collect(Collectors.toList());
        long start = System.nanoTime();
        publisher.put(
            records,
            record ->
                List.of(
                    OutboundMessage.of(
                        "acked/" + record.kafkaOffset(),
                        record.value().toString().getBytes(StandardCharsets.UTF_8),
                        1,
                        false)));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> publisher.inFlight() == 1);
        assertThat(committed(publisher)).as("nothing past the dropped first record").isZero();

        // Connect calls put() (with an empty batch when nothing is new) on every poll.
        Awaitility.await()
            .atMost(Duration.ofMillis(ACK_TIMEOUT_MS * 4))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  publisher.put(List.of(), record -> List.of());
                  return committed(publisher) == RECORDS;
                });
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        System.out.printf(
            "MQTT %s: dropped publish acknowledged after %d s; %d connections; seen %s%n",
            version, seconds, proxy.connections(), proxy.seen());
        assertThat(metrics.value("ack-timeout-reconnects-total")).isEqualTo(1.0);
        assertThat(proxy.connections()).as("one reconnect").isEqualTo(2);
        PublishDroppingProxy.Seen dropped = proxy.seen().get(0);
        assertThat(dropped.dropped()).isTrue();
        assertThat(proxy.seen())
            .as("sent again with its packet identifier and DUP set")
            .contains(new PublishDroppingProxy.Seen(dropped.packetId(), true, false));
        List<Mqtt5Publish> received = subscriber.awaitAtLeast(RECORDS, Duration.ofSeconds(10));
        assertThat(received.stream().map(p -> p.getTopic().toString()).distinct().count())
            .isEqualTo(RECORDS);
      }
    }
  }

  private static long committed(AcknowledgedPublisher publisher) {
    OffsetAndMetadata offset =
        publisher.committable(Map.of(PARTITION, new OffsetAndMetadata(0))).get(PARTITION);
    return offset == null ? 0 : offset.offset();
  }
}
