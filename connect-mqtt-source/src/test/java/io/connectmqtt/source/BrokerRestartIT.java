package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.ConnectPerClass;
import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.MqttLoadPublisher;
import io.connectmqtt.testkit.MqttRecorder;
import io.connectmqtt.testkit.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A graceful restart of the MQTT broker mid-stream, with its sessions persisted, as the broker
 * table does (docs/brokers.md): a QoS 1 publisher at a fixed rate (retrying what the broker had not
 * acknowledged), the broker restarted once a third of the messages are in Kafka. Two paths read the
 * same stream: a plain persistent-session subscriber (HiveMQ client, each message acknowledged only
 * after it is recorded) and the source connector. Per path: lost (acknowledged to the publisher,
 * never delivered) and duplicates. Nothing may be lost on either path; if the plain subscriber
 * loses too, the broker does. The brokers restarted in other tests (HiveMQ CE: SourceCrashIT) are
 * not repeated here.
 */
class BrokerRestartIT {

  private static final int MESSAGES = 20_000;
  private static final int RATE = 2_000;

  @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();

  @ParameterizedTest(name = "{0}")
  @EnumSource(
      value = Broker.class,
      names = {"AEDES", "MOSQUITTO"})
  void aGracefulBrokerRestartLosesNothingOnEitherPath(Broker kind) throws Exception {
    kind.assumeSelected();
    try (TestBroker broker = kind.start()) {
      String id = kind.name().toLowerCase(Locale.ROOT);
      String filter = "restart/" + id;
      String topic = "restart." + id;
      fixtures.topics().create(topic, 3);
      Map<String, String> config = SourceConfigs.source(broker.uri(), filter + "/#");
      config.put("kafka.topic", topic);
      config.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
      String name = "restart-" + id;
      fixtures.startConnector(name, config);
      try (MqttRecorder plain =
          MqttRecorder.subscribe(
              "plain-" + id, broker.port(), filter + "/#", true, broker.mqtt5())) {
        // The connector subscribes after RUNNING; a message published before would be missing on
        // its path only.
        awaitSubscribed(broker, filter, topic);
        int probes = plain.received().size();
        CompletableFuture<Void> publishing =
            CompletableFuture.runAsync(
                () -> {
                  try (MqttLoadPublisher publisher =
                      new MqttLoadPublisher(
                          "restart-publisher-" + id, broker.port(), broker.mqtt5())) {
                    publisher.publish(
                        0, MESSAGES, 64, RATE, seq -> filter + "/device-" + (seq % 10));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        Awaitility.await("Kafka holds a third")
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> fixtures.topics().endOffsetSum(topic) >= MESSAGES / 3 + probes);
        long began = System.nanoTime();
        broker.restart();
        double down = (System.nanoTime() - began) / 1e9;
        publishing.get(5, TimeUnit.MINUTES);
        awaitQuietly(
            () ->
                count(plain.received()).lost == 0
                    && count(kafka(topic, KafkaTopics.POLLED_READ)).lost == 0);
        Count plainCount = count(plain.received());
        Count connectorCount = count(kafka(topic, KafkaTopics.FINAL_READ));
        System.out.printf(
            Locale.ROOT,
            "RESTART: %s restarted in %.1f s with %d QoS 1 messages at %d msg/s: plain "
                + "subscriber %s, source connector %s%n",
            broker.name(),
            down,
            MESSAGES,
            RATE,
            plainCount,
            connectorCount);
        if (plainCount.lost > 0 || connectorCount.lost > 0) {
          // Where the missing messages are: held back by the broker until the session resumes, or
          // gone.
          plain.reconnect();
          fixtures.rest().restart(name);
          awaitQuietly(
              () ->
                  count(plain.received()).lost == 0
                      && count(kafka(topic, KafkaTopics.POLLED_READ)).lost == 0);
          System.out.printf(
              Locale.ROOT,
              "RESTART: %s after both paths resumed their sessions once more: plain "
                  + "subscriber %s, source connector %s%n",
              broker.name(),
              count(plain.received()),
              count(kafka(topic, KafkaTopics.FINAL_READ)));
        }
        assertThat(plainCount.lost)
            .as(broker.name() + ": messages the plain subscriber never got")
            .isZero();
        assertThat(connectorCount.lost).as(broker.name() + ": messages never in Kafka").isZero();
      } finally {
        fixtures.rest().delete(name);
      }
    }
  }

  /**
   * Sends probe messages until both the plain subscriber's and the connector's subscriptions
   * deliver.
   */
  private static void awaitSubscribed(TestBroker broker, String filter, String topic) {
    try (MqttLoadPublisher probe =
        new MqttLoadPublisher("restart-probe", broker.port(), broker.mqtt5())) {
      long[] next = {MESSAGES};
      Awaitility.await("the connector subscribed")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                probe.publish(next[0], next[0] + 1, 64, 0, seq -> filter + "/probe");
                next[0]++;
                return fixtures.topics().endOffsetSum(topic) > 0;
              });
    }
  }

  private static List<byte[]> kafka(String topic, Duration deadline) {
    return fixtures.topics().readAll(topic, MESSAGES, deadline).stream()
        .map(ConsumerRecord::value)
        .toList();
  }

  private static Count count(List<?> payloads) {
    int[] times = new int[MESSAGES];
    for (Object payload : payloads) {
      byte[] bytes =
          payload instanceof Mqtt5Publish publish ? publish.getPayloadAsBytes() : (byte[]) payload;
      long seq = MqttLoadPublisher.sequence(bytes);
      if (seq >= 0 && seq < MESSAGES) {
        times[(int) seq]++;
      }
    }
    Count count = new Count();
    for (int t : times) {
      if (t == 0) {
        count.lost++;
      } else {
        count.duplicates += t - 1;
      }
    }
    return count;
  }

  /** Waits at most a minute; the counts then say what is missing. */
  private static void awaitQuietly(java.util.concurrent.Callable<Boolean> condition) {
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(2))
          .until(condition);
    } catch (ConditionTimeoutException e) {
      // The assertions say what is missing.
    }
  }

  private static final class Count {
    int lost;
    int duplicates;

    @Override
    public String toString() {
      return lost + " lost, " + duplicates + " duplicates";
    }
  }
}
