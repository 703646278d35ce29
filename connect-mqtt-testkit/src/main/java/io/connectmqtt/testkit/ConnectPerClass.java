package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kafka and Connect for a test class, from the module's {@link SharedFixtures}. Register it on a
 * static field:
 *
 * <pre>{@code @RegisterExtension static final ConnectPerClass fixtures = new ConnectPerClass();}
 * </pre>
 *
 * By default the module's one in-process {@link ConnectStack} ({@link
 * SharedFixtures#connectStack()}: connectors from the test classpath, their metrics in the test
 * JVM); with {@link #onSharedStack(List)} the module's {@link ProcessStack} for that plugin path (a
 * worker JVM loading the plugins from plugin.path). Either is started by the first class that needs
 * it and closed when JUnit finishes the run (a start and close cost 10–30 s on two cores, more than
 * most of these classes take); after each class's last test the connectors it left are deleted. So
 * classes use connector names and topics of their own (a name carries its offsets and consumer
 * group), and start again whatever they stop (Kafka). A class that needs other worker settings
 * starts a {@link ConnectStack} of its own. {@link BrokerWithConnect} adds an MQTT broker per
 * class.
 */
public class ConnectPerClass implements BeforeAllCallback, AfterAllCallback {

  private List<Path> sharedPluginPath;
  private ConnectStack stack;
  private ProcessStack processStack;

  /**
   * Uses the module's shared {@link ProcessStack} with {@code pluginPath} ({@link
   * SharedFixtures#processStack(List)}) instead of the in-process stack; {@link #stack()} is not
   * available then.
   */
  public ConnectPerClass onSharedStack(List<Path> pluginPath) {
    this.sharedPluginPath = List.copyOf(pluginPath);
    return this;
  }

  public ConnectStack stack() {
    if (stack == null) {
      throw new IllegalStateException("the shared ProcessStack has no in-process cluster");
    }
    return stack;
  }

  /** The stack's Connect REST client. */
  public ConnectRest rest() {
    return processStack != null ? processStack.rest() : stack.rest();
  }

  /** The stack's Kafka topics. */
  public KafkaTopics topics() {
    return processStack != null ? processStack.topics() : stack.topics();
  }

  /** Creates (or replaces) the connector and waits up to 60 s for it and its one task to run. */
  public void startConnector(String name, Map<String, String> config) {
    rest().createOrReplace(name, config);
    rest().awaitRunning(name, 1, Duration.ofSeconds(60));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    // The shared fixtures of this JVM, whether or not the class also extends with SharedFixtures.
    new SharedFixtures().beforeAll(context);
    if (sharedPluginPath != null) {
      processStack = SharedFixtures.processStack(sharedPluginPath);
    } else {
      stack = SharedFixtures.connectStack();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (stack != null || processStack != null) {
      for (String name : rest().connectors()) {
        rest().deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    }
    stack = null;
    processStack = null;
  }
}
