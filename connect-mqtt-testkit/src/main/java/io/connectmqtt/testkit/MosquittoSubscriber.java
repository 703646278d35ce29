package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * mosquitto_sub running in the background against any broker on 127.0.0.1, in debug mode ({@code
 * -d}), so that a test can tell what the broker did with its CONNECT and SUBSCRIBE and what it
 * delivered: an independent client for negative tests ("the broker delivers nothing of alice's to
 * mallory"). mosquitto_sub reconnects by itself when the broker closes the connection, as RabbitMQ
 * does on a refused subscription.
 */
public final class MosquittoSubscriber implements AutoCloseable {

  private static final String STDBUF = "/usr/bin/stdbuf";

  private final Process process;
  private final Path output;
  private final String description;

  private MosquittoSubscriber(Process process, Path output, String description) {
    this.process = process;
    this.output = output;
    this.description = description;
  }

  /**
   * Starts mosquitto_sub -d against 127.0.0.1:{@code port} with {@code args} (-u, -P, -i, -V, -q,
   * -t ...). The process is destroyed when the JVM exits, if {@link #close()} was not called.
   */
  public static MosquittoSubscriber start(int port, String... args) {
    // Line-buffered: written to a file, mosquitto_sub's output would otherwise reach it only in 4
    // KB blocks.
    List<String> command =
        new ArrayList<>(
            List.of(
                STDBUF,
                "-oL",
                MosquittoBroker.SUB.toString(),
                "-d",
                "-v",
                "-h",
                "127.0.0.1",
                "-p",
                Integer.toString(port)));
    command.addAll(List.of(args));
    try {
      Path output = Files.createTempFile(ProjectLayout.scratch("mosquitto-sub-"), "sub-", ".log");
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
      return new MosquittoSubscriber(process, output, String.join(" ", command));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Everything mosquitto_sub printed so far. */
  public String output() {
    try {
      return Files.readString(output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the broker has dealt with the SUBSCRIBE: granted or refused it in a SUBACK, or
   * closed the connection after it (mosquitto_sub then sends a second CONNECT). A negative
   * assertion made after this is meaningful.
   */
  public MosquittoSubscriber awaitSubscribeHandled(Duration timeout) {
    Awaitility.await(this + " subscribed or refused")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              String text = output();
              return text.contains("received SUBACK")
                  || text.contains("sending SUBSCRIBE")
                      && text.split("sending CONNECT", -1).length > 2;
            });
    return this;
  }

  /** Whether the broker accepted a CONNECT of this client (so its credentials were right). */
  public boolean connected() {
    return output().contains("received CONNACK (0)");
  }

  /** The "topic payload" lines of the messages the broker delivered. */
  public List<String> received() {
    List<String> messages = new ArrayList<>();
    List<String> lines = output().lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      // -d prints "Client x received PUBLISH (...)", then (for QoS 1) "Client x sending PUBACK",
      // then "-v" prints the message itself.
      if (lines.get(i).contains("received PUBLISH")) {
        messages.add(
            lines.subList(i + 1, lines.size()).stream()
                .filter(l -> !l.startsWith("Client "))
                .findFirst()
                .orElse(lines.get(i)));
      }
    }
    return messages;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return description.replaceAll("-P \\S+", "-P ***");
  }
}
