package io.connectmqtt.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.KafkaTopics;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.SharedFixtures;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The testkit's Kafka reader against a real broker with auto-creation on (as Kafka's default and
 * the stacks' brokers have it). Here rather than in the testkit, whose tests have no Kafka: this
 * module's shared stack costs nothing more.
 */
@ExtendWith(SharedFixtures.class)
class KafkaTopicsIT {

  /**
   * A test that reads a topic before the connector wrote to it must not create it: Connect then
   * finds it and skips its own creation with the connector's topic config ({@code PresenceIT} found
   * its compacted presence topic with {@code cleanup.policy=delete} under load).
   */
  @Test
  void readingATopicThatDoesNotExistDoesNotCreateIt() {
    KafkaTopics topics =
        SharedFixtures.processStack(List.of(ProjectLayout.pluginDirectory("connect-mqtt-source")))
            .topics();
    String topic = "kafka-topics-it.never-written";

    assertThat(topics.readAll(topic, 0, Duration.ofSeconds(2))).isEmpty();

    assertThat(topics.list()).doesNotContain(topic);
  }
}
