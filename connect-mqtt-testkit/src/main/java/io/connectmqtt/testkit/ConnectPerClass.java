package io.connectmqtt.testkit;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The module's in-process Kafka and Connect ({@link ConnectStack}) for a test class. Register it on
 * a static field:
 *
 * <pre>{@code @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();}
 * </pre>
 *
 * One stack serves every class that registers this in a test JVM (Failsafe runs a module's ITs in
 * one): the first class starts it, JUnit closes it when the run ends, and after each class's last
 * test the connectors it left are deleted. Starting and closing a stack costs 10–30 s on two cores,
 * more than most of these classes take. So classes sharing it use connector names and topics of
 * their own (a connector's name carries its offsets and consumer group), and whatever a test stops
 * (Kafka) it starts again. A class that needs other worker settings starts a {@link ConnectStack}
 * of its own. {@link BrokerWithConnect} adds an MQTT broker per class.
 */
public class ConnectPerClass implements BeforeAllCallback, AfterAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ConnectPerClass.class);

  private ConnectStack stack;

  public ConnectStack stack() {
    return stack;
  }

  /** The stack's Connect REST client. */
  public ConnectRest rest() {
    return stack.rest();
  }

  /** The stack's Kafka topics. */
  public KafkaTopics topics() {
    return stack.topics();
  }

  /** Creates (or replaces) the connector and waits up to 60 s for it and its one task to run. */
  public void startConnector(String name, Map<String, String> config) {
    rest().createOrReplace(name, config);
    rest().awaitRunning(name, 1, Duration.ofSeconds(60));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root context's store closes the stack (AutoCloseable) when JUnit finishes the run.
    stack =
        context
            .getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(
                ConnectStack.class, type -> ConnectStack.start(), ConnectStack.class);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (stack != null) {
      for (String name : rest().connectors()) {
        rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
      stack = null;
    }
  }
}
