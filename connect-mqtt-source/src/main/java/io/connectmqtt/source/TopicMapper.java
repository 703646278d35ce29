package io.connectmqtt.source;

import io.connectmqtt.common.KafkaTopicNames;
import io.connectmqtt.common.TopicFilters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps an MQTT topic to a legal Kafka topic: the first rule whose filter matches wins, else the
 * default template. Results are cached, since devices publish to the same topics over and over
 * (bounded, so a topic-per-message publisher cannot grow the heap).
 */
final class TopicMapper {

  static final String RULE_SEPARATOR = "=>";
  private static final int CACHE_SIZE = 10_000;

  private record Rule(String filter, TopicTemplate template) {}

  private final List<Rule> rules;
  private final TopicTemplate defaultTemplate;
  private final char replacement;
  private final int maxLength;
  private final Map<String, String> cache =
      new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > CACHE_SIZE;
        }
      };

  TopicMapper(String defaultTemplate, List<String> ruleSpecs, char replacement, int maxLength) {
    this.defaultTemplate = TopicTemplate.parse(defaultTemplate);
    this.rules = new ArrayList<>();
    for (String spec : ruleSpecs) {
      this.rules.add(parseRule(spec));
    }
    this.replacement = replacement;
    this.maxLength = maxLength;
  }

  /** Parses 'filter=>template'; throws IllegalArgumentException saying what is wrong. */
  static void validateRule(String spec) {
    parseRule(spec);
  }

  private static Rule parseRule(String spec) {
    int separator = spec.indexOf(RULE_SEPARATOR);
    if (separator < 0) {
      throw new IllegalArgumentException(
          "rule '"
              + spec
              + "' has no '"
              + RULE_SEPARATOR
              + "'; write it as 'mqtt/filter/+"
              + RULE_SEPARATOR
              + "kafka.topic.${2}'");
    }
    String filter = spec.substring(0, separator).trim();
    String problem = TopicFilters.filterProblem(filter);
    if (problem != null) {
      throw new IllegalArgumentException("rule '" + spec + "': " + problem);
    }
    return new Rule(
        filter, TopicTemplate.parse(spec.substring(separator + RULE_SEPARATOR.length()).trim()));
  }

  synchronized String kafkaTopic(String mqttTopic) {
    return cache.computeIfAbsent(mqttTopic, this::map);
  }

  private String map(String mqttTopic) {
    TopicTemplate template = defaultTemplate;
    for (Rule rule : rules) {
      if (TopicFilters.matches(rule.filter(), mqttTopic)) {
        template = rule.template();
        break;
      }
    }
    return KafkaTopicNames.legalize(template.render(mqttTopic), replacement, maxLength);
  }
}
