package io.connectmqtt.common.publish;

import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import io.connectmqtt.common.MqttSession;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The MQTT session of a sink task: connected at start, failing the task only when reconnecting cannot help. */
public final class PublishingSessions {

  private static final Logger log = LoggerFactory.getLogger(PublishingSessions.class);
  /** A publisher reads nothing; the broker needs no more room towards it. */
  private static final int RECEIVE_MAXIMUM = 10;

  private PublishingSessions() { }

  /**
   * A session connected (or, with the broker away, connecting in the background: publishes wait for it); a refused
   * connection (credentials, TLS) fails the task with what to check.
   */
  public static MqttSession connect(MqttConnectionSettings settings) {
    MqttSession session = MqttSession.create(settings, RECEIVE_MAXIMUM);
    try {
      session.connect().get(settings.connectTimeoutMs() + 1_000L, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.close();
      throw new ConnectException("Interrupted while connecting to MQTT", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (MqttSession.isPermanent(cause)) {
        session.close();
        throw new ConnectException("MQTT broker refused the connection for client '" + settings.clientId() + "': "
            + cause + ". Check " + MqttConnectionConfig.USERNAME_CONFIG + ", " + MqttConnectionConfig.PASSWORD_CONFIG
            + " and the TLS settings.", cause);
      }
      log.warn("MQTT broker not reachable yet ({}); publishes wait for the reconnect", cause.toString());
    }
    return session;
  }
}
