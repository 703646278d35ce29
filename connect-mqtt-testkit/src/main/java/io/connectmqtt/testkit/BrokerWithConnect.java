package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One MQTT broker for a test class, with the module's Kafka and Connect ({@link ConnectPerClass}):
 * the broker starts before the class's first test; after its last test the class's connectors are
 * deleted, then the broker closes. Register it on a static field:
 *
 * <pre>{@code @RegisterExtension static final BrokerWithConnect<HiveMqBroker> fixtures =
 *     BrokerWithConnect.hivemq();}</pre>
 *
 * <p>With {@link #onSharedStack(List)} the Kafka and Connect are the module's {@link ProcessStack}
 * for those plugins instead of its in-process stack.
 *
 * <p>A broker whose start throws an assumption failure (mosquitto missing) skips the whole class.
 */
public final class BrokerWithConnect<B extends TestBroker> extends ConnectPerClass {

  private final Supplier<B> startBroker;
  private B broker;

  private BrokerWithConnect(Supplier<B> startBroker) {
    this.startBroker = startBroker;
  }

  /** A HiveMQ CE broker with the defaults of {@link HiveMqBroker#start()}. */
  public static BrokerWithConnect<HiveMqBroker> hivemq() {
    return of(HiveMqBroker::start);
  }

  /** The broker {@code startBroker} returns; it may skip the class with an assumption. */
  public static <B extends TestBroker> BrokerWithConnect<B> of(Supplier<B> startBroker) {
    return new BrokerWithConnect<>(startBroker);
  }

  @Override
  public BrokerWithConnect<B> onSharedStack(List<Path> pluginPath) {
    super.onSharedStack(pluginPath);
    return this;
  }

  public B broker() {
    return broker;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    broker = startBroker.get();
    super.beforeAll(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      super.afterAll(context);
    } finally {
      if (broker != null) {
        broker.close();
        broker = null;
      }
    }
  }
}
