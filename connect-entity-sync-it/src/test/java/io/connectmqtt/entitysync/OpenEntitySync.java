package io.connectmqtt.entitysync;

import io.connectmqtt.entitysync.notify.EntityNotifySinkConnector;
import io.connectmqtt.testkit.ConnectRest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** The entity sync and entity-notify connector configs the integration tests start from. */
final class OpenEntitySync {

  private static final String JSON_CONVERTER = "org.apache.kafka.connect.json.JsonConverter";
  private static final String STRING_CONVERTER = "org.apache.kafka.connect.storage.StringConverter";

  private OpenEntitySync() {}

  /**
   * Open access on purpose (these tests' clients send no token), string keys and JSON values
   * without schemas; a mutable map for the test's own settings.
   */
  static Map<String, String> config(String mqttUri, String jdbcUrl, String user, String entities) {
    Map<String, String> config = withAuthentication(mqttUri, jdbcUrl, user, entities);
    config.put("entity.sync.auth", "none");
    config.put("key.converter", STRING_CONVERTER);
    return config;
  }

  /**
   * Points entity sync {@code config} at the changes and subscriptions topics {@code changes} and
   * {@code subscriptions}: a test's own, where other tests share the Kafka. Returns {@code config}.
   */
  static Map<String, String> topics(
      Map<String, String> config, String changes, String subscriptions) {
    config.put("entity.sync.changes.topic", changes);
    config.put("entity.sync.subscriptions.topic", subscriptions);
    return config;
  }

  /**
   * The connector with the worker's key converter and the default authentication (a token is
   * required): for tests that configure their own hooks; a mutable map.
   */
  static Map<String, String> withAuthentication(
      String mqttUri, String jdbcUrl, String user, String entities) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", EntitySyncConnector.class.getName());
    config.put("mqtt.server.uris", mqttUri);
    config.put("database.url", jdbcUrl);
    config.put("database.user", user);
    config.put("entities", entities);
    return schemalessJsonValues(config);
  }

  /**
   * Adds JWT authentication (HS256 with {@code secret}, the tenant from the token), role rules
   * {@code roleRules} and tenant isolation to {@code config}, with subscriptions that live an hour.
   */
  static Map<String, String> jwtTenants(
      Map<String, String> config, String secret, String roleRules) {
    config.put(
        "entity.sync.hooks",
        "io.connectmqtt.entitysync.hooks.JwtAuthenticationHook,"
            + "io.connectmqtt.entitysync.hooks.RoleRulesHook,"
            + "io.connectmqtt.entitysync.hooks.TenantIsolationHook");
    config.put("entity.sync.roles.rules", roleRules);
    config.put("entity.sync.jwt.hs256.secret", secret);
    config.put("entity.sync.tenant.source", "jwt");
    config.put("entity.sync.subscription.ttl.seconds", "3600");
    return config;
  }

  /**
   * The notify sink reading change events from {@code topics} and subscriptions through {@code
   * bootstrapServers}, from the start of its topics; a mutable map for the test's own settings.
   */
  static Map<String, String> notifySink(String mqttUri, String bootstrapServers, String topics) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", EntityNotifySinkConnector.class.getName());
    config.put("topics", topics);
    config.put("mqtt.server.uris", mqttUri);
    config.put("entity.notify.subscriptions.bootstrap.servers", bootstrapServers);
    config.put("key.converter", STRING_CONVERTER);
    config.put("consumer.override.auto.offset.reset", "earliest");
    return schemalessJsonValues(config);
  }

  /**
   * As {@link #notifySink(String, String, String)}, reading subscriptions from {@code
   * subscriptionsTopic}.
   */
  static Map<String, String> notifySink(
      String mqttUri, String bootstrapServers, String topics, String subscriptionsTopic) {
    Map<String, String> config = notifySink(mqttUri, bootstrapServers, topics);
    config.put("entity.notify.subscriptions.topic", subscriptionsTopic);
    return config;
  }

  private static Map<String, String> schemalessJsonValues(Map<String, String> config) {
    config.put("value.converter", JSON_CONVERTER);
    config.put("value.converter.schemas.enable", "false");
    return config;
  }

  /**
   * Creates (or replaces) connector {@code name}, waits up to 90 s for its {@code tasks} tasks to
   * run, then until it answers a ping on {@code prefix}: RUNNING comes before the task subscribed,
   * and a request published before that reaches no one.
   */
  static void startServed(
      ConnectRest rest,
      String name,
      Map<String, String> config,
      int tasks,
      int mqttPort,
      String prefix,
      String probeId) {
    rest.createOrReplace(name, config);
    rest.awaitRunning(name, tasks, Duration.ofSeconds(90));
    try (ProtocolClient probe = new ProtocolClient(mqttPort, prefix, probeId)) {
      probe.awaitServed();
    }
  }
}
