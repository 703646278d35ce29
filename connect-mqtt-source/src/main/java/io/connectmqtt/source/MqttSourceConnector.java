package io.connectmqtt.source;

import io.connectmqtt.common.BrokerVersion;
import io.connectmqtt.common.ConnectionValidation;
import io.connectmqtt.common.ErrorToleranceConfig;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttProtocolVersion;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.SharedSubscriptionConfig;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.common.Versions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.ExactlyOnceSupport;
import org.apache.kafka.connect.source.SourceConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT to Kafka. Each task is one MQTT client with a persistent session; with more than one task
 * they share the subscriptions ({@code $share/<group>/<filter>}) so that every message reaches one
 * task.
 */
public class MqttSourceConnector extends SourceConnector {

  private static final Logger log = LoggerFactory.getLogger(MqttSourceConnector.class);
  static final String TASKS_MAX_CONFIG = "tasks.max";

  private Map<String, String> props;

  @Override
  public String version() {
    return Versions.version(MqttSourceConnector.class);
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    MqttSourceConfig config = new MqttSourceConfig(props);
    log.info(
        "Starting MQTT source connector {} for filters {}",
        props.get(TaskConfigs.CONNECTOR_NAME),
        config.topicFilters());
  }

  @Override
  public Class<? extends Task> taskClass() {
    return MqttSourceTask.class;
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<List<String>> assignments =
        assignFilters(
            new MqttSourceConfig(props),
            TaskConfigs.connectorName(props, MqttSourceConfig.DEFAULT_NAME),
            maxTasks);
    return TaskConfigs.indexed(
        props, assignments.size(), i -> MqttSourceConfig.assignFilters(assignments.get(i)));
  }

  /**
   * Each task's subscription filters. 'shared': all filters for every task, as shared subscriptions
   * when more than one task runs; 'filters': the filters dealt out round robin, at most one task
   * per filter.
   */
  static List<List<String>> assignFilters(
      MqttSourceConfig config, String connectorName, int maxTasks) {
    List<String> filters = config.topicFilters();
    List<List<String>> assignments = new ArrayList<>();
    if (SubscriptionConfig.assignsFilters(config)) {
      int tasks = Math.min(maxTasks, filters.size());
      for (int i = 0; i < tasks; i++) {
        assignments.add(new ArrayList<>());
      }
      for (int i = 0; i < filters.size(); i++) {
        assignments.get(i % tasks).add(filters.get(i));
      }
      return assignments;
    }
    boolean shared = SharedSubscriptionConfig.shared(config, maxTasks);
    String group = config.sharedGroup(connectorName);
    List<String> subscriptions =
        filters.stream()
            .map(filter -> shared ? TopicFilters.shared(group, filter) : filter)
            .toList();
    for (int i = 0; i < maxTasks; i++) {
      assignments.add(subscriptions);
    }
    return assignments;
  }

  @Override
  public void stop() {
    log.info(
        "Stopping MQTT source connector {}",
        props == null ? "" : props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public ConfigDef config() {
    return MqttSourceConfig.CONFIG_DEF;
  }

  /** MQTT cannot replay from an offset, so exactly-once is not possible; at-least-once is. */
  @Override
  public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> connectorConfig) {
    return ExactlyOnceSupport.UNSUPPORTED;
  }

  /**
   * Field checks (ConfigDef), then cross-field checks, then a live probe of the broker when all
   * else is clean.
   */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    Config config = super.validate(connectorConfigs);
    Map<String, ConfigValue> values = new HashMap<>();
    config.configValues().forEach(v -> values.put(v.name(), v));
    if (config.configValues().stream().anyMatch(v -> !v.errorMessages().isEmpty())) {
      return config;
    }
    MqttSourceConfig parsed = new MqttSourceConfig(connectorConfigs);
    int tasks = parseTasks(connectorConfigs.get(TASKS_MAX_CONFIG));
    crossFieldChecks(parsed, tasks, values);
    if (values.values().stream().allMatch(v -> v.errorMessages().isEmpty())) {
      probe(
          parsed,
          TaskConfigs.connectorName(connectorConfigs, MqttSourceConfig.DEFAULT_NAME),
          tasks,
          values);
    }
    return config;
  }

