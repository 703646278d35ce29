package io.connectmqtt.source;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.ConnectionValidation;
import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.KafkaTopicNames;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.SharedSubscriptionConfig;
import io.connectmqtt.common.TopicFilters;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.config.ConfigValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source connector's checks beyond single fields, each error attached to the key a user must
 * fix: {@link #crossFieldChecks} (keys that contradict each other) and {@link #probe} (a live
 * connection to the broker, run only once everything else is clean).
 */
final class SourceValidation {

  // The connector's logger: validation warnings are the connector's to report.
  private static final Logger log = LoggerFactory.getLogger(MqttSourceConnector.class);

  private SourceValidation() {}

  static void crossFieldChecks(
      MqttSourceConfig config, int tasks, Map<String, ConfigValue> values) {
    for (String filter : config.topicFilters()) {
      if (TopicFilters.isShared(filter)) {
        values
            .get(SubscriptionConfig.TOPICS_CONFIG)
            .addErrorMessage(
                "'"
                    + filter
                    + "' is already a shared "
                    + "subscription; list the plain filter ('"
                    + TopicFilters.unshared(filter)
                    + "') and set tasks.max or "
                    + SharedSubscriptionConfig.SHARED_ALWAYS_CONFIG
                    + "=true: the connector adds $share/<group>/ itself.");
      }
    }
    ConnectionValidation.crossFieldChecks(config, values);
    config.presence().crossFieldChecks(config.topicFilters(), tasks, values);
    if (config.presence().enabled()
        && config.valueFormat() != PayloadConverter.Format.SPARKPLUG
        && config.connections().orElse(1) > 1) {
      values
          .get(SubscriptionConfig.CONNECTIONS_CONFIG)
          .addErrorMessage(
              "With presence on, a device's Will must be read after its last message, and several "
                  + "connections may hand them over out of order (the device would stay online); set "
                  + SubscriptionConfig.CONNECTIONS_CONFIG
                  + "=1 (or auto, which opens one).");
    }
    if (QosConfig.qos(config) == 0) {
      log.warn(
          QosConfig.QOS_CONFIG + "=0: messages lost while the task is down are not redelivered");
    }
    boolean byFilters = SubscriptionConfig.assignsFilters(config);
    if (byFilters) {
      List<String> filters = config.topicFilters();
      for (int i = 0; i < filters.size(); i++) {
        for (int j = i + 1; j < filters.size(); j++) {
          if (TopicFilters.overlap(filters.get(i), filters.get(j))) {
            values
                .get(SubscriptionConfig.TOPICS_CONFIG)
                .addErrorMessage(
                    "With "
                        + SubscriptionConfig.TASK_ASSIGNMENT_CONFIG
                        + "=filters the filters must not overlap, but '"
                        + filters.get(i)
                        + "' and '"
                        + filters.get(j)
                        + "' match the same topics and their messages would be written twice; make them disjoint or use "
                        + SubscriptionConfig.TASK_ASSIGNMENT_CONFIG
                        + "=shared.");
          }
        }
      }
    }
    if (tasks > 1 && config.getBoolean(MqttConnectionConfig.CLEAN_START_CONFIG)) {
      values
          .get(MqttConnectionConfig.CLEAN_START_CONFIG)
          .addErrorMessage(
              "With tasks.max > 1 and a clean start, "
                  + "messages in flight when a task restarts are lost; set "
                  + MqttConnectionConfig.CLEAN_START_CONFIG
                  + "=false.");
    }
    if (config.valueFormat() == PayloadConverter.Format.SPARKPLUG) {
      sparkplugChecks(config, tasks, byFilters, values);
    }
    String inlineSchema = config.getString(RecordMappingConfig.VALUE_JSON_SCHEMA_CONFIG);
    String schemaFile = config.getString(RecordMappingConfig.VALUE_JSON_SCHEMA_FILE_CONFIG);
    boolean json = config.valueFormat() == PayloadConverter.Format.JSON;
    if ((!isBlank(inlineSchema) || !isBlank(schemaFile)) && !json) {
      values
          .get(RecordMappingConfig.VALUE_FORMAT_CONFIG)
          .addErrorMessage(
              "A JSON Schema is set but values are not "
                  + "parsed as JSON; set "
                  + RecordMappingConfig.VALUE_FORMAT_CONFIG
                  + "=json or remove the schema.");
    }
    if (!isBlank(inlineSchema) && !isBlank(schemaFile)) {
      values
          .get(RecordMappingConfig.VALUE_JSON_SCHEMA_FILE_CONFIG)
          .addErrorMessage(
              "Set either "
                  + RecordMappingConfig.VALUE_JSON_SCHEMA_CONFIG
                  + " or "
                  + RecordMappingConfig.VALUE_JSON_SCHEMA_FILE_CONFIG
                  + ", not both.");
    } else if (!isBlank(inlineSchema) || !isBlank(schemaFile)) {
      String key =
          isBlank(inlineSchema)
              ? RecordMappingConfig.VALUE_JSON_SCHEMA_FILE_CONFIG
              : RecordMappingConfig.VALUE_JSON_SCHEMA_CONFIG;
      try {
        PayloadConverter.compileSchema(config.jsonSchemaText());
      } catch (RuntimeException e) {
        values
            .get(key)
            .addErrorMessage(
                "The JSON Schema is " + e.getMessage() + "; fix it or remove the key.");
      }
    }
    String dlq = config.getString(ErrorToleranceConfig.DLQ_TOPIC_CONFIG);
    if (!isBlank(dlq) && !KafkaTopicNames.isLegal(dlq.trim())) {
      values
          .get(ErrorToleranceConfig.DLQ_TOPIC_CONFIG)
          .addErrorMessage(
              "'"
                  + dlq
                  + "' is not a legal Kafka topic "
                  + "name; use letters, digits, '.', '_' and '-' only.");
    }
  }

