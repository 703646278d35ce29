package io.connectmqtt.source;

import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.IntakeConfig;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.QosConfig;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.Versions;
import io.connectmqtt.common.connect.MqttConnectAtStart;
import io.connectmqtt.source.presence.Presence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Hands MQTT messages over to Kafka. The task's MQTT connections ({@link SourceConnections}: one,
 * or several members of one shared subscription group) put each message into the task's {@link
 * MqttIntake} on their client's thread, which {@link #poll()} drains into records ({@link
 * RecordBuilder}, plus the device presence records of {@link Presence}); the message is
 * acknowledged on MQTT only in {@link #commitRecord} once Kafka has acknowledged every record of
 * it. Unacknowledged messages stay in the broker's persistent session and are redelivered after a
 * crash: at least once, end to end. The intake holds at most {@code queue.capacity} unacknowledged
 * messages, so memory and the duplicates after a crash stay bounded on every broker. What the task
 * counts is in {@link SourceTaskMetrics}.
 */
public class MqttSourceTask extends SourceTask {

  private static final Logger log = LoggerFactory.getLogger(MqttSourceTask.class);

  private final MqttConnectionFactory connectionFactory;
  private MqttSourceConfig config;
  private String connectorName;
  private int taskIndex;
  private MqttIntake intake;
  private SourceConnections connections;
  private RecordBuilder records;

  /** The device presence stream; null when presence.topic is empty. */
  private Presence presence;

  private List<String> subscriptionFilters;
  private int qos;
  private int batchSize;
  private int pollTimeoutMs;
  private SourceTaskMetrics metrics;

  public MqttSourceTask() {
    this(MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: a task whose MQTT connections {@code connectionFactory} makes. */
  MqttSourceTask(MqttConnectionFactory connectionFactory) {
    this.connectionFactory = connectionFactory;
  }

  @Override
  public String version() {
    return Versions.version(MqttSourceTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    config = new MqttSourceConfig(props);
    connectorName = TaskConfigs.connectorName(props, MqttSourceConfig.DEFAULT_NAME);
    taskIndex = TaskConfigs.index(props);
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");

    // Before anything that must be closed: a JSON Schema that does not compile fails the start.
    PayloadConverter payloadConverter =
        new PayloadConverter(
            config.valueFormat(),
            config.getBoolean(RecordMappingConfig.VALUE_SCHEMAS_ENABLE_CONFIG),
            config.jsonSchemaText());
    qos = QosConfig.qos(config);
    batchSize = IntakeConfig.batchSize(config);
    pollTimeoutMs = IntakeConfig.pollTimeoutMs(config);
    intake = new MqttIntake(IntakeConfig.queueCapacity(config));
    presence =
        Presence.start(
            config.presence(),
            context == null ? null : context.offsetStorageReader(),
            System::currentTimeMillis);

    List<String> assigned = MqttSourceConfig.assignedFilters(props);
    subscriptionFilters =
        assigned != null
            ? assigned
            : MqttSourceConnector.assignFilters(config, connectorName, 1).get(0);

    metrics = new SourceTaskMetrics(connectorName, taskIndex, intake);
    records =
        new RecordBuilder(
            config,
            connectorName,
            taskIndex,
            payloadConverter,
            config.valueFormat() == PayloadConverter.Format.SPARKPLUG ? sparkplugConverter() : null,
            metrics,
            intake::acknowledge);

    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    MqttConnectionSettings settings = MqttConnectionConfig.settings(config, clientId);
    int receiveMaximum = config.getInt(SubscriptionConfig.RECEIVE_MAXIMUM_CONFIG);
    connections =
        new SourceConnections(
            connectionFactory,
            settings,
            receiveMaximum,
            intake,
            subscriptionFilters,
            config.sharedGroup(connectorName),
            qos,
            config.connections());
    metrics.watch(connections);

    log.info(
        "Starting MQTT source task {} of {} as client '{}' on {}, filters {}",
        taskIndex,
        connectorName,
        clientId,
        settings.serverUris(),
        subscriptionFilters);
    MqttConnectAtStart.await(
            connections.connect(), settings, connections::fatalError, this::stopQuietly)
        .ifPresent(
            sessionPresent ->
                log.info(
                    "MQTT client '{}' connected ({}); {}",
                    clientId,
                    connections.first().version(),
                    sessionPresent
                        ? "the broker resumed its session (unacknowledged messages are redelivered)"
                        : "new session"));
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    connections
        .fatalError()
        .ifPresent(
            error -> {
              throw new ConnectException(
                  "MQTT broker refused the connection for good: " + error, error);
            });
    Throwable refused = connections.subscribeFailure();
    if (refused != null) {
      throw new ConnectException(
          "MQTT subscription failed: "
              + refused.getMessage()
              + ". Check the broker's permissions for "
              + connections.filters(),
          refused);
    }
    connections.wakeIdleMembers();
    InboundMessage first = intake.poll(pollTimeoutMs);
    metrics.polled();
    List<InboundMessage> messages = new ArrayList<>(Math.min(batchSize, intake.queued() + 1));
    if (first != null) {
      messages.add(first);
      intake.drainTo(messages, batchSize - 1);
    }
    // Polled even without messages: the silence rule needs a clock tick.
    Presence.Batch presenceRecords = presence == null ? null : presence.process(messages);
    if (messages.isEmpty() && (presenceRecords == null || presenceRecords.silence().isEmpty())) {
      return null;
    }
    List<SourceRecord> polled = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      MessageRecord record = records.record(messages.get(i));
      if (presenceRecords != null) {
        // The message is acknowledged only once Kafka has its presence records too.
        presenceRecords.of(i).forEach(r -> polled.add(record != null ? record.alongside(r) : r));
      }
      if (record != null) {
        polled.add(record);
      }
    }
    if (presenceRecords != null) {
      polled.addAll(presenceRecords.silence());
    }
    metrics.written(polled.size());
    return polled;
  }

  /**
   * The Sparkplug converter: BIRTH certificates kept in Connect's source offsets, rebirth requests
   * published on the task's first MQTT connection, counts into the task's metrics.
   */
  private SparkplugConverter sparkplugConverter() {
    return new SparkplugConverter(
        partition -> context == null ? null : context.offsetStorageReader().offset(partition),
        config.getBoolean(RecordMappingConfig.SPARKPLUG_REBIRTH_CONFIG),
        request ->
            connections
                .first()
                .publish(request)
                .exceptionally(
                    error -> {
                      log.warn(
                          "Sparkplug rebirth request on {} failed: {}",
                          request.topic(),
                          error.toString());
                      return null;
                    }),
        metrics.sparkplugCounts());
  }

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    if (record instanceof MessageRecord messageRecord && messageRecord.lastWritten()) {
      intake.acknowledge(messageRecord.message);
      metrics.delivered(messageRecord.message);
    }
  }

  @Override
  public void stop() {
    if (intake != null) {
      intake.stop();
    }
    log.info("Stopping MQTT source task {} of {}", taskIndex, connectorName);
    stopQuietly();
  }

  private void stopQuietly() {
    // Messages still queued or in flight are not acknowledged: the broker redelivers them to the
    // next session.
    if (connections != null) {
      connections.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
