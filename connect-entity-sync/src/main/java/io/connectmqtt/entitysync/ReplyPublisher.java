package io.connectmqtt.entitysync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.connect.ErrorClassifier;
import io.connectmqtt.common.protocol.ErrorCode;
import io.connectmqtt.common.publish.AckTimeoutResend;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.connect.errors.ConnectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a request's reply on MQTT: to the client's own response topic, and to the Response
 * Topic the request named when {@link ResponseTopicPolicy} allows it. A reply to a subscribe is
 * held by {@link HeldReplies} until Kafka has the subscription record.
 */
final class ReplyPublisher {

  private static final Logger log = LoggerFactory.getLogger(ReplyPublisher.class);

  private final MqttConnection session;
  private final int qos;
  private final String prefix;
  private final ObjectMapper json;
  private final ResponseTopicPolicy responseTopics;
  private final HeldReplies heldReplies;
  private final AckTimeoutResend ackTimeout;
  private final Replies replies;

  ReplyPublisher(
      MqttConnection session,
      int qos,
      String prefix,
      ObjectMapper json,
      ResponseTopicPolicy responseTopics,
      HeldReplies heldReplies,
      AckTimeoutResend ackTimeout) {
    this.session = session;
    this.qos = qos;
    this.prefix = prefix;
    this.json = json;
    this.responseTopics = responseTopics;
    this.heldReplies = heldReplies;
    this.ackTimeout = ackTimeout;
    this.replies = new Replies(json);
  }

  /**
   * Resumes the session when a reply has waited longer than the acknowledgement timeout; on the
   * poll thread.
   */
  void resendIfDue() {
    ackTimeout.resendIfDue();
  }

  /**
   * Sends {@code outcome}'s reply to the request {@code message} of {@code clientId}; {@code done}
   * runs once the broker acknowledged it on the client's own response topic, {@code lost} when the
   * client failed to send it there.
   */
  void send(
      String clientId, InboundMessage message, Outcome outcome, Runnable done, Runnable lost) {
    // The Response Topic only within the client's own topics (ResponseTopicPolicy): a request
    // naming another one was refused, and its refusal goes to the default response topic only.
    String ownTopic = prefix + "/" + clientId + "/response";
    Optional<String> responseTopic =
        message.responseTopic().filter(topic -> responseTopics.allows(clientId, topic));
    byte[] reply =
        withinPacketSize(
            outcome,
            bytes(outcome.reply()),
            responseTopic.map(topic -> List.of(ownTopic, topic)).orElse(List.of(ownTopic)));
    Runnable publish =
        () -> {
          if (responseTopic.isPresent() && responseTopic.get().equals(ownTopic)) {
            publish(ownTopic, reply, message.correlationData(), done, lost);
          } else {
            publish(ownTopic, reply, Optional.empty(), done, lost);
            responseTopic.ifPresent(
                topic -> publish(topic, reply, message.correlationData(), () -> {}, () -> {}));
          }
        };
    Optional<String> subscribed = subscribed(outcome);
    if (subscribed.isPresent()) {
      heldReplies.hold(subscribed.get(), publish);
    } else {
      publish.run();
    }
  }

  private byte[] bytes(JsonNode reply) {
    try {
      return json.writeValueAsBytes(reply);
    } catch (JsonProcessingException e) {
      throw new ConnectException("Cannot write a reply", e);
    }
  }

  /**
   * {@code reply}, or a too_large error in its place when the broker would not take it: the client
   * would fail the publish, the request would never be acknowledged, and its redelivery would fail
   * the same way, while it held a place in the broker's window (HiveMQ CE's whole batch).
   */
  private byte[] withinPacketSize(Outcome outcome, byte[] reply, List<String> topics) {
    int maximumPacketSize = session.maximumPacketSize();
    if (topics.stream()
        .allMatch(
            topic -> reply.length <= OutboundMessage.largestPayload(topic, maximumPacketSize))) {
      return reply;
    }
    String consequence =
        outcome.operation().equals("read")
            ? "read fewer rows (limit)"
            : outcome.outcome().equals("ok")
                ? "the " + outcome.operation() + " was applied, only its reply cannot be sent"
                : "the request was not applied";
    String text =
        "The reply of "
            + reply.length
            + " bytes exceeds the broker's maximum packet size of "
            + maximumPacketSize
            + " bytes: "
            + consequence;
    log.warn("Reply to request '{}' on {}: {}", outcome.requestId(), topics.get(0), text);
    return bytes(replies.failure(outcome.requestId(), ErrorCode.TOO_LARGE, text).reply());
  }

  /**
   * The subscription a successful subscribe or renewal published, whose record must be in Kafka
   * before the reply.
   */
  private static Optional<String> subscribed(Outcome outcome) {
    return outcome.outcome().equals("ok")
        ? outcome.subscriptionWrites().stream()
            .filter(write -> write.getValue() != null)
            .map(Map.Entry::getKey)
            .findFirst()
        : Optional.empty();
  }

  private void publish(
      String topic, byte[] payload, Optional<byte[]> correlation, Runnable done, Runnable lost) {
    long sequence = ackTimeout.sent(System.nanoTime());
    session
        .publish(
            new OutboundMessage(
                topic,
                payload,
                qos,
                false,
                Optional.of("application/json"),
                Optional.empty(),
                correlation,
                Optional.of(true),
                OptionalLong.empty(),
                List.of()))
        .whenComplete(
            (ok, error) -> {
              ackTimeout.settled(sequence);
              Throwable cause = ErrorClassifier.unwrapCompletion(error);
              if (cause == null) {
                done.run();
              } else if (cause instanceof MqttConnection.MqttPublishRefusedException) {
                // Sent again it would be refused again, and hold a place in the broker's window
                // (a whole HiveMQ CE batch) for good.
                log.warn(
                    "Reply to {} refused: {}; the request is acknowledged without it",
                    topic,
                    cause.getMessage());
                done.run();
              } else {
                log.warn(
                    "Reply to {} failed: {}; the request is served again (redelivered, or taken"
                        + " over once parked)",
                    topic,
                    cause.toString());
                lost.run();
              }
            });
  }
}
