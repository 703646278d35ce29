package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.util.Map;

/**
 * Extension point of the request processor, configured by class name in {@code entity.sync.hooks}
 * and loaded from the plugin. Before hooks may change the request or refuse it with {@link
 * HookException#forbidden}; after hooks of writes run inside the write's transaction, so an
 * exception rolls the write back and no change event is sent.
 */
public interface RequestHook {

  /**
   * Whether this hook authenticates every message in {@link #beforeHandle} (refuses it without
   * valid credentials). The connector does not start without such a hook unless {@code
   * entity.sync.auth=none}.
   */
  default boolean authenticates() {
    return false;
  }

  /** Receives the connector's configuration once, before any request. */
  default void configure(Map<String, String> config) {}

  /**
   * Before anything else, for every message with a readable envelope and type (ping included):
   * authentication belongs here. Runs before the operation, entity or any other field is looked at,
   * so the context has no operation, entity or columns yet; later hooks of the same request share
   * its claims and attributes.
   */
  default void beforeHandle(RequestContext context) throws HookException {}

  /** Before a meta request; the context names the entity. */
  default void beforeMeta(RequestContext context) throws HookException {}

  /**
   * Before a subscription is renewed (subscribe with a subscription_id): the context names its
   * entity and carries its filters as stored, the ones hooks added at subscribe included.
   */
  default void beforeRenew(RequestContext context) throws HookException {}

  /**
   * Before a message of an application's own type is forwarded to the pass-through topic: operation
   * {@code forward}, {@link RequestContext#entity()} is the message's type, {@link
   * RequestContext#data()} the message as it will be forwarded (a hook may change it).
   */
  default void beforeForward(RequestContext context) throws HookException {}

  default void beforeRead(RequestContext context) throws HookException {}

  default void afterRead(RequestContext context, JsonNode result) throws HookException {}

  default void beforeCreate(RequestContext context) throws HookException {}

  default void afterCreate(RequestContext context, Connection transaction, JsonNode row)
      throws HookException {}

  default void beforeUpdate(RequestContext context) throws HookException {}

  default void afterUpdate(
      RequestContext context, Connection transaction, JsonNode before, JsonNode after)
      throws HookException {}

  default void beforeDelete(RequestContext context) throws HookException {}

  default void afterDelete(RequestContext context, Connection transaction, JsonNode before)
      throws HookException {}

  default void beforeConnect(RequestContext context) throws HookException {}

  default void afterConnect(RequestContext context) throws HookException {}

  default void beforeDisconnect(RequestContext context) throws HookException {}

  default void afterDisconnect(RequestContext context) throws HookException {}

  default void beforeSubscribe(RequestContext context) throws HookException {}

  default void afterSubscribe(RequestContext context) throws HookException {}

  /** The context names the subscription's entity and carries its filters as stored. */
  default void beforeUnsubscribe(RequestContext context) throws HookException {}

  default void afterUnsubscribe(RequestContext context) throws HookException {}
}
