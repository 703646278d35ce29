package io.connectmqtt.entitysync.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.connect.ErrorClassifier;
import io.connectmqtt.common.protocol.Filter;
import io.connectmqtt.common.publish.AcknowledgedPublisher;
import io.connectmqtt.common.publish.BadRecordException;
import io.connectmqtt.common.publish.DeliveryConfig;
import io.connectmqtt.common.publish.PublishingSinkTask;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns change events into notifications: every task holds all subscriptions (a {@link
 * SubscriptionTable}), matches each change against the subscriptions of its entity with the
 * protocol's operator semantics, and publishes one notification per matching subscription through
 * an {@link AcknowledgedPublisher}: offsets are committed only for changes whose notifications the
 * broker acknowledged.
 *
 * <p>Clients write both inputs (subscriptions, and the rows in change events), so nothing in them
 * fails the task: a subscription record or change event that cannot be read is skipped with a WARN,
 * counted, and reported to Connect's errant record reporter under {@code errors.tolerance=all}; a
 * notification the broker refuses is skipped too.
 */
public class EntityNotifySinkTask extends PublishingSinkTask {

  private static final Logger log = LoggerFactory.getLogger(EntityNotifySinkTask.class);

  /**
   * Makes the table, given the listener for skipped records: reads the subscriptions topic unless a
   * test says.
   */
  private final Function<SubscriptionTable.Rejections, SubscriptionTable> tables;

  private EntityNotifySinkConfig notify;
  private SubscriptionTable table;
  private int qos;
  private Sensor subscriptionsSkipped;
  private boolean reportsSubscriptions;
  private Admin admin;
  private long lastCatchUpNanos;

  /**
   * The subscriptions topic's partitions (a compacted topic keyed by id; its partition count does
   * not change).
   */
  private List<TopicPartition> partitions;

  public EntityNotifySinkTask() {
    this(null, MqttConnectionFactory.HIVEMQ);
  }

