package io.connectmqtt.common.connect;

import com.hivemq.client.mqtt.exceptions.ConnectionClosedException;
import com.hivemq.client.mqtt.exceptions.ConnectionFailedException;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.TlsConfig;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.sql.SQLException;
import java.sql.SQLInvalidAuthorizationSpecException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTransientException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * The one place that decides whether trying again can help, for every system the plugins talk to:
 * MQTT brokers (CONNACK codes), TLS, JDBC databases (SQLState classes) and Kafka. Like Debezium's
 * {@code ErrorHandler}, it walks the cause chain: a permanent cause anywhere wins (a pool timeout
 * whose cause is a refused password is a refused password), then a retriable one; an error it does
 * not know is {@link Verdict#UNKNOWN}, and each caller says what that means for it. The table is in
 * docs/troubleshooting.md.
 */
public final class ErrorClassifier {

  /** What trying again can do about an error. */
  public enum Verdict {
    /** The cause is transient (a server away or busy, a timeout): trying again can succeed. */
    RETRIABLE,
    /** Only a change of configuration or of the other side helps (credentials, TLS, schema). */
    PERMANENT,
    /** Not known to be either. */
    UNKNOWN
  }

  /** The verdict and the link of the cause chain that decided it (the error itself if none). */
  public record Classification(Verdict verdict, Throwable cause) {}

  private static final Set<Mqtt5ConnAckReasonCode> PERMANENT_MQTT5 =
      Set.of(
          Mqtt5ConnAckReasonCode.NOT_AUTHORIZED,
          Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD,
          Mqtt5ConnAckReasonCode.BANNED,
          Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
          Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD,
          Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION);

  private static final Set<Mqtt3ConnAckReturnCode> PERMANENT_MQTT3 =
      Set.of(
          Mqtt3ConnAckReturnCode.NOT_AUTHORIZED,
          Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD,
          Mqtt3ConnAckReturnCode.IDENTIFIER_REJECTED,
          Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION);

  /** SQLStates (or their two-character classes) that pass with time. */
  private static final Set<String> RETRIABLE_SQL_STATES =
      Set.of(
          "08", // connection exception
          "53", // insufficient resources (too many connections, disk full)
          "40001", // serialization failure
          "40P01", // deadlock detected
          "57014", // query canceled (statement timeout)
          "57P01", // admin shutdown
          "57P02", // crash shutdown
          "57P03"); // cannot connect now (starting up, in recovery)

  /** SQLStates (or classes) that need a change of configuration or schema. */
  private static final Set<String> PERMANENT_SQL_STATES =
      Set.of(
          "28", // invalid authorization (user, password)
          "42", // syntax error or access rule violation (missing table, no privilege)
          "3D", // invalid catalog name (no such database)
          "3F"); // invalid schema name

  private ErrorClassifier() {}

  public static Classification classify(Throwable error) {
    Throwable retriable = null;
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable link = error; link != null && seen.add(link); link = link.getCause()) {
      Verdict verdict = classifyOne(link);
      if (verdict == Verdict.PERMANENT) {
        return new Classification(Verdict.PERMANENT, link);
      }
      if (verdict == Verdict.RETRIABLE && retriable == null) {
        retriable = link;
      }
    }
    return retriable != null
        ? new Classification(Verdict.RETRIABLE, retriable)
        : new Classification(Verdict.UNKNOWN, error);
  }

  /**
   * What failed a future: the cause of the {@link CompletionException} that wraps it once a stage
   * followed, or {@code error} itself; null for null.
   */
  public static Throwable unwrapCompletion(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  /** Whether trying again cannot help. */
  public static boolean isPermanent(Throwable error) {
    return classify(error).verdict() == Verdict.PERMANENT;
  }

  /** Whether trying again is known to help. */
  public static boolean isRetriable(Throwable error) {
    return classify(error).verdict() == Verdict.RETRIABLE;
  }

  /**
   * The exception a task throws when {@code what} failed with {@code error}: a {@link
   * RetriableException} (Connect calls poll/put again) when the error is transient, otherwise a
   * {@link ConnectException} that fails the task.
   */
  public static ConnectException toConnectException(String what, Throwable error) {
    Classification classification = classify(error);
    String message = what + ": " + describe(classification.cause());
    return classification.verdict() == Verdict.RETRIABLE
        ? new RetriableException(message + " (transient; trying again)", error)
        : new ConnectException(message, error);
  }

  /**
   * The error in one line: its message (its class where it has none), with the SQLState of a
   * database error; "no cause" for null.
   */
  public static String describe(Throwable error) {
    if (error == null) {
      return "no cause";
    }
    String text = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
    return error instanceof SQLException sql && sql.getSQLState() != null
        ? text + " (SQLState " + sql.getSQLState() + ")"
        : text;
  }

  /**
   * What a user changes to get past a permanent refusal by an MQTT broker (CONNACK code or TLS), or
   * an empty string for other errors.
   */
  public static String mqttFix(Throwable error) {
    Throwable cause = classify(error).cause();
    if (cause instanceof Mqtt5ConnAckException e
            && e.getMqttMessage().getReasonCode()
                == Mqtt5ConnAckReasonCode.UNSUPPORTED_PROTOCOL_VERSION
        || cause instanceof Mqtt3ConnAckException e3
            && e3.getMqttMessage().getReturnCode()
                == Mqtt3ConnAckReturnCode.UNSUPPORTED_PROTOCOL_VERSION) {
      return "Set " + MqttConnectionConfig.VERSION_CONFIG + "=" + MqttConnectionConfig.VERSION_AUTO;
    }
    if (cause instanceof Mqtt5ConnAckException || cause instanceof Mqtt3ConnAckException) {
      return "Check "
          + MqttConnectionConfig.USERNAME_CONFIG
          + ", "
          + MqttConnectionConfig.PASSWORD_CONFIG
          + " and "
          + MqttConnectionConfig.CLIENT_ID_CONFIG;
    }
    if (isTls(cause)) {
      return "Check the TLS trust store ("
          + TlsConfig.SSL_TRUSTSTORE_LOCATION_CONFIG
          + ") and the broker's certificate";
    }
    return "";
  }

  private static Verdict classifyOne(Throwable error) {
    if (error instanceof Mqtt5ConnAckException e) {
      return PERMANENT_MQTT5.contains(e.getMqttMessage().getReasonCode())
          ? Verdict.PERMANENT
          : Verdict.RETRIABLE;
    }
    if (error instanceof Mqtt3ConnAckException e) {
      return PERMANENT_MQTT3.contains(e.getMqttMessage().getReturnCode())
          ? Verdict.PERMANENT
          : Verdict.RETRIABLE;
    }
    // Before IOException: SSLHandshakeException is one.
    if (isTls(error)) {
      return Verdict.PERMANENT;
    }
    if (error instanceof SQLException e) {
      return classifySql(e);
    }
    if (error instanceof AuthenticationException || error instanceof AuthorizationException) {
      return Verdict.PERMANENT;
    }
    if (error instanceof RetriableException
        || error instanceof org.apache.kafka.common.errors.RetriableException
        || error instanceof ConnectionFailedException
        || error instanceof ConnectionClosedException
        || error instanceof IOException
        || error instanceof TimeoutException) {
      return Verdict.RETRIABLE;
    }
    return Verdict.UNKNOWN;
  }

  private static boolean isTls(Throwable error) {
    return error instanceof SSLHandshakeException
        || error instanceof SSLPeerUnverifiedException
        || error instanceof CertificateException;
  }

  private static Verdict classifySql(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (matches(PERMANENT_SQL_STATES, state)) {
      return Verdict.PERMANENT;
    }
    if (matches(RETRIABLE_SQL_STATES, state)) {
      return Verdict.RETRIABLE;
    }
    if (e instanceof SQLInvalidAuthorizationSpecException || e instanceof SQLSyntaxErrorException) {
      return Verdict.PERMANENT;
    }
    if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
      return Verdict.RETRIABLE;
    }
    // The state of the cause decides (H2's "connection broken" wraps a java.net.ConnectException).
    return Verdict.UNKNOWN;
  }

  private static boolean matches(Set<String> states, String state) {
    return states.contains(state) || state.length() >= 2 && states.contains(state.substring(0, 2));
  }
}
