package io.connectmqtt.entitysync.hooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.connectmqtt.entitysync.HooksConfig;
import java.sql.Connection;
import java.util.Map;

/**
 * Extension point of the request processor, configured by class name in {@code entity.sync.hooks}
 * and loaded from the plugin. Before hooks may change the request or refuse it with {@link
 * HookException#forbidden}; after hooks of writes run inside the write's transaction, so an
 * exception rolls the write back and no change event is sent.
 *
 * <p>Every per-operation before method calls {@link #beforeOperation} by default, so a hook that
 * treats operations alike (role rules) or decides by operation in one place (tenant isolation)
 * overrides that one method.
 */
public interface RequestHook {

  /** What a {@link #beforeOperation} call is about: one per per-operation before method. */
  enum Operation {
    META,
    READ,
    CREATE,
    UPDATE,
    DELETE,
    SUBSCRIBE,
    /** A subscribe with a subscription_id: {@link RequestContext#operation()} is subscribe. */
    RENEW,
    UNSUBSCRIBE,
    FORWARD
  }

  /**
   * Whether this hook authenticates every message in {@link #beforeHandle} (refuses it without
   * valid credentials). The connector does not start without such a hook unless {@code
   * entity.sync.auth=none}.
   */
  default boolean authenticates() {
    return false;
  }

  /**
   * Receives the connector's configuration once, before any request: the built-in hooks' settings
   * typed, secrets as {@link org.apache.kafka.common.config.types.Password}, and {@link
   * HooksConfig#originalsStrings()} for a custom hook's own keys. By default it calls {@link
   * #configure(Map)}, so hooks written against that keep working.
   */
  default void configure(HooksConfig config) {
    configure(config.originalsStrings());
  }

  /**
   * The connector's configuration as strings: what hooks were given before {@link
   * #configure(HooksConfig)}; called only by its default.
   */
  default void configure(Map<String, String> config) {}

  /**
   * Before anything else, for every message with a readable envelope and type (ping included):
   * authentication belongs here. Runs before the operation, entity or any other field is looked at,
   * so the context has no operation, entity or columns yet; later hooks of the same request share
   * its claims and attributes.
   */
  default void beforeHandle(RequestContext context) throws HookException {}

  /**
   * Before every operation on an entity, a subscription or a pass-through message: what the
   * per-operation before methods call unless overridden. Not called for disconnect, whose
   * subscriptions each pass {@link #beforeUnsubscribe}.
   */
  default void beforeOperation(Operation operation, RequestContext context) throws HookException {}

  /** Before a meta request; the context names the entity. */
  default void beforeMeta(RequestContext context) throws HookException {
    beforeOperation(Operation.META, context);
  }

  /**
   * Before a subscription is renewed (subscribe with a subscription_id): the context names its
   * entity and carries its filters as stored, the ones hooks added at subscribe included.
   */
  default void beforeRenew(RequestContext context) throws HookException {
    beforeOperation(Operation.RENEW, context);
  }

  /**
   * Before a message of an application's own type is forwarded to the pass-through topic: operation
   * {@code forward}, {@link RequestContext#entity()} is the message's type, {@link
   * RequestContext#data()} the message as it will be forwarded (a hook may change it).
   */
  default void beforeForward(RequestContext context) throws HookException {
    beforeOperation(Operation.FORWARD, context);
  }

  /** Before a read, and before each preloaded relation (a read of its own entity). */
  default void beforeRead(RequestContext context) throws HookException {
    beforeOperation(Operation.READ, context);
  }

  default void afterRead(RequestContext context, JsonNode result) throws HookException {}

  default void beforeCreate(RequestContext context) throws HookException {
    beforeOperation(Operation.CREATE, context);
  }

  default void afterCreate(RequestContext context, Connection transaction, JsonNode row)
      throws HookException {}

  default void beforeUpdate(RequestContext context) throws HookException {
    beforeOperation(Operation.UPDATE, context);
  }

  default void afterUpdate(
      RequestContext context, Connection transaction, JsonNode before, JsonNode after)
      throws HookException {}

  default void beforeDelete(RequestContext context) throws HookException {
    beforeOperation(Operation.DELETE, context);
  }

  default void afterDelete(RequestContext context, Connection transaction, JsonNode before)
      throws HookException {}

  /** Before a client's subscriptions are dropped (its MQTT Will); each passes beforeUnsubscribe. */
  default void beforeDisconnect(RequestContext context) throws HookException {}

  default void afterDisconnect(RequestContext context) throws HookException {}

  default void beforeSubscribe(RequestContext context) throws HookException {
    beforeOperation(Operation.SUBSCRIBE, context);
  }

  default void afterSubscribe(RequestContext context) throws HookException {}

  /** The context names the subscription's entity and carries its filters as stored. */
  default void beforeUnsubscribe(RequestContext context) throws HookException {
    beforeOperation(Operation.UNSUBSCRIBE, context);
  }

  default void afterUnsubscribe(RequestContext context) throws HookException {}
}
