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
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.opentest4j.TestAbortedException;

/**
 * Fixtures started once per test JVM (all ITs of a module under Failsafe) and shared by every IT
 * class annotated {@code @ExtendWith(SharedFixtures.class)}: a broker of the matrix per kind and
 * options, a {@link ProcessStack} per plugin path, and one in-process {@link ConnectStack}.
 * Starting them costs more than most tests take (RabbitMQ 8–18 s, a Kafka and Connect pair about 15
 * s, HiveMQ CE's stop 4 s). They are closed, newest first, when the JUnit launcher session ends
 * (under Failsafe once per test JVM, after its last class), or else when the test JVM exits:
 * Failsafe with several forks hands each fork one class at a time, each in a JUnit run of its own,
 * so anything tied to JUnit's run (its root store) would be closed and started again for every
 * class.
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
        Started fixtures = new Started();
        started = fixtures;
        Runtime.getRuntime()
            .addShutdownHook(new Thread(() -> fixtures.close(true), "shared-fixtures-close"));
      }
    }
  }

  /**
   * Closes every fixture, newest first, while the JVM still runs: at the end of the JUnit launcher
   * session ({@link SessionEnd}), which under Failsafe is once per test JVM, after its last class.
   */
  static void closeAll() {
    Started fixtures;
    synchronized (SharedFixtures.class) {
      fixtures = started;
      started = null;
    }
    if (fixtures != null) {
      fixtures.close(false);
    }
  }

  /**
   * Closes the fixtures when the launcher session ends (registered as a {@link
   * LauncherSessionListener} service), before the JVM's shutdown hooks run: there, the in-process
   * Connect worker's own hook stops it concurrently with ours.
   */
  public static final class SessionEnd implements LauncherSessionListener {
    @Override
    public void launcherSessionClosed(LauncherSession session) {
      closeAll();
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
  private static final class Started {
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

    /**
     * {@code atExit}: in a shutdown hook, where the in-process {@link ConnectStack} is left to end
     * with the JVM.
     */
    synchronized void close(boolean atExit) {
      if (fixtures.isEmpty()) {
        return;
      }
      System.out.printf(
          "SharedFixtures: closing %d fixture(s) %s%n",
          fixtures.size(), atExit ? "at the JVM's exit" : "at the end of the launcher session");
      List<Object> newestFirst = new ArrayList<>(fixtures.values());
      Collections.reverse(newestFirst);
      for (Object fixture : newestFirst) {
        if (atExit && fixture instanceof ConnectStack) {
          // Ends with this JVM. Here, the worker's own shutdown hook stops it at the same time as
          // ours; in that race the exit hung in the worker's REST server stop (Jetty's join)
          // until Failsafe killed the fork 60 s later.
          continue;
        }
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
