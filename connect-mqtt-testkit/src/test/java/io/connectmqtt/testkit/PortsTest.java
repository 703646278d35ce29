package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsTest {

  /**
   * A JVM that takes {@code args[0]} ports (or as many as it can get, with "all"), prints them on
   * one line and holds them until its stdin closes.
   */
  public static final class PortTaker {
    public static void main(String[] args) throws IOException {
      StringBuilder taken = new StringBuilder();
      int wanted = args[0].equals("all") ? Integer.MAX_VALUE : Integer.parseInt(args[0]);
      for (int i = 0; i < wanted; i++) {
        try {
          taken.append(Ports.free()).append(' ');
        } catch (IllegalStateException everyBlockHeld) {
          break;
        }
      }
      System.out.println(taken.toString().trim());
      System.out.flush();
      System.in.read();
    }
  }

  /**
   * While one JVM holds every block of ports (it took ports until none was left to lock), another
   * gets none; once the first has exited, it gets its ports.
   */
  @Test
  void aJvmNeverHandsOutAPortOfABlockAnotherJvmHolds() throws Exception {
    Path locks = Files.createTempDirectory(Path.of("target"), "port-locks-");
    Process holder = taker(locks, "all");
    try {
      assertThat(ports(holder)).as("ports of every block").hasSizeGreaterThan(1_000);
      Process second = taker(locks, "1");
      assertThat(ports(second)).as("ports while another JVM holds every block").isEmpty();
      second.getOutputStream().close();
      second.waitFor();
    } finally {
      holder.getOutputStream().close();
      holder.waitFor();
    }
    Process third = taker(locks, "20");
    assertThat(ports(third)).as("ports once the holder has exited").hasSize(20);
    third.getOutputStream().close();
    third.waitFor();
  }

  private static Process taker(Path locks, String count) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new ProcessBuilder(
            java.toString(),
            "-Dtestkit.ports.locks=" + locks.toAbsolutePath(),
            "-cp",
            System.getProperty("java.class.path"),
            PortTaker.class.getName(),
            count)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static List<Integer> ports(Process taker) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(taker.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    List<Integer> ports = new ArrayList<>();
    if (line != null && !line.isBlank()) {
      for (String port : line.trim().split(" ")) {
        ports.add(Integer.parseInt(port));
      }
    }
    return ports;
  }
}
