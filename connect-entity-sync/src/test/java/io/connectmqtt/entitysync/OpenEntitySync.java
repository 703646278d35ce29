package io.connectmqtt.entitysync;

import java.util.HashMap;
import java.util.Map;

/** The entity sync connector config the integration tests start from. */
final class OpenEntitySync {

  private OpenEntitySync() {
  }

  /**
   * Open access on purpose (these tests' clients send no token), string keys and JSON values without schemas; a
   * mutable map for the test's own settings.
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
}
