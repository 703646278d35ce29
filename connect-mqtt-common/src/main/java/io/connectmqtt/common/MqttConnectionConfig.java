package io.connectmqtt.common;

import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The MQTT connection settings every plugin shares, as a {@link ConfigDef} fragment with typed
 * getters: server URIs with failover, protocol version, session, authentication, reconnect backoff,
 * and the TLS keys of {@link TlsConfig}.
 */
public final class MqttConnectionConfig {

  public static final String GROUP_CONNECTION = "MQTT connection";

  public static final String SERVER_URIS_CONFIG = "mqtt.server.uris";
  private static final String SERVER_URIS_DOC =
      "MQTT brokers to connect to, as a comma-separated list of URIs: tcp://host:1883 for plain TCP, ssl://host:8883 "
          + "for TLS (mqtt:// and mqtts:// are accepted as aliases). The first reachable one is used; when the "
          + "connection drops the client fails over to the next one, round robin.";

  public static final String VERSION_CONFIG = "mqtt.version";
  public static final String VERSION_AUTO = "auto";
  public static final String VERSION_5 = "5";
  public static final String VERSION_3_1_1 = "3.1.1";
  private static final String VERSION_DOC =
      "MQTT protocol version: 5 (user properties, content type, correlation data, receive maximum, session expiry), "
          + "3.1.1, or auto: MQTT 5 where the broker speaks it, else 3.1.1 (RabbitMQ 3.x, Aedes, Moquette 0.17), "
          + "found out with a throwaway connection when a task starts and logged.";

  public static final String CLIENT_ID_CONFIG = "mqtt.client.id";
  private static final String CLIENT_ID_DOC =
      "MQTT client identifier prefix. Each task connects as '<prefix>-<task number>', a stable identity so that its "
          + "persistent session (and the messages the broker keeps for it) survives restarts. Empty means the "
          + "connector name.";

  public static final String USERNAME_CONFIG = "mqtt.username";
  public static final String PASSWORD_CONFIG = "mqtt.password";

  public static final String KEEP_ALIVE_CONFIG = "mqtt.keepalive.seconds";
  public static final String CONNECT_TIMEOUT_CONFIG = "mqtt.connect.timeout.ms";
  public static final String RECONNECT_BACKOFF_INITIAL_CONFIG = "mqtt.reconnect.backoff.initial.ms";
  public static final String RECONNECT_BACKOFF_MAX_CONFIG = "mqtt.reconnect.backoff.max.ms";
  public static final String CLEAN_START_CONFIG = "mqtt.clean.start";
  public static final String SESSION_EXPIRY_CONFIG = "mqtt.session.expiry.seconds";
  public static final String MAX_PACKET_SIZE_CONFIG = "mqtt.max.packet.size.bytes";

  private MqttConnectionConfig() {}

  /** Adds the connection keys to {@code configDef} and returns it. */
  public static ConfigDef define(ConfigDef configDef) {
    int order = 0;
    configDef
        .define(
            SERVER_URIS_CONFIG,
            Type.LIST,
            ConfigDef.NO_DEFAULT_VALUE,
            ParsingValidator.nonEmptyList(
                MqttServerUri::parse,
                "Give at least one broker, e.g. tcp://localhost:1883",
                "non-empty list of tcp://host:port or ssl://host:port"),
            Importance.HIGH,
            SERVER_URIS_DOC,
            GROUP_CONNECTION,
            ++order,
            Width.LONG,
            "MQTT server URIs")
        .define(
            VERSION_CONFIG,
            Type.STRING,
            VERSION_AUTO,
            ValidString.in(VERSION_AUTO, VERSION_5, VERSION_3_1_1),
            Importance.HIGH,
            VERSION_DOC,
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "MQTT version")
        .define(
            CLIENT_ID_CONFIG,
            Type.STRING,
            "",
            new ClientIdValidator(),
            Importance.MEDIUM,
            CLIENT_ID_DOC,
            GROUP_CONNECTION,
            ++order,
            Width.MEDIUM,
            "Client id prefix")
        .define(
            USERNAME_CONFIG,
            Type.STRING,
            null,
            Importance.MEDIUM,
            "User name for the MQTT CONNECT packet. Empty: no authentication.",
            GROUP_CONNECTION,
            ++order,
            Width.MEDIUM,
            "User name")
        .define(
            PASSWORD_CONFIG,
            Type.PASSWORD,
            null,
            Importance.MEDIUM,
            "Password for the MQTT CONNECT packet; needs " + USERNAME_CONFIG + " with MQTT 3.1.1.",
            GROUP_CONNECTION,
            ++order,
            Width.MEDIUM,
            "Password")
        .define(
            KEEP_ALIVE_CONFIG,
            Type.INT,
            60,
            Range.between(0, 65_535),
            Importance.LOW,
            "Keep-alive interval in seconds (0 disables it). The broker drops a client silent for 1.5 times this.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Keep-alive (s)")
        .define(
            CONNECT_TIMEOUT_CONFIG,
            Type.INT,
            10_000,
            Range.between(100, 300_000),
            Importance.LOW,
            "How long to wait for the TCP/TLS connection and the broker's CONNACK, in milliseconds.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Connect timeout (ms)")
        .define(
            RECONNECT_BACKOFF_INITIAL_CONFIG,
            Type.LONG,
            500L,
            Range.between(10L, 600_000L),
            Importance.LOW,
            "First delay before reconnecting after the connection is lost; doubled on every failed attempt.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Reconnect backoff initial (ms)")
        .define(
            RECONNECT_BACKOFF_MAX_CONFIG,
            Type.LONG,
            30_000L,
            Range.between(10L, 3_600_000L),
            Importance.LOW,
            "Largest delay between reconnect attempts.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Reconnect backoff max (ms)")
        .define(
            CLEAN_START_CONFIG,
            Type.BOOLEAN,
            false,
            Importance.MEDIUM,
            "Start with a fresh session. Leave false for at-least-once delivery: the broker then keeps the "
                + "subscription and every unacknowledged QoS 1/2 message for this client while it is away.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Clean start")
        .define(
            SESSION_EXPIRY_CONFIG,
            Type.LONG,
            86_400L,
            Range.between(0L, 4_294_967_295L),
            Importance.MEDIUM,
            "MQTT 5 session expiry interval in seconds: how long the broker keeps the session (and queued "
                + "messages) after a disconnect. Ignored by MQTT 3.1.1, where a non-clean session never expires.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Session expiry (s)")
        .define(
            MAX_PACKET_SIZE_CONFIG,
            Type.INT,
            10 * 1024 * 1024,
            Range.between(1024, 268_435_455),
            Importance.LOW,
            "Largest MQTT packet this client accepts (MQTT 5), in bytes.",
            GROUP_CONNECTION,
            ++order,
            Width.SHORT,
            "Max packet size");

    return TlsConfig.update(configDef);
  }

