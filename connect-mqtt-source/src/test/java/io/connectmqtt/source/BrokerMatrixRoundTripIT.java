package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.Broker;
import io.connectmqtt.testkit.BrokerOptions;
import io.connectmqtt.testkit.ConnectRest;
import io.connectmqtt.testkit.MosquittoBroker;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import io.connectmqtt.testkit.SourceRoundTrip;
import io.connectmqtt.testkit.TestBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The source connector on every broker of the matrix, with its documented defaults: {@code
 * mqtt.version=auto} finds MQTT 5 where the broker has it, else MQTT 3.1.1. Independent clients
 * publish QoS 1 messages (mosquitto_pub for exact payload bytes, the testkit's load publisher for
 * volume) and every one must be in Kafka once, with its payload bytes, its key and its {@code
 * mqtt.topic} header ({@code SourceRoundTrip} in the testkit, which the broker benchmark runs too).
 * One broker at a time.
 *
 * <p>The brokers keep sessions in memory here: this test restarts nothing ({@code BrokerRestartIT}
 * does). To reproduce a case: {@code -Dmatrix.brokers=MOSQUITTO} runs only that broker, {@code
 * -Dmatrix.outgoingWindow=100} sets its outgoing window. The brokers, Kafka and the Connect worker
 * are the module's {@link SharedFixtures}, started once for both tests here and the other matrix
 * tests of the module.
 */
@ExtendWith(SharedFixtures.class)
class BrokerMatrixRoundTripIT {

  private static final int MESSAGES = 2_000;
  private static final int PAYLOAD_SIZE = 256;

  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void everyQos1MessageArrivesOnceWithPayloadKeyAndTopicHeader(Broker kind) throws Exception {
    MosquittoBroker.assumeAvailable();
    kind.assumeSelected();
    BrokerOptions options =
        BrokerOptions.DEFAULTS
            .withPersistence(false)
            .withOutgoingWindow(Integer.getInteger("matrix.outgoingWindow", 0));
    TestBroker broker = SharedFixtures.broker(kind, options);
    String id = kind.name().toLowerCase();
    String kafkaTopic = "matrix." + id;
    String version = broker.mqtt5() ? "5" : "3.1.1";
    ProcessStack fixtures = stack();
    fixtures.topics().create(kafkaTopic, 1);
    Map<String, String> config =
        SourceConfigs.bytes(broker.uri(), "matrix/" + id + "/#", "1", kafkaTopic);
    String name = "matrix-" + id;
    fixtures.rest().createOrReplace(name, config);
    try {
      fixtures.rest().awaitRunning(name, 1, Duration.ofSeconds(60));
      SourceRoundTrip.Result result =
          SourceRoundTrip.run(fixtures.topics(), broker, id, kafkaTopic, MESSAGES, PAYLOAD_SIZE);
      System.out.printf(
          "MATRIX: %s over MQTT %s: %d + 2 messages round trip in %.1f s: %s, broker drops %s%n",
          broker.name(),
          version,
          MESSAGES,
          result.seconds(),
          result.summary(),
          broker.droppedMessageCount());
      assertThat(result.differences())
          .as("what differed in Kafka (" + broker.name() + ")")
          .isEmpty();
      assertThat(result.missing())
          .as("messages missing in Kafka (" + broker.name() + ", MQTT " + version + ")")
          .isZero();
      assertThat(result.duplicates())
          .as("duplicates in a run without faults (" + broker.name() + ")")
          .isZero();
      broker
          .droppedMessageCount()
          .ifPresent(dropped -> assertThat(dropped).as("broker drops").isZero());
    } finally {
      fixtures.rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
    }
  }

  /**
   * tasks.max=2 on one filter needs shared subscriptions: validation accepts it where the broker
   * has them and says why not where it does not (MQTT 3.1.1 brokers that take $share/... as a plain
   * filter), instead of tasks that silently receive nothing.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Broker.class)
  void validationTellsWhetherTasksCanShareOneFilter(Broker kind) {
    kind.assumeSelected();
    TestBroker broker = SharedFixtures.broker(kind, BrokerOptions.DEFAULTS.withPersistence(false));
    Map<String, String> config = SourceConfigs.source(broker.uri(), "shared/#");
    config.put("name", "matrix-shared-" + kind.name().toLowerCase());
    config.put("tasks.max", "2");
    config.put("kafka.topic", "matrix.shared");
    Map<String, List<String>> errors =
        ConnectRest.errorsByKey(
            stack().rest().validate(MqttSourceConnector.class.getName(), config));
    System.out.printf("MATRIX: %s, tasks.max=2 on one filter: %s%n", broker.name(), errors);
    if (broker.sharedSubscriptions()) {
      assertThat(errors).as("validation errors on " + broker.name()).isEmpty();
    } else {
      assertThat(errors.get("mqtt.topics"))
          .as("the error on mqtt.topics (" + broker.name() + ")")
          .singleElement()
          .asString()
          .contains("shared subscription", "tasks.max=1");
    }
  }

  private static ProcessStack stack() {
    return SharedFixtures.processStack(
        List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")));
  }
}
