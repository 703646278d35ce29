package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * What every source task promises about the broker at start, checked the same way for each task: a
 * refusal for good fails {@code start}, a broker away leaves the task running.
 */
public final class BrokerAtStart {

  private BrokerAtStart() {}

  /** A broker that refuses the TLS handshake: reconnecting cannot help. */
  public static FakeMqttConnection.Factory refusingTls() {
    return new FakeMqttConnection.Factory(
        c -> c.failConnect(new SSLHandshakeException("certificate unknown")));
  }

  /** A broker that does not answer CONNECT. */
  public static FakeMqttConnection.Factory away() {
    return new FakeMqttConnection.Factory(c -> c.failConnect(new TimeoutException("no CONNACK")));
  }

  /**
   * {@code start} fails with a non-retriable {@link ConnectException} naming {@code clientId} and
   * the trust store key to fix, and the refused connection is closed.
   */
  public static void assertRefusedForGood(
      ThrowingCallable start, FakeMqttConnection.Factory broker, String clientId) {
    assertThatThrownBy(start)
        .isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessageContaining("MQTT broker refused the connection for client '" + clientId + "'")
        .hasMessageContaining(TlsConfig.SSL_TRUSTSTORE_LOCATION_CONFIG);
    assertThat(broker.first().closed()).as("the refused connection is closed").isTrue();
  }

  /** The started task polls nothing and fails nothing, its connection left to reconnect. */
  public static void assertStillRunning(Callable<?> poll, FakeMqttConnection.Factory broker)
      throws Exception {
    assertThat(poll.call()).as("nothing yet, and no failure").isNull();
    assertThat(broker.first().closed()).isFalse();
  }
}
