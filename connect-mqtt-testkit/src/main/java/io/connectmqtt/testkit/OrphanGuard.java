package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Kills a child process when this JVM dies, however it dies. A JVM killed with SIGKILL (a benchmark
 * stopped by hand, a CI step timing out) runs no shutdown hook, so its Kafka brokers, Connect
 * workers and databases would otherwise run on and hold their ports. Each guarded child gets a
 * small shell that reads this JVM's end of a pipe: the kernel closes that end when this JVM exits,
 * the read returns end of file, and the shell kills the child. The child's own pid is unchanged, so
 * tests can still SIGKILL a worker themselves.
 */
final class OrphanGuard {

  private OrphanGuard() {}

  /** Kills {@code child} once this JVM has gone; the guard itself ends when the child does. */
  static void killWithThisJvm(Process child) {
    String script = "while read -r _; do :; done; kill -KILL " + child.pid() + " 2>/dev/null";
    try {
      Process guard =
          new ProcessBuilder("/bin/sh", "-c", script)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      // Once the child has exited its pid may be reused: the guard must not outlive it.
      child.onExit().thenRun(guard::destroy);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start the orphan guard of pid " + child.pid(), e);
    }
  }
}
