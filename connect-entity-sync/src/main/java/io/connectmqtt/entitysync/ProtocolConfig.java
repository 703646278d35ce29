package io.connectmqtt.entitysync;

import io.connectmqtt.common.publish.DeliveryConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;

/**
 * Keys of the request/reply protocol: topics, reply QoS and acknowledgement timeout, subscriptions
 * and pass-through. Part of {@link EntitySyncConfig}.
 */
public final class ProtocolConfig {

  static final String GROUP = "Protocol";

  public static final String PREFIX_CONFIG = "entity.sync.topic.prefix";
  public static final String SHARED_GROUP_CONFIG = "entity.sync.shared.subscription.group";
  public static final String REPLY_QOS_CONFIG = "entity.sync.reply.qos";
  public static final String CHANGES_TOPIC_CONFIG = "entity.sync.changes.topic";
  public static final String SUBSCRIPTIONS_TOPIC_CONFIG = "entity.sync.subscriptions.topic";
  public static final String SUBSCRIPTION_TTL_CONFIG = "entity.sync.subscription.ttl.seconds";
  public static final String PASS_THROUGH_TOPIC_CONFIG = "entity.sync.passthrough.topic";

  private ProtocolConfig() {}

  /** Defines this fragment's keys in {@code def}, after the keys of its group defined before. */
  static ConfigDef define(ConfigDef def) {
    int order = EntitySyncConfig.keysInGroup(def, GROUP);
    def.define(
            PREFIX_CONFIG,
            Type.STRING,
            "spec",
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Topic prefix p: clients publish requests to p/<client id>/request and get replies on "
                + "p/<client id>/response.",
            GROUP,
            ++order,
            Width.SHORT,
            "Topic prefix")
        .define(
            SHARED_GROUP_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Shared subscription group of the tasks ($share/<group>/<prefix>/+/request), so each request is "
                + "handled by exactly one task. Empty: the connector name.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Shared subscription group")
        .define(
            REPLY_QOS_CONFIG,
            Type.INT,
            1,
            Range.between(0, 2),
            Importance.MEDIUM,
            "QoS of replies.",
            GROUP,
            ++order,
            Width.SHORT,
            "Reply QoS")
        .define(
            CHANGES_TOPIC_CONFIG,
            Type.STRING,
            "entity-changes",
            new ConfigDef.NonEmptyString(),
            Importance.HIGH,
            "Kafka topic of change events (one per successful create, update, delete), key "
                + "'<schema>.<entity>:<record id>'.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Changes topic")
        .define(
            SUBSCRIPTIONS_TOPIC_CONFIG,
            Type.STRING,
            "entity-subscriptions",
            new ConfigDef.NonEmptyString(),
            Importance.MEDIUM,
            "Compacted Kafka topic of live subscriptions: key = subscription id, value = owner, "
                + "entity, filters and notify topic; a tombstone when it is cancelled or its client disconnects. "
                + "Create it with cleanup.policy=compact.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Subscriptions topic")
        .define(
            SUBSCRIPTION_TTL_CONFIG,
            Type.LONG,
            0L,
            Range.atLeast(0),
            Importance.MEDIUM,
            "Lifetime of a subscription that is not renewed, in seconds; 0: until unsubscribed or disconnected. A "
                + "client renews by sending subscribe with its subscription_id. Expired subscriptions notify nobody "
                + "and are removed (a tombstone on the subscriptions topic) within a minute.",
            GROUP,
            ++order,
            Width.SHORT,
            "Subscription lifetime")
        .define(
            PASS_THROUGH_TOPIC_CONFIG,
            Type.STRING,
            "",
            Importance.LOW,
            "Kafka topic for messages whose 'type' is none of the protocol's (an application's own messages): each "
                + "is written there as its JSON document, key = client id, headers mqtt.topic and mqtt.client.id, "
                + "and acknowledged with {\"forwarded\":true} once Kafka has it. Empty: such messages get "
                + "invalid_message_type.",
            GROUP,
            ++order,
            Width.MEDIUM,
            "Pass-through topic");
    return DeliveryConfig.defineAckTimeout(
        def,
        GROUP,
        ++order,
        "would otherwise hold a reply, and so its request, unacknowledged until the connection breaks for "
            + "another reason; HiveMQ CE sends no new request before it is acknowledged");
  }
}
