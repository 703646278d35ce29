package io.connectmqtt.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.protocol.Filter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Turns change events into notifications: every task holds all subscriptions (a {@link SubscriptionTable}),
 * matches each change against the subscriptions of its entity with the protocol's operator semantics, and publishes
 * one notification per matching subscription, with the sink's lossless delivery.
 */
public class EntityNotifySinkTask extends MqttSinkTask {

  /** Numbers exactly as written, so a decimal column compares as the database compares it. */
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false).build();
  private SubscriptionTable table;
  private Admin admin;
  private long lastCatchUpNanos;
  /** The subscriptions topic's partitions (a compacted topic keyed by id; its partition count does not change). */
  private List<TopicPartition> partitions;

  @Override
  public void start(Map<String, String> props) {
    super.start(props);
    EntityNotifySinkConfig notify = new EntityNotifySinkConfig(props);
    String bootstrap = notify.getString(EntityNotifySinkConfig.BOOTSTRAP_CONFIG);
    String topic = notify.getString(EntityNotifySinkConfig.SUBSCRIPTIONS_TOPIC_CONFIG);
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    table = new SubscriptionTable(bootstrap, topic, props.getOrDefault("name", "notify") + "-"
        + io.connectmqtt.common.TaskConfigs.index(props) + "-subscriptions");
    catchUp();
  }

  /** Waits until the table holds every subscription written so far, so no fresh subscription is missed. */
  private void catchUp() {
    try {
      if (partitions == null) {
        List<TopicPartition> described = new ArrayList<>();
        for (var description : admin.describeTopics(List.of(table.topic())).allTopicNames().get().values()) {
          description.partitions().forEach(p -> described.add(new TopicPartition(table.topic(), p.partition())));
        }
        partitions = described;
      }
      Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      partitions.forEach(partition -> request.put(partition, OffsetSpec.latest()));
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(request).all().get().forEach((partition, info) -> ends.put(partition, info.offset()));
      if (!table.awaitCaughtUp(ends, Duration.ofSeconds(30))) {
        throw new RetriableException("The subscriptions topic is not read up to date yet");
      }
      lastCatchUpNanos = System.nanoTime();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectException("Interrupted while reading subscriptions", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new RetriableException("Cannot read the subscriptions topic's end offsets: " + e.getCause(), e);
    }
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    if (!records.isEmpty() && System.nanoTime() - lastCatchUpNanos > 50_000_000L) {
      catchUp();
    }
    super.put(records);
  }

  @Override
  protected List<OutboundMessage> messagesFor(SinkRecord record) throws MessageBuilder.BadRecordException {
    JsonNode event = toJson(record.value());
    if (event == null) {
      return List.of();
    }
    if (event.has("payload") && event.has("schema") && event.get("payload").isObject()) {
      event = event.get("payload");
    }
    String op = event.path("op").asText();
    String schema;
    String entity;
    String operation;
    if (event.has("source") && event.path("source").has("table")) {
      // Debezium: op c/u/d (r is a snapshot read, not a change), source.schema, source.table.
      schema = event.path("source").path("schema").asText(null);
      entity = event.path("source").path("table").asText();
      operation = switch (op) {
        case "c" -> "create";
        case "u" -> "update";
        case "d" -> "delete";
        default -> null;
      };
    } else {
      schema = event.path("schema").asText(null);
      entity = event.path("entity").asText();
      operation = switch (op) {
        case "create", "update", "delete" -> op;
        default -> null;
      };
    }
    if (operation == null || entity.isEmpty()) {
      return List.of();
    }
    // Converted once, not once per subscription they are checked against.
    Map<String, Object> before = operation.equals("create") ? null : Filter.row(event.get("before"));
    Map<String, Object> after = operation.equals("delete") ? null : Filter.row(event.get("after"));
    List<OutboundMessage> messages = new ArrayList<>();
    for (SubscriptionTable.Subscription subscription : table.candidates(schema, entity,
        java.util.Arrays.asList(before, after))) {
      boolean matches = (before != null && subscription.matcher().matches(before))
          || (after != null && subscription.matcher().matches(after));
      if (!matches) {
        continue;
      }
      ObjectNode notification = JSON.createObjectNode().put("type", "notification").put("operation", operation)
          .put("subscription_id", subscription.id()).put("schema", subscription.schema())
          .put("entity", subscription.entity());
      JsonNode data = operation.equals("delete") ? event.get("before") : event.get("after");
      notification.set("data", data == null || data.isNull() ? JSON.createObjectNode()
          .put("id", event.path("record_id").asText()) : data);
      notification.put("timestamp", Instant.now().toString());
      messages.add(new OutboundMessage(subscription.notifyTopic(),
          notification.toString().getBytes(StandardCharsets.UTF_8), defaultQos(), false,
          Optional.of("application/json"), Optional.empty(), Optional.empty(), Optional.of(true),
          OptionalLong.empty(), List.of()));
    }
    return messages;
  }

  private static JsonNode toJson(Object value) throws MessageBuilder.BadRecordException {
    try {
      if (value == null) {
        return null;
      }
      if (value instanceof byte[] bytes) {
        return JSON.readTree(bytes);
      }
      if (value instanceof String text) {
        return JSON.readTree(text);
      }
      if (value instanceof Map<?, ?> map) {
        return JSON.valueToTree(map);
      }
      if (value instanceof org.apache.kafka.connect.data.Struct struct) {
        return PayloadEncoder.toJson(struct.schema(), struct);
      }
    } catch (java.io.IOException e) {
      throw new MessageBuilder.BadRecordException("the change event is not JSON", e);
    }
    throw new MessageBuilder.BadRecordException("the change event is a " + value.getClass().getSimpleName()
        + ", not a JSON document", null);
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
