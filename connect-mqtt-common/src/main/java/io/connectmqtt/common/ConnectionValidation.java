package io.connectmqtt.common;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigValue;

/**
 * The connection checks every connector's validate() makes, each error attached to the key to fix.
 */
public final class ConnectionValidation {
  private ConnectionValidation() {}

  /**
   * The checks after Connect's field checks in {@code config}, for a connector whose only external
   * system is the MQTT broker: when the fields are clean, the cross-field checks, then when those
   * pass a live probe. Errors are attached to {@code config}'s values; {@code parse} runs only on
   * clean fields.
   */
  public static Config validate(
      Config config, Supplier<AbstractConfig> parse, String connectorName) {
    Map<String, ConfigValue> values = new HashMap<>();
    config.configValues().forEach(v -> values.put(v.name(), v));
    if (hasErrors(values)) {
      return config;
    }
    AbstractConfig parsed = parse.get();
    crossFieldChecks(parsed, values);
    if (!hasErrors(values)) {
      probe(parsed, connectorName, values, session -> {});
    }
    return config;
  }

  /**
   * TLS files must exist on the worker; a PEM client certificate needs its key; 3.1.1 passwords
   * need a user.
   */
  public static void crossFieldChecks(AbstractConfig config, Map<String, ConfigValue> values) {
    for (String key :
        List.of(
            TlsConfig.SSL_TRUSTSTORE_LOCATION_CONFIG,
            TlsConfig.SSL_KEYSTORE_LOCATION_CONFIG,
            TlsConfig.SSL_KEY_LOCATION_CONFIG)) {
      String location = config.getString(key);
      if (!isBlank(location) && !Files.isReadable(Path.of(location.trim()))) {
        values
            .get(key)
            .addErrorMessage(
                "The file '"
                    + location
                    + "' does not exist or is not readable by the "
                    + "Connect worker; give a path on the worker's file system.");
      }
    }
    String keystore = config.getString(TlsConfig.SSL_KEYSTORE_LOCATION_CONFIG);
    boolean anyTls =
        config.getList(MqttConnectionConfig.SERVER_URIS_CONFIG).stream()
            .anyMatch(uri -> uri.trim().toLowerCase().matches("(ssl|tls|mqtts)://.*"));
    if (!isBlank(keystore) && !anyTls) {
      values
          .get(TlsConfig.SSL_KEYSTORE_LOCATION_CONFIG)
          .addErrorMessage(
              "A client certificate is set "
                  + "but no server URI uses TLS; write ssl://host:8883 in "
                  + MqttConnectionConfig.SERVER_URIS_CONFIG
                  + ".");
    }
    if (!isBlank(keystore)
        && TlsConfig.STORE_TYPE_PEM.equalsIgnoreCase(
            config.getString(TlsConfig.SSL_KEYSTORE_TYPE_CONFIG))
        && isBlank(config.getString(TlsConfig.SSL_KEY_LOCATION_CONFIG))) {
      values
          .get(TlsConfig.SSL_KEY_LOCATION_CONFIG)
          .addErrorMessage(
              "A PEM client certificate needs its "
                  + "private key: set "
                  + TlsConfig.SSL_KEY_LOCATION_CONFIG
                  + " to a PKCS#8 PEM key file.");
    }
    if (MqttConnectionConfig.VERSION_3_1_1.equals(
            config.getString(MqttConnectionConfig.VERSION_CONFIG))
        && config.getPassword(MqttConnectionConfig.PASSWORD_CONFIG) != null
        && isBlank(config.getString(MqttConnectionConfig.USERNAME_CONFIG))) {
      values
          .get(MqttConnectionConfig.USERNAME_CONFIG)
          .addErrorMessage(
              "MQTT 3.1.1 sends a password only with a "
                  + "user name: set "
                  + MqttConnectionConfig.USERNAME_CONFIG
                  + " or use "
                  + MqttConnectionConfig.VERSION_CONFIG
                  + "=5.");
    }
  }

  /**
   * Connects once with the connector's settings (clean, throwaway client id) and hands the
   * connected session to {@code whenConnected} for further checks; a failure is attached to the key
   * to fix.
   */
  public static void probe(
      AbstractConfig config,
      String connectorName,
      Map<String, ConfigValue> values,
      Consumer<MqttConnection> whenConnected) {
    String clientId =
        MqttConnectionConfig.clientIdPrefix(config, connectorName)
            + "-validate-"
            + System.nanoTime();
    var settings =
        MqttConnectionFactory.HIVEMQ.negotiate(
            MqttConnectionConfig.settings(config, clientId).withCleanStart(true, 0));
    if (settings.version() == MqttProtocolVersion.MQTT_3_1_1
        && settings.password().isPresent()
        && settings.username().isEmpty()) {
      values
          .get(MqttConnectionConfig.USERNAME_CONFIG)
          .addErrorMessage(
              "The broker speaks only MQTT 3.1.1, which "
                  + "sends a password only with a user name: set "
                  + MqttConnectionConfig.USERNAME_CONFIG
                  + ".");
      return;
    }
    try (MqttConnection probe = MqttConnectionFactory.HIVEMQ.probe(settings)) {
      probe.connectOrThrow();
      whenConnected.accept(probe);
    } catch (MqttConnection.MqttConnectFailedException e) {
      values
          .get(MqttConnectionConfig.SERVER_URIS_CONFIG)
          .addErrorMessage(
              "Could not connect: "
                  + e.getMessage()
                  + (e.permanent()
                      ? ""
                      : ". Check that the broker runs and that host and port are right."));
    } catch (TlsMaterial.TlsConfigurationException e) {
      values
          .get(TlsConfig.SSL_TRUSTSTORE_LOCATION_CONFIG)
          .addErrorMessage("Could not connect: " + e.getMessage());
    } catch (RuntimeException e) {
      values
          .get(MqttConnectionConfig.SERVER_URIS_CONFIG)
          .addErrorMessage("Could not connect: " + e.getMessage());
    }
  }

  public static boolean hasErrors(Map<String, ConfigValue> values) {
    return values.values().stream().anyMatch(v -> !v.errorMessages().isEmpty());
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
