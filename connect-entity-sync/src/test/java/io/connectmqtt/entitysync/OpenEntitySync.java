package io.connectmqtt.entitysync;

import io.connectmqtt.entitysync.notify.EntityNotifySinkConnector;
import java.util.HashMap;
import java.util.Map;

/** The entity sync and entity-notify connector configs the integration tests start from. */
final class OpenEntitySync {

  private OpenEntitySync() {}

  /**
   * Open access on purpose (these tests' clients send no token), string keys and JSON values
   * without schemas; a mutable map for the test's own settings.
   */
  static Map<String, String> config(String mqttUri, String jdbcUrl, String user, String entities) {
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", EntitySyncConnector.class.getName());
    config.put("entity.sync.auth", "none");
    config.put("mqtt.server.uris", mqttUri);
    config.put("database.url", jdbcUrl);
    config.put("database.user", user);
    config.put("entities", entities);
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
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
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("consumer.override.auto.offset.reset", "earliest");
    return config;
  }
}
