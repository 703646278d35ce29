package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports on the loopback interface, taken below the kernel's ephemeral range: a port the OS
 * picks for "any free port" can be handed out again at once as the local port of an outgoing
 * connection (Kafka clients make many), and a listener started a moment later then fails to bind.
 *
 * <p>Each JVM takes its ports from blocks of {@value #BLOCK} that it holds with a file lock until
 * it exits, so JVMs running at the same time (Failsafe's forks, modules built in parallel, other
 * checkouts) never hand out the same port: a port is free when checked, but its server may bind it
 * seconds later, and another JVM checking in between would take it too.
 */
public final class Ports {

  private static final int BLOCK = 100;

  /** Where the block locks are: the same for every JVM of the machine (a test may set another). */
  private static final Path LOCKS =
      Path.of(
          System.getProperty(
              "testkit.ports.locks",
              Path.of(System.getenv().getOrDefault("TMPDIR", "/tmp"), "connect-mqtt-test-ports")
                  .toString()));

  private static final int FIRST;
  private static final int BLOCKS;

  /**
   * The blocks this JVM holds, by first port: their locks last as long as their channels stay open.
   * Never opened a second time here: on Linux, closing any channel of a file releases this JVM's
   * lock on it.
   */
  private static final Map<Integer, FileChannel> HELD = new HashMap<>();

  private static int blockStart = -1;
  private static int nextInBlock = BLOCK;

  static {
    int ephemeralStart = 32_768;
    try {
      Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
      if (Files.isReadable(range)) {
        // readAllLines, not readString: /proc files report size 0, and readString then stops after
        // one byte.
        ephemeralStart = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
      }
    } catch (IOException | RuntimeException unreadable) {
      // keep the usual Linux default
    }
    if (ephemeralStart < 11_024) {
      ephemeralStart = 32_768;
    }
    FIRST = Math.max(1_024, ephemeralStart - 12_000);
    BLOCKS = Math.max(1, (ephemeralStart - FIRST) / BLOCK);
  }

  private Ports() {}

  public static synchronized int free() {
    for (int attempt = 0; attempt < BLOCKS * BLOCK; attempt++) {
      if (nextInBlock == BLOCK) {
        claimBlock();
      }
      int port = blockStart + nextInBlock++;
      if (available(port)) {
        return port;
      }
    }
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Locks a block no other JVM holds, starting at a random one. */
  private static void claimBlock() {
    int first = ThreadLocalRandom.current().nextInt(BLOCKS);
    try {
      Files.createDirectories(LOCKS);
      for (int i = 0; i < BLOCKS; i++) {
        int start = FIRST + Math.floorMod(first + i, BLOCKS) * BLOCK;
        if (HELD.containsKey(start)) {
          continue;
        }
        FileChannel channel =
            FileChannel.open(
                LOCKS.resolve(start + ".lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock != null) {
          HELD.put(start, channel);
          blockStart = start;
          nextInBlock = 0;
          return;
        }
        channel.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock a block of ports in " + LOCKS, e);
    }
    throw new IllegalStateException("every block of ports in " + LOCKS + " is held by other JVMs");
  }

  private static boolean available(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