  private static int parseTasks(String value) {
    try {
      return value == null ? 1 : Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      return 1;
    }
  }

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
    if (!isBlank(dlq) && !io.connectmqtt.common.KafkaTopicNames.isLegal(dlq.trim())) {
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
                  ? BrokerVersion.probe(session.settings(), Duration.ofMillis(500))
                  : Optional.empty();
          if (config.connections().isEmpty()) {
            log.info(
                "{}=auto: each task opens {} MQTT connection(s) on this broker: {}",
                SubscriptionConfig.CONNECTIONS_CONFIG,
                SourceConnections.autoConnections(session, qos, broker),
                SourceConnections.autoReason(session, qos, broker));
          } else if (connections > 1 && !shared) {
            sharedSubscriptionProblem(
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
          if (shared
              && broker.filter(BrokerVersion::dropsSharedSubscriptionsOnRestart).isPresent()) {
            log.warn(
                "tasks.max={} shares the stream on {}, which drops shared subscriptions in a restart (messages are "
                    + "discarded until the tasks subscribe again; docs/troubleshooting.md). Use {}={}, one task, or mosquitto "
                    + "2.1 or later.",
                tasks,
                broker.get(),
                SubscriptionConfig.TASK_ASSIGNMENT_CONFIG,
                SubscriptionConfig.ASSIGNMENT_FILTERS);
          }
          if (shared) {
            sharedSubscriptionProblem(
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

  private static Optional<String> sharedSubscriptionProblem(
      MqttConnection probe, String group, List<String> filters) {
    if (!probe.sharedSubscriptionAvailable()) {
      return Optional.of("the broker's CONNACK says it has no shared subscriptions");
    }
    String shared = TopicFilters.shared(group, filters.get(0));
    try {
      probe.subscribe(List.of(shared), 0).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return Optional.of(
          "the broker refused the shared subscription '"
              + shared
              + "' ("
              + cause.getMessage()
              + ")");
    }
    return probe.version() == MqttProtocolVersion.MQTT_3_1_1
        ? sharedSubscriptionIgnored(probe, filters)
        : Optional.empty();
  }

  /**
   * An MQTT 3.1.1 broker does not say whether it has shared subscriptions, and one without
   * (RabbitMQ, Aedes, Moquette 0.17) accepts {@code $share/...} as a plain topic filter that
   * matches nothing: every task would receive nothing. One QoS 1 message to a probe topic through a
   * probe group tells. The probe topic must not match the connector's own filters, or running tasks
   * would write it to Kafka; where it would, the check is left out.
   */
  private static Optional<String> sharedSubscriptionIgnored(
      MqttConnection probe, List<String> filters) {
    String topic = "connect-mqtt-probe/" + UUID.randomUUID();
    if (filters.stream()
        .anyMatch(filter -> TopicFilters.matches(TopicFilters.unshared(filter), topic))) {
      return Optional.empty();
    }
    String probeFilter = TopicFilters.shared("connect-mqtt-probe", topic);
    CompletableFuture<Void> arrived = new CompletableFuture<>();
    probe.onMessage(
        message -> {
          message.acknowledge();
          if (message.topic().equals(topic)) {
            arrived.complete(null);
          }
        },
        Runnable::run);
    try {
      probe.subscribe(List.of(probeFilter), 1).get(10, TimeUnit.SECONDS);
      probe.publish(OutboundMessage.of(topic, new byte[0], 1, false)).get(10, TimeUnit.SECONDS);
      arrived.get(5, TimeUnit.SECONDS);
      return Optional.empty();
    } catch (TimeoutException e) {
      return Optional.of(
          "a message published to '"
              + topic
              + "' did not reach the shared subscription '"
              + probeFilter
              + "': this MQTT 3.1.1 broker takes $share/... as a plain topic filter (RabbitMQ, Aedes and "
              + "Moquette 0.17 do), so the tasks would receive nothing (or the connector's user may not publish there)");
    } catch (Exception e) {
      log.info("Could not check shared subscriptions on the broker: {}", e.toString());
      return Optional.empty();
    }
  }
}
