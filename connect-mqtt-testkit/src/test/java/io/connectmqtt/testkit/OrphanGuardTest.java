package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OrphanGuardTest {

  /** A JVM that starts a long-running guarded child, prints its pid and waits to be killed. */
  public static final class GuardedParent {
    public static void main(String[] args) throws Exception {
      Process child = new ProcessBuilder("sleep", "300").start();
      OrphanGuard.killWithThisJvm(child);
      System.out.println(child.pid());
      System.out.flush();
      child.waitFor();
    }
  }

  @Test
  void aChildDiesWithItsSigkilledParent() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process parent =
        new ProcessBuilder(
                java.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                GuardedParent.class.getName())
            .redirectErrorStream(true)
            .start();
    long childPid;
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))) {
      childPid = Long.parseLong(out.readLine().trim());
      Optional<ProcessHandle> child = ProcessHandle.of(childPid);
      assertThat(child).hasValueSatisfying(c -> assertThat(c.isAlive()).isTrue());

      parent.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.of(childPid).map(h -> !h.isAlive()).orElse(true));
    }
  }

  @Test
  void theGuardEndsWithItsChild() throws Exception {
    Process child = new ProcessBuilder("sleep", "300").start();
    OrphanGuard.killWithThisJvm(child);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ProcessHandle.current().children().anyMatch(p -> isGuardOf(p, child)));
    child.destroyForcibly().waitFor();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> ProcessHandle.current().children().noneMatch(p -> isGuardOf(p, child)));
  }

  private static boolean isGuardOf(ProcessHandle process, Process child) {
    return process.isAlive()
        && process
            .info()
            .commandLine()
            .map(c -> c.contains("kill -KILL " + child.pid() + " "))
            .orElse(false);
  }
}
