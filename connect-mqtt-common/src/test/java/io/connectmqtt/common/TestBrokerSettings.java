package io.connectmqtt.common;

import io.connectmqtt.testkit.TestBroker;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Connection settings for a broker of the test matrix with every other key at its default, for a
 * probe or session a test opens itself. In common's test jar, not the testkit: common's own tests
 * use the testkit, which therefore cannot use common.
 */
public final class TestBrokerSettings {

  private TestBrokerSettings() {}

  public static MqttConnectionConfig.MqttConnectionSettings of(TestBroker broker, String clientId) {
    AbstractConfig config =
        new AbstractConfig(
            MqttConnectionConfig.define(new ConfigDef()),
            Map.of(MqttConnectionConfig.SERVER_URIS_CONFIG, broker.uri()));
    return MqttConnectionConfig.settings(config, clientId);
  }
}
