package io.connectmqtt.common.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAck;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.connectmqtt.common.connect.ErrorClassifier.Verdict;
import java.lang.reflect.Proxy;
import java.net.SocketTimeoutException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ErrorClassifierTest {

  static Stream<Arguments> errors() {
    return Stream.of(
        // Network and TLS, as the HiveMQ client reports them (wrapped by the future)
        row(
            new ExecutionException(
                new ConnectionFailedException(
                    new java.net.ConnectException("Connection refused: /127.0.0.1:1883"))),
            Verdict.RETRIABLE),
        row(new java.util.concurrent.TimeoutException(), Verdict.RETRIABLE),
        row(new SocketTimeoutException("connect timed out"), Verdict.RETRIABLE),
        row(
            new CompletionException(
                new ConnectionFailedException(
                    new SSLHandshakeException("PKIX path building failed"))),
            Verdict.PERMANENT),
        row(new CertificateException("No subject alternative names"), Verdict.PERMANENT),
        // JDBC driver exception types (plain SQLExceptions by SQLState: sqlStates below)
        row(new SQLNonTransientConnectionException("socket closed", "08000"), Verdict.RETRIABLE),
        row(new SQLTransactionRollbackException("deadlock detected", "40P01"), Verdict.RETRIABLE),
        row(new SQLTransientConnectionException("pool timeout"), Verdict.RETRIABLE),
        // H2 over TCP, server away: state 90067 says nothing, the cause does
        row(
            new SQLNonTransientConnectionException(
                "Connection is broken",
                "90067",
                new java.net.ConnectException("Connection refused")),
            Verdict.RETRIABLE),
        // HikariCP's pool timeout with the driver's refusal of the password as its cause
        row(
            new SQLTransientConnectionException(
                "entity-sync - Connection is not available, request timed out after 10000ms",
                "08003",
                new SQLException("password authentication failed", "28P01")),
            Verdict.PERMANENT),
        // Kafka
        row(new NotLeaderOrFollowerException("moved"), Verdict.RETRIABLE),
        row(new org.apache.kafka.common.errors.TimeoutException("expired"), Verdict.RETRIABLE),
        row(new RetriableException("later"), Verdict.RETRIABLE),
        row(new SaslAuthenticationException("bad credentials"), Verdict.PERMANENT),
        row(new TopicAuthorizationException("no ACL"), Verdict.PERMANENT),
        row(new ConnectException("unknown"), Verdict.UNKNOWN),
        row(new IllegalStateException("a bug"), Verdict.UNKNOWN));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("errors")
  void classifiesEachKnownError(Throwable error, Verdict verdict) {
    assertClassified(error, verdict);
  }

  @ParameterizedTest(name = "MQTT {0} CONNACK {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          5     | BAD_USER_NAME_OR_PASSWORD    | PERMANENT
          5     | NOT_AUTHORIZED               | PERMANENT
          5     | BANNED                       | PERMANENT
          5     | CLIENT_IDENTIFIER_NOT_VALID  | PERMANENT
          5     | BAD_AUTHENTICATION_METHOD    | PERMANENT
          5     | UNSUPPORTED_PROTOCOL_VERSION | PERMANENT
          5     | SERVER_UNAVAILABLE           | RETRIABLE
          5     | SERVER_BUSY                  | RETRIABLE
          5     | CONNECTION_RATE_EXCEEDED     | RETRIABLE
          5     | USE_ANOTHER_SERVER           | RETRIABLE
          3.1.1 | BAD_USER_NAME_OR_PASSWORD    | PERMANENT
          3.1.1 | NOT_AUTHORIZED               | PERMANENT
          3.1.1 | IDENTIFIER_REJECTED          | PERMANENT
          3.1.1 | UNSUPPORTED_PROTOCOL_VERSION | PERMANENT
          3.1.1 | SERVER_UNAVAILABLE           | RETRIABLE
          """)
  void classifiesEachConnAckCode(String version, String code, Verdict verdict) {
    Throwable refusal =
        version.equals("5")
            ? connAck5(Mqtt5ConnAckReasonCode.valueOf(code))
            : connAck3(Mqtt3ConnAckReturnCode.valueOf(code));
    assertClassified(refusal, verdict);
  }

  @ParameterizedTest(name = "SQLState {0} -> {1}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          # SQLState | verdict | the driver's message
          08001 | RETRIABLE | Connection to 127.0.0.1:5432 refused
          28P01 | PERMANENT | password authentication failed
          28000 | PERMANENT | role "x" does not exist
          40001 | RETRIABLE | could not serialize access
          57P01 | RETRIABLE | terminating connection due to admin
          57P03 | RETRIABLE | the database system is starting up
          53300 | RETRIABLE | too many connections
          42P01 | PERMANENT | relation "items" does not exist
          42501 | PERMANENT | permission denied for table items
          3D000 | PERMANENT | database "app" does not exist
          23505 | UNKNOWN   | duplicate key
          """)
  void classifiesEachSqlState(String sqlState, Verdict verdict, String message) {
    assertClassified(new SQLException(message, sqlState), verdict);
  }

  private static void assertClassified(Throwable error, Verdict verdict) {
    assertThat(ErrorClassifier.classify(error).verdict()).isEqualTo(verdict);
    assertThat(ErrorClassifier.isPermanent(error)).isEqualTo(verdict == Verdict.PERMANENT);
    assertThat(ErrorClassifier.isRetriable(error)).isEqualTo(verdict == Verdict.RETRIABLE);
  }

  @Test
  void aTransientErrorBecomesARetriableExceptionAndOthersFailTheTask() {
    SQLException away = new SQLException("Connection to 127.0.0.1:5432 refused", "08001");
    ConnectException retriable =
        ErrorClassifier.toConnectException("Cannot open the database", away);
    assertThat(retriable).isInstanceOf(RetriableException.class).hasCause(away);
    assertThat(retriable.getMessage())
        .isEqualTo(
            "Cannot open the database: Connection to 127.0.0.1:5432 refused (SQLState 08001)"
                + " (transient; trying again)");

    SQLException refused = new SQLException("password authentication failed", "28P01");
    ConnectException permanent =
        ErrorClassifier.toConnectException(
            "Cannot open the database", new RuntimeException("pool", refused));
    assertThat(permanent).isNotInstanceOf(RetriableException.class);
    assertThat(permanent.getMessage())
        .as("names the deciding cause, not its wrapper")
        .isEqualTo("Cannot open the database: password authentication failed (SQLState 28P01)");
  }

  @Test
  void namesTheSettingThatFixesAnMqttRefusal() {
    assertThat(
            ErrorClassifier.mqttFix(connAck5(Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION)))
        .isEqualTo("Set mqtt.version=auto");
    assertThat(ErrorClassifier.mqttFix(connAck3(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED)))
        .isEqualTo("Check mqtt.username, mqtt.password and mqtt.client.id");
    assertThat(ErrorClassifier.mqttFix(new SSLHandshakeException("PKIX path building failed")))
        .startsWith("Check the TLS trust store (mqtt.ssl.truststore.location)");
    assertThat(ErrorClassifier.mqttFix(new java.io.IOException("reset"))).isEmpty();
  }

  @Test
  void aCauseCycleEnds() {
    Exception a = new Exception("a");
    Exception b = new Exception("b", a);
    a.initCause(b);
    assertThat(ErrorClassifier.classify(b).verdict()).isEqualTo(Verdict.UNKNOWN);
  }

  private static Arguments row(Throwable error, Verdict verdict) {
    return Arguments.of(error, verdict);
  }

  /** A CONNACK exception as the HiveMQ client throws it; the message interface is proxied. */
  static Mqtt5ConnAckException connAck5(Mqtt5ConnAckReasonCode code) {
    return new Mqtt5ConnAckException(
        message(Mqtt5ConnAck.class, "getReasonCode", code),
        "CONNECT failed as CONNACK contained an Error Code: " + code);
  }

  static Mqtt3ConnAckException connAck3(Mqtt3ConnAckReturnCode code) {
    return new Mqtt3ConnAckException(
        message(Mqtt3ConnAck.class, "getReturnCode", code),
        "CONNECT failed as CONNACK contained an Error Code: " + code,
        null);
  }

  /** A message of the HiveMQ client's API whose {@code accessor} answers {@code code}. */
  private static <T> T message(Class<T> type, String accessor, Enum<?> code) {
    return type.cast(
        Proxy.newProxyInstance(
            type.getClassLoader(),
            new Class<?>[] {type},
            (proxy, method, args) -> method.getName().equals(accessor) ? code : "CONNACK " + code));
  }
}
