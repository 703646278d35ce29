package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TopicFiltersTest {

  @ParameterizedTest
  @CsvSource(
      textBlock =
          """
          sensors/#, sensors, true
          sensors/#, sensors/a/b/c, true
          sensors/+, sensors/a, true
          sensors/+, sensors/a/b, false
          sensors/+, sensors, false
          +/+, a/b, true
          +, /a, false
          /+, /a, true
          a/+/c, a//c, true
          '#', $SYS/broker, false
          +/broker, $SYS/broker, false
          $SYS/#, $SYS/broker, true
          $share/g/sensors/+, sensors/x, true
          a/b, a/b, true
          a/b, a/B, false
          """)
  void matchesAsMqttDefinesIt(String filter, String topic, boolean expected) {
    assertThat(TopicFilters.matches(filter, topic)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/#/b", "a#", "a/b+", "+a/b", ""})
  void rejectsMalformedFilters(String filter) {
    assertThat(TopicFilters.filterProblem(filter)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"#", "+", "a/+/b/#", "/", "a//b"})
  void acceptsWellFormedFilters(String filter) {
    assertThat(TopicFilters.filterProblem(filter)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/+", "a/#", "a\u0000b"})
  void rejectsTopicNamesOneCannotPublishTo(String topic) {
    assertThat(TopicFilters.topicNameProblem(topic)).isNotNull();
  }

  @org.junit.jupiter.api.Test
  void sharedFiltersRoundTrip() {
    String shared = TopicFilters.shared("grp", "sensors/#");
    assertThat(shared).isEqualTo("$share/grp/sensors/#");
    assertThat(TopicFilters.isShared(shared)).isTrue();
    assertThat(TopicFilters.unshared(shared)).isEqualTo("sensors/#");
  }

  @ParameterizedTest
  @CsvSource(
      textBlock =
          """
          a/#, a/b, true
          a/#, a, true
          a/+, a/b, true
          a/+, b/+, false
          a/b, a/c, false
          a/+/c, a/b/+, true
          a/b, a/b/c, false
          +/#, x, true
          fa/#, fb/#, false
          """)
  void overlapMeansSomeTopicMatchesBoth(String first, String second, boolean expected) {
    assertThat(TopicFilters.overlap(first, second)).isEqualTo(expected);
    assertThat(TopicFilters.overlap(second, first)).isEqualTo(expected);
  }
}
