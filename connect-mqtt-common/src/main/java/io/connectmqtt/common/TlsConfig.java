package io.connectmqtt.common;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.types.Password;

/**
 * The TLS keys of the MQTT connection (a config fragment): trust store, client certificate and key,
 * hostname verification, protocols. {@link MqttConnectionConfig} adds them; they are read only when
 * a server URI is ssl://.
 */
public final class TlsConfig {

  public static final String GROUP_TLS = "MQTT TLS";

  public static final String SSL_TRUSTSTORE_LOCATION_CONFIG = "mqtt.ssl.truststore.location";
  public static final String SSL_TRUSTSTORE_TYPE_CONFIG = "mqtt.ssl.truststore.type";
  public static final String SSL_TRUSTSTORE_PASSWORD_CONFIG = "mqtt.ssl.truststore.password";
  public static final String SSL_KEYSTORE_LOCATION_CONFIG = "mqtt.ssl.keystore.location";
  public static final String SSL_KEYSTORE_TYPE_CONFIG = "mqtt.ssl.keystore.type";
  public static final String SSL_KEYSTORE_PASSWORD_CONFIG = "mqtt.ssl.keystore.password";
  public static final String SSL_KEY_LOCATION_CONFIG = "mqtt.ssl.key.location";
  public static final String SSL_KEY_PASSWORD_CONFIG = "mqtt.ssl.key.password";
  public static final String SSL_HOSTNAME_VERIFICATION_CONFIG =
      "mqtt.ssl.hostname.verification.enabled";
  public static final String SSL_PROTOCOLS_CONFIG = "mqtt.ssl.protocols";

  /** The PEM store type: files read as they are, not through a Java KeyStore. */
  public static final String STORE_TYPE_PEM = "PEM";

  private static final List<String> STORE_TYPES = List.of(STORE_TYPE_PEM, "JKS", "PKCS12");

  private static final String STORE_TYPE_DEFAULT = STORE_TYPE_PEM;
  private static final ConfigDef.Validator STORE_TYPE_VALIDATOR =
      ConfigDef.CaseInsensitiveValidString.in(STORE_TYPES.toArray(new String[0]));

  private TlsConfig() {}

  /** Adds the TLS keys to {@code configDef}, in their own group, and returns it. */
  public static ConfigDef update(ConfigDef configDef) {
    int order = 0;
    return configDef
        .define(
            SSL_TRUSTSTORE_LOCATION_CONFIG,
            Type.STRING,
            null,
            Importance.MEDIUM,
            "Trust store for ssl:// URIs: a PEM file of CA certificates, or a JKS/PKCS12 store. Empty: the JVM's "
                + "default trust store.",
            GROUP_TLS,
            ++order,
            Width.LONG,
            "Trust store")
        .define(
            SSL_TRUSTSTORE_TYPE_CONFIG,
            Type.STRING,
            STORE_TYPE_DEFAULT,
            STORE_TYPE_VALIDATOR,
            Importance.LOW,
            "Format of the trust store: PEM, JKS or PKCS12.",
            GROUP_TLS,
            ++order,
            Width.SHORT,
            "Trust store type")
        .define(
            SSL_TRUSTSTORE_PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.LOW,
            "Password of a JKS/PKCS12 trust store.",
            GROUP_TLS,
            ++order,
            Width.MEDIUM,
            "Trust store password")
        .define(
            SSL_KEYSTORE_LOCATION_CONFIG,
            Type.STRING,
            null,
            Importance.MEDIUM,
            "Client certificate for mutual TLS: a PEM certificate chain (with "
                + SSL_KEY_LOCATION_CONFIG
                + " holding the key), or a JKS/PKCS12 key store.",
            GROUP_TLS,
            ++order,
            Width.LONG,
            "Key store")
        .define(
            SSL_KEYSTORE_TYPE_CONFIG,
            Type.STRING,
            STORE_TYPE_DEFAULT,
            STORE_TYPE_VALIDATOR,
            Importance.LOW,
            "Format of the key store: PEM, JKS or PKCS12.",
            GROUP_TLS,
            ++order,
            Width.SHORT,
            "Key store type")
        .define(
            SSL_KEYSTORE_PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.LOW,
            "Password of a JKS/PKCS12 key store.",
            GROUP_TLS,
            ++order,
            Width.MEDIUM,
            "Key store password")
        .define(
            SSL_KEY_LOCATION_CONFIG,
            Type.STRING,
            null,
            Importance.LOW,
            "PEM file with the client's private key (PKCS#8, 'BEGIN PRIVATE KEY'), for a PEM key store.",
            GROUP_TLS,
            ++order,
            Width.LONG,
            "Private key")
        .define(
            SSL_KEY_PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.LOW,
            "Password of the private key inside a JKS/PKCS12 key store, when it differs from the store's.",
            GROUP_TLS,
            ++order,
            Width.MEDIUM,
            "Key password")
        .define(
            SSL_HOSTNAME_VERIFICATION_CONFIG,
            Type.BOOLEAN,
            true,
            Importance.LOW,
            "Check that the broker's certificate names the host connected to. Turn off only for tests.",
            GROUP_TLS,
            ++order,
            Width.SHORT,
            "Hostname verification")
        .define(
            SSL_PROTOCOLS_CONFIG,
            Type.LIST,
            "TLSv1.3,TLSv1.2",
            Importance.LOW,
            "TLS protocol versions offered.",
            GROUP_TLS,
            ++order,
            Width.MEDIUM,
            "TLS protocols");
  }

  /** The typed view of the TLS keys of any config built with {@link #update}. */
  public static TlsSettings settings(AbstractConfig config) {
    return new TlsSettings(
        location(config, SSL_TRUSTSTORE_LOCATION_CONFIG),
        config.getString(SSL_TRUSTSTORE_TYPE_CONFIG).toUpperCase(Locale.ROOT),
        config.getPassword(SSL_TRUSTSTORE_PASSWORD_CONFIG),
        location(config, SSL_KEYSTORE_LOCATION_CONFIG),
        config.getString(SSL_KEYSTORE_TYPE_CONFIG).toUpperCase(Locale.ROOT),
        config.getPassword(SSL_KEYSTORE_PASSWORD_CONFIG),
        location(config, SSL_KEY_LOCATION_CONFIG),
        config.getPassword(SSL_KEY_PASSWORD_CONFIG),
        config.getBoolean(SSL_HOSTNAME_VERIFICATION_CONFIG),
        config.getList(SSL_PROTOCOLS_CONFIG));
  }

  private static Optional<String> location(AbstractConfig config, String key) {
    return Optional.ofNullable(config.getString(key)).filter(s -> !s.isBlank());
  }

  /**
   * TLS material locations; read only when an ssl:// URI is used. Passwords stay {@link Password}s.
   */
  public record TlsSettings(
      Optional<String> truststoreLocation,
      String truststoreType,
      Password truststorePassword,
      Optional<String> keystoreLocation,
      String keystoreType,
      Password keystorePassword,
      Optional<String> keyLocation,
      Password keyPassword,
      boolean hostnameVerification,
      List<String> protocols) {}
}
