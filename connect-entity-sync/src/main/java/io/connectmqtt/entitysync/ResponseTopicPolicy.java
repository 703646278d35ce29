package io.connectmqtt.entitysync;

import io.connectmqtt.common.TopicFilters;

/**
 * Where an MQTT 5 Response Topic may send a reply: only inside the requesting client's own topics
 * ({@code {prefix}/{cid}/...}), and neither on its request topic (the connector would read its own
 * reply as a request) nor below its {@code notify} level (the notify sink's). Anything else would
 * let a client write into another client's replies or notifications, or anywhere else on the
 * broker, with the connector's rights.
 */
final class ResponseTopicPolicy {

  private final String prefix;

  ResponseTopicPolicy(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Why {@code clientId} may not have replies sent to {@code responseTopic}, or null when it may.
   */
  String problem(String clientId, String responseTopic) {
    String own = prefix + "/" + clientId + "/";
    String allowed = "; use " + own + "response or a topic below it";
    if (TopicFilters.topicNameProblem(responseTopic) != null) {
      return "the Response Topic is not a valid topic name" + allowed;
    }
    if (!responseTopic.startsWith(own) || responseTopic.length() == own.length()) {
      return "the Response Topic '"
          + abbreviate(responseTopic)
          + "' is outside this client's topics "
          + own
          + "..."
          + allowed;
    }
    String level = responseTopic.substring(own.length());
    if (level.equals("request") || level.equals("notify") || level.startsWith("notify/")) {
      return "the Response Topic '"
          + abbreviate(responseTopic)
          + "' is reserved for requests or notifications"
          + allowed;
    }
    return null;
  }

  boolean allows(String clientId, String responseTopic) {
    return problem(clientId, responseTopic) == null;
  }

  private static String abbreviate(String text) {
    return text.length() <= 100 ? text : text.substring(0, 100) + "...";
  }
}
