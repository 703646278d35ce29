package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on the loopback interface, taken below the kernel's ephemeral range: a port the OS
 * picks for "any free port" can be handed out again at once as the local port of an outgoing
 * connection (Kafka clients make many), and a listener started a moment later then fails to bind.
 * Each port is handed out once per JVM.
 */
public final class Ports {

  private static final int FIRST;
  private static final int COUNT;
  private static final AtomicInteger NEXT =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 20));

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
    COUNT = Math.max(1, ephemeralStart - FIRST);
  }

  private Ports() {}

  public static int free() {
    for (int attempt = 0; attempt < COUNT; attempt++) {
      int port = FIRST + Math.floorMod(NEXT.getAndIncrement(), COUNT);
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

  private static boolean available(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }
}