  /** The typed view of the connection keys of any config built from {@link #define}. */
  public static MqttConnectionSettings settings(AbstractConfig config, String clientId) {
    List<MqttServerUri> uris =
        config.getList(SERVER_URIS_CONFIG).stream().map(MqttServerUri::parse).toList();
    return new MqttConnectionSettings(
        uris,
        MqttProtocolVersion.of(config.getString(VERSION_CONFIG)),
        clientId,
        Optional.ofNullable(config.getString(USERNAME_CONFIG)).filter(s -> !s.isBlank()),
        Optional.ofNullable(config.getPassword(PASSWORD_CONFIG)),
        config.getInt(KEEP_ALIVE_CONFIG),
        config.getInt(CONNECT_TIMEOUT_CONFIG),
        config.getLong(RECONNECT_BACKOFF_INITIAL_CONFIG),
        config.getLong(RECONNECT_BACKOFF_MAX_CONFIG),
        config.getBoolean(CLEAN_START_CONFIG),
        config.getLong(SESSION_EXPIRY_CONFIG),
        config.getInt(MAX_PACKET_SIZE_CONFIG),
        TlsConfig.settings(config));
  }

  /**
   * The client id prefix a connector's tasks use: the configured one, else the connector's name.
   */
  public static String clientIdPrefix(AbstractConfig config, String connectorName) {
    String configured = config.getString(CLIENT_ID_CONFIG);
    return configured == null || configured.isBlank() ? connectorName : configured;
  }

  /** Immutable, typed connection settings. The password stays a {@link Password}. */
  public record MqttConnectionSettings(
      List<MqttServerUri> serverUris,
      MqttProtocolVersion version,
      String clientId,
      Optional<String> username,
      Optional<Password> password,
      int keepAliveSeconds,
      int connectTimeoutMs,
      long reconnectBackoffInitialMs,
      long reconnectBackoffMaxMs,
      boolean cleanStart,
      long sessionExpirySeconds,
      int maxPacketSize,
      TlsConfig.TlsSettings tls) {

    /**
     * Whether the session starts with MQTT 5: configured, or {@code auto} before the broker was
     * asked.
     */
    public boolean mqtt5() {
      return version != MqttProtocolVersion.MQTT_3_1_1;
    }

    public MqttConnectionSettings withVersion(MqttProtocolVersion newVersion) {
      return copy(newVersion, clientId, cleanStart, sessionExpirySeconds);
    }

    public MqttConnectionSettings withClientId(String newClientId) {
      return copy(version, newClientId, cleanStart, sessionExpirySeconds);
    }

    public MqttConnectionSettings withCleanStart(
        boolean newCleanStart, long newSessionExpirySeconds) {
      return copy(version, clientId, newCleanStart, newSessionExpirySeconds);
    }

    /** This with the fields a task or a probe changes; the rest come from the configuration. */
    private MqttConnectionSettings copy(
        MqttProtocolVersion newVersion,
        String newClientId,
        boolean newCleanStart,
        long newSessionExpirySeconds) {
      return new MqttConnectionSettings(
          serverUris,
          newVersion,
          newClientId,
          username,
          password,
          keepAliveSeconds,
          connectTimeoutMs,
          reconnectBackoffInitialMs,
          reconnectBackoffMaxMs,
          newCleanStart,
          newSessionExpirySeconds,
          maxPacketSize,
          tls);
    }
  }

  static final class ClientIdValidator implements ConfigDef.Validator {
    @Override
    public void ensureValid(String name, Object value) {
      String id = (String) value;
      if (id != null && (id.length() > 200 || !id.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
        throw new ConfigException(
            name,
            value,
            "Use at most 200 printable ASCII characters without spaces, e.g. 'plant-1-ingest'");
      }
    }

    @Override
    public String toString() {
      return "printable ASCII, at most 200 characters";
    }
  }
}
