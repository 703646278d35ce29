package io.connectmqtt.common;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.connectmqtt.common.connect.ErrorClassifier;
import java.util.concurrent.TimeoutException;

/**
 * What a failed MQTT connection attempt means: whether reconnecting can help, what to tell the
 * user, and, for {@code mqtt.version=auto}, whether the broker answered at all. One place for both
 * protocol versions.
 */
public final class MqttConnectErrors {

  private MqttConnectErrors() {}

  static String describe(MqttServerUri uri, Throwable error) {
    String fix = ErrorClassifier.mqttFix(error);
    return "MQTT broker "
        + uri
        + (fix.isEmpty()
            ? " could not be reached (" + ErrorClassifier.describe(error) + ")"
            : " refused the connection (" + ErrorClassifier.describe(error) + "). " + fix);
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
