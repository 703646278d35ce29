package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * {@link BrokerWithConnect} adds an MQTT broker. {@link #onSharedStack(List)} uses the module's
 * {@link SharedFixtures} Kafka and Connect worker instead, for a class that needs neither the
 * in-process cluster nor a worker of its own.
 */
public class ConnectPerClass implements BeforeAllCallback, AfterAllCallback {

  private ConnectStack stack;
  private List<Path> sharedPluginPath;
  private ProcessStack shared;

  /**
   * Uses the module's shared {@link ProcessStack} with {@code pluginPath} ({@link
   * SharedFixtures#processStack(List)}) instead of starting an in-process stack: it saves a Kafka
   * and Connect start per class. The class must be annotated
   * {@code @ExtendWith(SharedFixtures.class)} and follow its rules (connector names and topics of
   * its own, connectors deleted); {@link #stack()} is not available then.
   */
  public ConnectPerClass onSharedStack(List<Path> pluginPath) {
    this.sharedPluginPath = List.copyOf(pluginPath);
    return this;
  }

  public ConnectStack stack() {
    if (sharedPluginPath != null) {
      throw new IllegalStateException("the shared ProcessStack has no in-process cluster");
    }
    return stack;
  }

  /** The stack's Connect REST client. */
  public ConnectRest rest() {
    return shared != null ? shared.rest() : stack.rest();
  }

  /** The stack's Kafka topics. */
  public KafkaTopics topics() {
    return shared != null ? shared.topics() : stack.topics();
  }

  /** Creates (or replaces) the connector and waits up to 60 s for it and its one task to run. */
  public void startConnector(String name, Map<String, String> config) {
    rest().createOrReplace(name, config);
    rest().awaitRunning(name, 1, Duration.ofSeconds(60));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (sharedPluginPath != null) {
      shared = SharedFixtures.processStack(sharedPluginPath);
    } else {
      stack = ConnectStack.start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    shared = null;
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }
}
