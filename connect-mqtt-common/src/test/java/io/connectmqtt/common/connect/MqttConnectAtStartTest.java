package io.connectmqtt.common.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.connectmqtt.common.FakeMqttConnection;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionConfig.MqttConnectionSettings;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;

/**
 * The first connect of every task's start: a refusal for good fails the start with the broker's
 * reason and the setting to fix, and releases what the task opened; a broker away lets the start go
 * on, the connection left reconnecting.
 */
class MqttConnectAtStartTest {

  private static final String CLIENT_ID = "unit-task-0";

  private final AtomicInteger releases = new AtomicInteger();

  private static MqttConnectionSettings settings() {
    AbstractConfig config =
        new AbstractConfig(
            MqttConnectionConfig.define(new ConfigDef()),
            Map.of(
                MqttConnectionConfig.SERVER_URIS_CONFIG, "tcp://fake-broker:1883",
                MqttConnectionConfig.CONNECT_TIMEOUT_CONFIG, "100"));
    return MqttConnectionConfig.settings(config, CLIENT_ID);
  }

  private static FakeMqttConnection connection() {
    return new FakeMqttConnection(settings(), 10);
  }

  @Test
  void aConnectionTheBrokerAcceptsTellsWhetherItHadASession() {
    FakeMqttConnection connection = connection().sessionPresent(true);
    assertThat(MqttConnectAtStart.connect(connection, releases::incrementAndGet)).contains(true);
    assertThat(connection.isConnected()).isTrue();
    assertThat(releases).as("nothing released").hasValue(0);
  }

  @Test
  void badCredentialsFailTheStartNamingTheClientAndTheKeysToCheck() {
    assertRefused(
        connection()
            .failConnect(ErrorClassifierTest.connAck5(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED)),
        "CONNECT failed as CONNACK contained an Error Code: NOT_AUTHORIZED. "
            + "Check mqtt.username, mqtt.password and mqtt.client.id");
  }

  @Test
  void anMqtt3BrokerRefusingTheVersionSaysToNegotiateIt() {
    assertRefused(
        connection()
            .failConnect(
                ErrorClassifierTest.connAck3(Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION)),
        "CONNECT failed as CONNACK contained an Error Code: UNSUPPORTED_PROTOCOL_VERSION. "
            + "Set mqtt.version=auto");
  }

  @Test
  void aRefusedTlsHandshakeFailsTheStartNamingTheTrustStore() {
    assertRefused(
        connection().failConnect(new SSLHandshakeException("certificate unknown")),
        "certificate unknown. Check the TLS trust store "
            + "(mqtt.ssl.truststore.location) and the broker's certificate");
  }

  @Test
  void aBrokerAwayLetsTheStartGoOnWithTheConnectionReconnecting() {
    for (Throwable away :
        new Throwable[] {
          new TimeoutException("no CONNACK"),
          new ConnectionFailedException(new java.net.ConnectException("Connection refused")),
          ErrorClassifierTest.connAck5(Mqtt5ConnAckReasonCode.SERVER_UNAVAILABLE)
        }) {
      FakeMqttConnection connection = connection().failConnect(away);
      assertThat(MqttConnectAtStart.connect(connection, releases::incrementAndGet))
          .as("%s: no answer yet", away)
          .isEmpty();
      assertThat(connection.closed()).isFalse();
    }
    assertThat(releases).as("nothing released").hasValue(0);
  }

  @Test
  void noAnswerWithinTheConnectTimeoutIsABrokerAway() {
    CompletableFuture<Boolean> neverAnswered = new CompletableFuture<>();
    long started = System.nanoTime();
    assertThat(
            MqttConnectAtStart.await(
                neverAnswered, settings(), Optional::empty, releases::incrementAndGet))
        .isEmpty();
    assertThat((System.nanoTime() - started) / 1_000_000)
        .as("waited the connect timeout (100 ms) and a second, no longer")
        .isBetween(1_000L, 5_000L);
    assertThat(releases).hasValue(0);
  }

  @Test
  void aFatalErrorOfTheConnectionFailsTheStartWithItsOwnReasonAndRemedy() {
    FakeMqttConnection connection = connection().failConnect(new TimeoutException("no CONNACK"));
    connection.failFatally(ErrorClassifierTest.connAck5(Mqtt5ConnAckReasonCode.BANNED));
    assertRefused(
        connection,
        "CONNECT failed as CONNACK contained an Error Code: BANNED. "
            + "Check mqtt.username, mqtt.password and mqtt.client.id");
  }

  @Test
  void aConnectionGivenUpForFlappingFailsTheStartSayingSo() {
    FakeMqttConnection connection = connection().failConnect(new TimeoutException("no CONNACK"));
    connection.failFatally(
        new MqttConnection.MqttConnectionFlappingException(
            CLIENT_ID, 30, 10, new ConnectionClosedException("Server closed connection")));
    assertRefused(
        connection,
        "MQTT client "
            + CLIENT_ID
            + ": 30 connections in a row broke within 10 s of connecting; last cause: Server"
            + " closed connection. Check the broker's log and docs/troubleshooting.md");
  }

  @Test
  void anInterruptedStartReleasesAndFailsKeepingTheInterrupt() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(
              () ->
                  MqttConnectAtStart.await(
                      new CompletableFuture<>(),
                      settings(),
                      Optional::empty,
                      releases::incrementAndGet))
          .isInstanceOf(ConnectException.class)
          .hasMessage("Interrupted while connecting to MQTT");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(releases).hasValue(1);
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * Connecting fails the start, not retriably, with the message every task gives: the client, the
   * broker's reason and what to fix; the task's resources are released once.
   */
  private void assertRefused(FakeMqttConnection connection, String reasonAndFix) {
    assertThatThrownBy(() -> MqttConnectAtStart.connect(connection, releases::incrementAndGet))
        .isInstanceOf(ConnectException.class)
        .isNotInstanceOf(RetriableException.class)
        .hasMessage(
            "MQTT broker refused the connection for client '" + CLIENT_ID + "': " + reasonAndFix);
    assertThat(releases).as("released once").hasValue(1);
  }
}
