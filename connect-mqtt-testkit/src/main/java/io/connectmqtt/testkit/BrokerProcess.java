package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A broker running as a child process that never outlives the test JVM. It runs under a small
 * {@code sh} watchdog that holds a pipe from this JVM on its standard input: when the JVM ends in
 * any way, even SIGKILL, the pipe closes (a background job's stdin is /dev/null in sh, so the pipe
 * is kept as fd 3 for the watcher) and the watchdog stops the broker (SIGTERM, then SIGKILL after
 * 15 s), then runs an optional clean-up command (for RabbitMQ: ending the epmd it started). {@link
 * #stop(Duration)} and a JVM shutdown hook stop it in the normal way. Output goes to a log file
 * whose tail is in every start failure.
 */
final class BrokerProcess {

  private static final String WATCHDOG =
      """
      exec 3<&0
      "$@" </dev/null 3<&- &
      child=$!
      trap 'kill -TERM "$child" 2>/dev/null' TERM INT HUP
      ( while read -r _; do :; done <&3; kill -TERM "$child" 2>/dev/null; sleep 15; kill -KILL "$child" 2>/dev/null ) &
      watcher=$!
      status=0
      while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
      kill "$watcher" 2>/dev/null
      if [ -n "$WATCHDOG_AFTER_EXIT" ]; then sh -c "$WATCHDOG_AFTER_EXIT" >/dev/null 2>&1; fi
      exit $status
      """;

  private static final Set<BrokerProcess> RUNNING = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (BrokerProcess process : List.copyOf(RUNNING)) {
                    process.stop(Duration.ofSeconds(10));
                  }
                },
                "broker-processes-shutdown"));
  }

  private final String what;
  private final Path log;
  private final Process process;

  private BrokerProcess(String what, Path log, Process process) {
    this.what = what;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts {@code command} with {@code environment} added, in {@code directory}, output appended to
   * {@code log}. {@code afterExit} (may be null) is a shell command run once the broker exited,
   * however it was stopped.
   */
  static BrokerProcess start(
      String what,
      Path directory,
      Path log,
      Map<String, String> environment,
      List<String> command,
      String afterExit) {
    List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, "broker-watchdog"));
    full.addAll(command);
    ProcessBuilder builder =
        new ProcessBuilder(full)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    if (afterExit != null) {
      builder.environment().put("WATCHDOG_AFTER_EXIT", afterExit);
    }
    try {
      BrokerProcess started = new BrokerProcess(what, log, builder.start());
      RUNNING.add(started);
      return started;
    } catch (IOException e) {
      throw new BrokerStartException(
          what + " could not be started (" + String.join(" ", command) + "): " + e, e);
    }
  }

  /**
   * Waits until something accepts TCP connections on 127.0.0.1:{@code port} and, if {@code logLine}
   * is not null, the log contains it. Stops the process and throws with the log's tail if it exits
   * or the time runs out.
   */
  void awaitListening(int port, String logLine, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw failure(
            what
                + " exited with code "
                + process.exitValue()
                + " before listening on port "
                + port);
      }
      if (accepts(port) && (logLine == null || logContains(logLine))) {
        return;
      }
      sleep(50);
    }
    throw failure(
        what + " did not listen on port " + port + " within " + timeout.toSeconds() + " s");
  }

  private BrokerStartException failure(String message) {
    stop(Duration.ofSeconds(10));
    return new BrokerStartException(message + "; log " + log + ", last lines:\n" + logTail(40));
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private boolean logContains(String text) {
    try {
      return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** The last {@code lines} lines of the log. */
  String logTail(int lines) {
    return tail(log, lines);
  }

  static String tail(Path file, int lines) {
    try {
      if (!Files.exists(file)) {
        return "(no " + file + ")";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * SIGTERM to the watchdog, which passes it on and waits for the broker; after {@code grace}
   * SIGKILL to the whole process tree. Returns once everything exited.
   */
  void stop(Duration grace) {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          System.err.println(
              "WARNING: " + what + " did not stop within " + grace.toSeconds() + " s; killing it");
        }
      }
      tree.addAll(process.descendants().toList());
      for (ProcessHandle handle : tree) {
        if (handle.isAlive()) {
          handle.destroyForcibly();
        }
      }
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      for (ProcessHandle handle : tree) {
        handle.onExit().get(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      System.err.println("WARNING: " + what + " may still run: " + e);
    } finally {
      closeQuietly();
      RUNNING.remove(this);
    }
  }

  private void closeQuietly() {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // the watchdog is gone already
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A broker that could not start; the message carries the broker's log tail. */
  static final class BrokerStartException extends IllegalStateException {
    BrokerStartException(String message) {
      super(message);
    }

    BrokerStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
