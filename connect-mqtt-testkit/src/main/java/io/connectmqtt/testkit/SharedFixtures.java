package io.connectmqtt.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.TestAbortedException;

/**
 * Fixtures started once per test JVM (all ITs of a module under Failsafe) and shared by every IT
 * class annotated {@code @ExtendWith(SharedFixtures.class)}: a broker of the matrix per kind and
 * options, a {@link ProcessStack} per plugin path, and one in-process {@link ConnectStack}.
 * Starting them costs more than most tests take (RabbitMQ 8–18 s, a Kafka and Connect pair about 15
 * s, HiveMQ CE's stop 4 s). They are closed, newest first, when the test JVM exits: Failsafe with
 * several forks hands each fork one class at a time, each in a JUnit run of its own, so anything
 * tied to JUnit's run (its root store) would be closed and started again for every class.
 *
 * <p>Rules for a test that uses them: never close them; delete its connectors and use topics,
 * connector names and client ids of its own; whatever it kills (the worker, Kafka) it starts again.
 * A test that restarts or kills a broker starts its own. A worker left dead by a failed test is
 * started again by the next {@link #processStack(List)}.
 */
public final class SharedFixtures implements BeforeAllCallback {

  private static Started started;

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (SharedFixtures.class) {
      if (started == null) {
        started = new Started();
        Runtime.getRuntime().addShutdownHook(new Thread(started::close, "shared-fixtures-close"));
      }
    }
  }

  /**
   * The broker {@code kind} with {@code options}, started by the first test that asks for it; the
   * calling test is skipped (with the message of {@link Broker#start(BrokerOptions)}) where it
   * cannot start, without a second try.
   */
  public static TestBroker broker(Broker kind, BrokerOptions options) {
    return registry().get(List.of(kind, options), () -> kind.start(options));
  }

  /**
   * Kafka and a Connect worker with {@code pluginPath} and no worker environment, as {@link
   * ProcessStack#start}.
   */
  public static ProcessStack processStack(List<Path> pluginPath) {
    ProcessStack stack =
        registry()
            .get(
                List.of("process-stack", pluginPath),
                () -> ProcessStack.start(pluginPath, Map.of()));
    if (stack.connectPid() < 0) {
      stack.startConnect();
    }
    return stack;
  }

  /**
   * In-process Kafka and one Connect worker, as {@link ConnectStack#start()}: for tests that load
   * our connectors from the test classpath or read their metrics in the test JVM.
   */
  public static ConnectStack connectStack() {
    return registry().get(List.of("connect-stack"), ConnectStack::start);
  }

  private static synchronized Started registry() {
    if (started == null) {
      throw new IllegalStateException(
          "annotate the test class with @ExtendWith(SharedFixtures.class)");
    }
    return started;
  }

  /** What was started in this JVM, closed at its exit. */
  private static final class Started implements AutoCloseable {
    private final Map<Object, Object> fixtures = new LinkedHashMap<>();

    @SuppressWarnings("unchecked")
    synchronized <T extends AutoCloseable> T get(Object key, Supplier<T> start) {
      Object fixture = fixtures.get(key);
      if (fixture instanceof TestAbortedException skipped) {
        throw skipped;
      }
      if (fixture == null) {
        try {
          fixture = start.get();
        } catch (TestAbortedException skipped) {
          fixtures.put(key, skipped);
          throw skipped;
        }
        fixtures.put(key, fixture);
      }
      return (T) fixture;
    }

    @Override
    public synchronized void close() {
      List<Object> newestFirst = new ArrayList<>(fixtures.values());
      Collections.reverse(newestFirst);
      for (Object fixture : newestFirst) {
        if (fixture instanceof AutoCloseable closeable) {
          try {
            closeable.close();
          } catch (Exception e) {
            System.err.println("Closing shared fixture " + fixture + " failed: " + e);
          }
        }
      }
      fixtures.clear();
    }
  }
}
