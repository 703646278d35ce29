package io.connectmqtt.testkit;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-process Kafka and Connect ({@link ConnectStack}) for a test class, started before its
 * first test and closed after its last. Register it on a static field:
 *
 * <pre>{@code @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();}
 * </pre>
 *
 * {@link BrokerWithConnect} adds an MQTT broker.
 */
public class ConnectPerClass implements BeforeAllCallback, AfterAllCallback {

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
    stack = ConnectStack.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }
}