  /**
   * For tests: a task whose subscription table {@code tables} makes, instead of one reading the
   * topic.
   */
  EntityNotifySinkTask(Function<SubscriptionTable.Rejections, SubscriptionTable> tables) {
    this(tables, MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: as above, with the MQTT connection {@code connections} makes. */
  EntityNotifySinkTask(
      Function<SubscriptionTable.Rejections, SubscriptionTable> tables,
      MqttConnectionFactory connections) {
    // Clients write both inputs: a bad change event or a refused notification is skipped, never
    // fatal.
    super(connections, EntityNotifySinkConfig.DEFAULT_NAME, AcknowledgedPublisher.BadRecords.SKIP);
    this.tables = tables;
  }

  @Override
  protected AbstractConfig configure(Map<String, String> props) {
    notify = new EntityNotifySinkConfig(props);
    qos = new DeliveryConfig(notify).qos();
    return notify;
  }

  @Override
  protected void started(Map<String, String> props) {
    String connectorName = TaskConfigs.connectorName(props, EntityNotifySinkConfig.DEFAULT_NAME);
    int taskIndex = TaskConfigs.index(props);
    String bootstrap = notify.getString(EntityNotifySinkConfig.BOOTSTRAP_CONFIG);
    String topic = notify.getString(EntityNotifySinkConfig.SUBSCRIPTIONS_TOPIC_CONFIG);
    subscriptionsSkipped =
        publishing()
            .metrics()
            .counter(
                "subscriptions-skipped",
                "subscription records skipped because they cannot be read");
    SubscriptionTable.Rejections rejections = rejected -> subscriptionsSkipped.record();
    // Every task reads every subscription record; one of them reporting keeps one dead letter per
    // bad record.
    reportsSubscriptions = taskIndex == 0;
    if (tables != null) {
      table = tables.apply(rejections);
      return;
    }
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    table =
        new SubscriptionTable(
            bootstrap, topic, connectorName + "-" + taskIndex + "-subscriptions", rejections);
    catchUp();
  }

  /**
   * Waits until the table holds every subscription written so far, so no fresh subscription is
   * missed.
   */
  private void catchUp() {
    try {
      if (partitions == null) {
        List<TopicPartition> described = new ArrayList<>();
        for (var description :
            admin.describeTopics(List.of(table.topic())).allTopicNames().get().values()) {
          description
              .partitions()
              .forEach(p -> described.add(new TopicPartition(table.topic(), p.partition())));
        }
        partitions = described;
      }
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      partitions.forEach(partition -> request.put(partition, OffsetSpec.latest()));
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin
          .listOffsets(request)
          .all()
          .get()
          .forEach((partition, info) -> ends.put(partition, info.offset()));
      if (!table.awaitCaughtUp(ends, Duration.ofSeconds(30))) {
        throw new RetriableException("The subscriptions topic is not read up to date yet");
      }
      lastCatchUpNanos = System.nanoTime();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while reading subscriptions", e);
    } catch (java.util.concurrent.ExecutionException e) {
      // Retried while Kafka is away or electing a leader; an ACL refusal fails the task.
      throw ErrorClassifier.toConnectException(
          "Cannot read the subscriptions topic's end offsets", e.getCause());
    }
  }

  /** This task's metrics, for tests. */
  TaskMetrics metrics() {
    return publishing().metrics();
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (admin != null && !records.isEmpty() && System.nanoTime() - lastCatchUpNanos > 50_000_000L) {
      catchUp();
    }
    reportRejectedSubscriptions();
    super.put(records);
  }

  /**
   * Hands skipped subscription records to the errant record reporter, on the task's thread
   * (Connect's reporter is not made for other threads), before the batch's offsets can be
   * committed.
   */
  private void reportRejectedSubscriptions() {
    List<SubscriptionTable.Rejected> rejected = table.takeRejected();
    ErrantRecordReporter reporter = publishing().publisher().errantRecordReporter();
    if (rejected.isEmpty() || reporter == null || !reportsSubscriptions) {
      return;
    }
    for (SubscriptionTable.Rejected one : rejected) {
      ConsumerRecord<String, byte[]> record = one.record();
      // Not one of this task's records: Connect converts it with the connector's converters, so it
      // goes as text.
      SinkRecord errant =
          new SinkRecord(
              record.topic(),
              record.partition(),
              Schema.OPTIONAL_STRING_SCHEMA,
              record.key(),
              Schema.OPTIONAL_STRING_SCHEMA,
              record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8),
              record.offset(),
              record.timestamp(),
              record.timestampType());
      try {
        reporter.report(
            errant, new DataException("Skipped " + one.describe() + ": " + one.reason()));
      } catch (RuntimeException e) {
        // E.g. a converter that takes no text: the WARN and the metric already have it.
        log.warn("Could not report {} as an errant record: {}", one.describe(), e.toString());
      }
    }
  }

  @Override
  protected List<OutboundMessage> messagesFor(SinkRecord record) throws BadRecordException {
    try {
      return notifications(record);
    } catch (RuntimeException e) {
      // Whatever else a crafted change event trips over makes it a bad record, not a failed task.
      throw new BadRecordException("the change event cannot be read: " + e, e);
    }
  }

  private List<OutboundMessage> notifications(SinkRecord record) throws BadRecordException {
    RowChange change = RowChange.read(record);
    if (change == null) {
      return List.of();
    }
    String operation = change.operation();
    JsonNode beforeImage = change.before();
    JsonNode afterImage = change.after();
    ObjectNode key = change.key();
    Map<String, Object> before = beforeImage == null ? null : Filter.row(beforeImage);
    Map<String, Object> after = afterImage == null ? null : Filter.row(afterImage);
    List<OutboundMessage> messages = new ArrayList<>();
    int maximumPacketSize = publishing().connection().maximumPacketSize();
    for (Subscription subscription :
        table.candidates(change.schema(), change.entity(), Arrays.asList(before, after))) {
      boolean matchedBefore = before != null && subscription.matcher().matches(before);
      boolean matchesAfter = after != null && subscription.matcher().matches(after);
      String notified;
      JsonNode data;
      switch (operation) {
        case "create" -> {
          notified = matchesAfter ? "create" : null;
          data = afterImage;
        }
        case "delete" -> {
          notified = matchedBefore ? "delete" : null;
          data = beforeImage;
        }
        default -> {
          if (before == null) {
            // No row before the change (Debezium without REPLICA IDENTITY FULL): whether it entered
            // or left cannot be told, so a matching row is an update and a non-matching one
            // notifies nobody.
            notified = matchesAfter ? "update" : null;
          } else {
            // A row that starts matching arrives as a create; one that stops matching leaves with
            // its key only, so a row moved out of a subscriber's filter (another tenant) never
            // shows the subscriber its new content.
            notified =
                matchedBefore && matchesAfter
                    ? "update"
                    : matchesAfter ? "create" : matchedBefore ? "leave" : null;
          }
          data = notified != null && notified.equals("leave") ? key : afterImage;
        }
      }
      if (notified == null) {
        continue;
      }
      ObjectNode notification =
          RowChange.JSON
              .createObjectNode()
              .put("type", "notification")
              .put("operation", notified)
              .put("subscription_id", subscription.id())
              .put("schema", subscription.schema())
              .put("entity", subscription.entity());
      notification.set("data", data == null || data.isNull() ? key : data);
      notification.put("timestamp", Instant.now().toString());
      byte[] payload = notification.toString().getBytes(StandardCharsets.UTF_8);
      if (payload.length
          > OutboundMessage.largestPayload(subscription.notifyTopic(), maximumPacketSize)) {
        // The broker would refuse or the client fail the PUBLISH; the row is the same for every
        // subscriber.
        throw new BadRecordException(
            "the notification of "
                + payload.length
                + " bytes exceeds "
                + "the broker's maximum packet size of "
                + maximumPacketSize
                + " bytes",
            null);
      }
      messages.add(
          new OutboundMessage(
              subscription.notifyTopic(),
              payload,
              qos,
              false,
              Optional.of("application/json"),
              Optional.empty(),
              Optional.empty(),
              Optional.of(true),
              OptionalLong.empty(),
              List.of()));
    }
    return messages;
  }

  @Override
  public void stop() {
    if (table != null) {
      table.close();
    }
    if (admin != null) {
      admin.close();
    }
    super.stop();
  }
}
