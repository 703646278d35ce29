package io.connectmqtt.common;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import java.util.concurrent.TimeoutException;

/**
 * What a failed MQTT connection attempt means: whether reconnecting can help, what to tell the
 * user, and, for {@code mqtt.version=auto}, whether the broker answered at all. One place for both
 * protocol versions.
 */
public final class MqttConnectErrors {

  private MqttConnectErrors() {}

  /**
   * Whether reconnecting cannot help: refused credentials or client id, unsupported version, TLS
   * handshake.
   */
  public static boolean isPermanent(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof Mqtt5ConnAckException e) {
        Mqtt5ConnAckReasonCode code = e.getMqttMessage().getReasonCode();
        return code == Mqtt5ConnAckReasonCode.NOT_AUTHORIZED
            || code == Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD
            || code == Mqtt5ConnAckReasonCode.BANNED
            || code == Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID
            || code == Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD
            || code == Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
      }
      if (t instanceof Mqtt3ConnAckException e) {
        Mqtt3ConnAckReturnCode code = e.getMqttMessage().getReturnCode();
        return code == Mqtt3ConnAckReturnCode.NOT_AUTHORIZED
            || code == Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD
            || code == Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED
            || code == Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION;
      }
      if (t instanceof javax.net.ssl.SSLHandshakeException) {
        return true;
      }
    }
    return false;
  }

  static String describe(MqttServerUri uri, Throwable error) {
    String hint;
    if (error instanceof Mqtt5ConnAckException e
            && e.getMqttMessage().getReasonCode()
                == Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION
        || error instanceof Mqtt3ConnAckException e3
            && e3.getMqttMessage().getReturnCode()
                == Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION) {
      hint = "set " + MqttConnectionConfig.VERSION_CONFIG + "=" + MqttConnectionConfig.VERSION_AUTO;
    } else if (error instanceof Mqtt5ConnAckException || error instanceof Mqtt3ConnAckException) {
      hint =
          "check "
              + MqttConnectionConfig.USERNAME_CONFIG
              + ", "
              + MqttConnectionConfig.PASSWORD_CONFIG
              + " and "
              + MqttConnectionConfig.CLIENT_ID_CONFIG;
    } else {
      hint =
          "check the TLS trust store ("
              + MqttConnectionConfig.SSL_TRUSTSTORE_LOCATION_CONFIG
              + ") and the "
              + "broker's certificate";
    }
    return "MQTT broker " + uri + " refused the connection (" + error.getMessage() + "): " + hint;
  }

  static String describe(Throwable cause) {
    return cause == null ? "no cause" : cause.getMessage();
  }

  /**
   * The broker answered the CONNECT with a CONNACK of that version, other than "unsupported
   * protocol version".
   */
  static boolean answeredWithConnAck(Throwable error) {
    if (error instanceof Mqtt5ConnAckException e) {
      return e.getMqttMessage().getReasonCode()
          != Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
    }
    if (error instanceof Mqtt3ConnAckException e) {
      return e.getMqttMessage().getReturnCode()
          != Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION;
    }
    return false;
  }

  /**
   * No MQTT conversation at all: nothing listens, the network or TLS failed, or nothing answered in
   * time.
   */
  static boolean unreachable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof com.hivemq.client.mqtt.exceptions.ConnectionFailedException
          || t instanceof TimeoutException
          || t instanceof javax.net.ssl.SSLException) {
        return true;
      }
    }
    return false;
  }
}
