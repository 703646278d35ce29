package io.connectmqtt.entitysync.hooks;

import java.util.Map;

/**
 * Binds a verified token to the request topic: the client id in {@code {prefix}/{cid}/request} is
 * whatever MQTT client id a connection chose, so it proves nothing by itself; a token whose claim
 * (configured, {@code sub} by default) names another client id is refused, so a token cannot be
 * used to act as another client.
 */
final class ClientIdentity {

  private final String claim;

  ClientIdentity(String claim) {
    this.claim = claim;
  }

  void check(Map<String, Object> claims, String clientId) throws HookException {
    Object named = claims.get(claim);
    if (!(named instanceof String subject) || subject.isEmpty()) {
      throw HookException.forbidden("the token names no client id (claim '" + claim + "')");
    }
    if (!subject.equals(clientId)) {
      throw HookException.forbidden(
          "the token is not valid for client id '"
              + abbreviate(clientId)
              + "' (its '"
              + claim
              + "' claim names another client)");
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 60 ? text : text.substring(0, 60) + "...";
  }
}
