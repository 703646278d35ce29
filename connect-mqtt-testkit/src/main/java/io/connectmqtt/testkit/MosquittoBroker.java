package io.connectmqtt.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's mosquitto run as a child process on 127.0.0.1 and a free port: an independent MQTT 5 broker, and with
 * mosquitto_pub/mosquitto_sub independent clients. Tests that need it are skipped, visibly, where it is not installed.
 */
public final class MosquittoBroker implements AutoCloseable {

  public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
  public static final Path PUB = Path.of("/usr/bin/mosquitto_pub");
  public static final Path SUB = Path.of("/usr/bin/mosquitto_sub");

  private final Path home;
  private final int port;
  private String user;
  private String password;
  private Path aclFile;
  private Process process;

  private MosquittoBroker(int port) {
    this.home = ProjectLayout.scratch("mosquitto-");
    this.port = port;
  }

  public static boolean available() {
    return Files.isExecutable(BINARY) && Files.isExecutable(PUB) && Files.isExecutable(SUB);
  }

  /** Skips the calling test with a message saying how to install mosquitto. */
  public static void assumeAvailable() {
    if (!available()) {
      System.err.println("SKIPPED: mosquitto is not installed; apt-get install -y mosquitto mosquitto-clients");
    }
    Assumptions.assumeTrue(available(),
        "mosquitto is not installed (apt-get install -y mosquitto mosquitto-clients); skipping mosquitto tests");
  }

  /** A started broker that accepts only {@code user} with {@code password}. */
  public static MosquittoBroker startWithPassword(String user, String password) {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.user = user;
    broker.password = password;
    broker.startProcess();
    return broker;
  }

  /**
   * A started broker that lets anonymous clients in as well as {@code user}, and applies {@code aclFile} (mosquitto's
   * acl_file syntax) to all of them.
   */
  public static MosquittoBroker startWithAcl(Path aclFile, String user, String password) {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.user = user;
    broker.password = password;
    broker.aclFile = aclFile;
    broker.startProcess();
    return broker;
  }

  public static MosquittoBroker start() {
    MosquittoBroker broker = new MosquittoBroker(Ports.free());
    broker.startProcess();
    return broker;
  }

  private void startProcess() {
    try {
      Path conf = home.resolve("mosquitto.conf");
      String authentication = "allow_anonymous true";
      if (user != null) {
        Path passwords = home.resolve("passwords");
        run(new String[] {"/usr/bin/mosquitto_passwd", "-b", "-c", passwords.toString(), user, password},
            Duration.ofSeconds(30));
        authentication = "allow_anonymous false\npassword_file " + passwords;
      }
      if (aclFile != null) {
        authentication = authentication.replace("allow_anonymous false", "allow_anonymous true")
            + "\nacl_file " + aclFile.toAbsolutePath();
      }
      Files.writeString(conf, """
          listener %d 127.0.0.1
          %s
          user %s
          persistence false
          max_queued_messages 100000
          max_inflight_messages 100
          log_dest stderr
          log_type error
          log_type warning
          """.formatted(port, authentication, System.getProperty("user.name")));
      process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
          .redirectErrorStream(true)
          .redirectOutput(home.resolve("mosquitto.log").toFile())
          .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        try (Socket socket = new Socket()) {
          socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
          return;
        } catch (IOException notYet) {
          if (!process.isAlive()) {
            throw new IllegalStateException("mosquitto exited: " + Files.readString(home.resolve("mosquitto.log")));
          }
          Thread.sleep(50);
        }
      }
      throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Restarts the broker accepting only {@code newPassword} for {@code newUser} (credential rotation). */
  public void restartWithPassword(String newUser, String newPassword) {
    stop();
    user = newUser;
    password = newPassword;
    startProcess();
  }

  public void restart() {
    stop();
    startProcess();
  }

  /** Runs mosquitto_pub against this broker with the given extra arguments and waits for it. */
  public void publish(String... args) {
    String[] command = new String[args.length + 5];
    command[0] = PUB.toString();
    command[1] = "-h";
    command[2] = "127.0.0.1";
    command[3] = "-p";
    command[4] = Integer.toString(port);
    System.arraycopy(args, 0, command, 5, args.length);
    run(command, Duration.ofSeconds(30));
  }

  static String run(String[] command, Duration timeout) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
      }
      String output = new String(p.getInputStream().readAllBytes());
      if (p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
      }
      return output;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public void stop() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  @Override
  public void close() {
    stop();
  }
}