  /** Sparkplug reads a node's DATA with its BIRTH: both must reach the same task, in order. */
  private static void sparkplugChecks(
      MqttSourceConfig config, int tasks, boolean byFilters, Map<String, ConfigValue> values) {
    if (config.connections().orElse(1) > 1) {
      values
          .get(SubscriptionConfig.CONNECTIONS_CONFIG)
          .addErrorMessage(
              "With "
                  + RecordMappingConfig.VALUE_FORMAT_CONFIG
                  + "=sparkplug a node's BIRTH must be read before its DATA, and several connections may hand them over out "
                  + "of order; set "
                  + SubscriptionConfig.CONNECTIONS_CONFIG
                  + "=1 (or auto, which opens one).");
    }
    if (tasks > 1 && !byFilters) {
      values
          .get(SubscriptionConfig.TASK_ASSIGNMENT_CONFIG)
          .addErrorMessage(
              "With "
                  + RecordMappingConfig.VALUE_FORMAT_CONFIG
                  + "=sparkplug and tasks.max > 1, a shared subscription would spread one edge node over several tasks, each "
                  + "without its BIRTH; set "
                  + SubscriptionConfig.TASK_ASSIGNMENT_CONFIG
                  + "=filters with filters that keep "
                  + "each node on one task (e.g. spBv1.0/plant1/#,spBv1.0/plant2/#), or tasks.max=1.");
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /**
   * Connects once with the task's settings and, where tasks share the stream, checks shared
   * subscriptions.
   */
  static void probe(
      MqttSourceConfig config, String connectorName, int tasks, Map<String, ConfigValue> values) {
    boolean shared =
        SharedSubscriptionConfig.shared(config, tasks)
            && !SubscriptionConfig.assignsFilters(config);
    int connections = config.connections().orElse(1);
    ConnectionValidation.probe(
        config,
        connectorName,
        values,
        session -> {
          int qos = config.getInt(QosConfig.QOS_CONFIG);
          Optional<BrokerVersion> broker =
              config.connections().isEmpty() || shared
                  ? BrokerVersion.probe(session.settings())
                  : Optional.empty();
          if (config.connections().isEmpty()) {
            log.info(
                "{}=auto: each task opens {} MQTT connection(s) on this broker: {}",
                SubscriptionConfig.CONNECTIONS_CONFIG,
                SharedSubscriptionSupport.autoConnections(session, qos, broker),
                SharedSubscriptionSupport.autoReason(session, qos, broker));
          } else if (connections > 1 && !shared) {
            SharedSubscriptionSupport.problem(
                    session, config.sharedGroup(connectorName), config.topicFilters())
                .ifPresent(
                    p ->
                        values
                            .get(SubscriptionConfig.CONNECTIONS_CONFIG)
                            .addErrorMessage(
                                SubscriptionConfig.CONNECTIONS_CONFIG
                                    + "="
                                    + connections
                                    + " needs shared subscriptions so that each "
                                    + "message reaches one connection, but "
                                    + p
                                    + ". Set "
                                    + SubscriptionConfig.CONNECTIONS_CONFIG
                                    + "=auto or 1."));
          }
          if (shared) {
            SharedSubscriptionSupport.warnIfDropped(
                broker, "tasks.max=" + tasks + " shares the stream");
            SharedSubscriptionSupport.problem(
                    session, config.sharedGroup(connectorName), config.topicFilters())
                .ifPresent(
                    p ->
                        values
                            .get(SubscriptionConfig.TOPICS_CONFIG)
                            .addErrorMessage(
                                "tasks.max="
                                    + tasks
                                    + " needs shared subscriptions so that each message reaches one task, but "
                                    + p
                                    + ". Set tasks.max=1, give the tasks disjoint filters ("
                                    + SubscriptionConfig.TASK_ASSIGNMENT_CONFIG
                                    + "="
                                    + SubscriptionConfig.ASSIGNMENT_FILTERS
                                    + "), or use a broker with MQTT shared subscriptions "
                                    + "(HiveMQ, mosquitto 2, EMQX)."));
          }
        });
  }
}
