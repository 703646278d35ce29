package io.connectmqtt.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy in front of an MQTT broker that swallows chosen QoS 1/2 PUBLISH packets on their way
 * from the client to the broker, as a broker does that silently drops a PUBLISH (e.g. Moquette 0.17
 * with a full session command queue, docs/testing.md): the client never gets a PUBACK and the
 * connection stays up. Everything else passes, in both directions. It records the packet identifier
 * and DUP flag of every QoS 1/2 PUBLISH it sees, dropped or not.
 */
public final class PublishDroppingProxy implements AutoCloseable {

  /**
   * One QoS 1/2 PUBLISH seen from a client: its packet identifier, DUP flag, and whether it was
   * dropped.
   */
  public record Seen(int packetId, boolean dup, boolean dropped) {}

  private final String brokerHost;
  private final int brokerPort;
  private final ServerSocket server;

  /** Publishes to pass before dropping {@link #toDrop}; both guarded by {@code this}. */
  private int toPass;

  private int toDrop;
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
  private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger connectionCount = new AtomicInteger();
  private volatile long lastPublishNanos = System.nanoTime();
  private volatile boolean closed;

  public PublishDroppingProxy(String brokerHost, int brokerPort) throws IOException {
    this.brokerHost = brokerHost;
    this.brokerPort = brokerPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "publish-dropping-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String uri() {
    return "tcp://127.0.0.1:" + server.getLocalPort();
  }

  /** Drops the next {@code count} QoS 1/2 PUBLISH packets clients send. */
  public void dropNextPublishes(int count) {
    dropPublishesAfter(0, count);
  }

  /**
   * Lets the next {@code pass} QoS 1/2 PUBLISH packets through, then drops {@code count}: counted
   * in packets the broker would get, so the drops come at the same point of a client's stream
   * however far its subscribers lag behind.
   */
  public synchronized void dropPublishesAfter(int pass, int count) {
    toPass = pass;
    toDrop = count;
  }

  /** Drops nothing from now on: what {@link #dropPublishesAfter} has not dropped yet passes. */
  public void stopDropping() {
    dropPublishesAfter(0, 0);
  }

  private synchronized boolean dropsNext() {
    if (toPass > 0) {
      toPass--;
      return false;
    }
    if (toDrop > 0) {
      toDrop--;
      return true;
    }
    return false;
  }

  /** Time since the last QoS 1/2 PUBLISH a client sent (or since the proxy started). */
  public Duration sinceLastPublish() {
    return Duration.ofNanos(System.nanoTime() - lastPublishNanos);
  }

  /** How many QoS 1/2 PUBLISH packets were dropped so far. */
  public long dropped() {
    return seen().stream().filter(Seen::dropped).count();
  }

  /** Every QoS 1/2 PUBLISH seen so far, in order. */
  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  /** Connections accepted so far (a client that reconnects makes another). */
  public int connections() {
    return connectionCount.get();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Socket broker = new Socket(brokerHost, brokerPort);
        client.setTcpNoDelay(true);
        broker.setTcpNoDelay(true);
        sockets.add(client);
        sockets.add(broker);
        connectionCount.incrementAndGet();
        start(
            "to-broker",
            () -> forwardPackets(client.getInputStream(), broker.getOutputStream()),
            client,
            broker);
        start(
            "to-client",
            () -> broker.getInputStream().transferTo(client.getOutputStream()),
            client,
            broker);
      } catch (IOException e) {
        if (!closed) {
          throw new IllegalStateException("proxy failed", e);
        }
      }
    }
  }

  private interface Pump {
    Object run() throws IOException;
  }

  private void start(String name, Pump pump, Socket a, Socket b) {
    Thread thread =
        new Thread(
            () -> {
              try {
                pump.run();
              } catch (IOException e) {
                // The other side closed; close both, as a broker would.
              } finally {
                closeQuietly(a);
                closeQuietly(b);
              }
            },
            "publish-dropping-proxy-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Copies MQTT packets from client to broker, one at a time, leaving out the PUBLISH packets to
   * drop.
   */
  private Object forwardPackets(InputStream in, OutputStream out) throws IOException {
    while (true) {
      int first = in.read();
      if (first < 0) {
        return null;
      }
      ByteArrayOutputStream header = new ByteArrayOutputStream();
      header.write(first);
      int length = 0;
      int multiplier = 1;
      int digit;
      do {
        digit = in.read();
        if (digit < 0) {
          return null;
        }
        header.write(digit);
        length += (digit & 0x7f) * multiplier;
        multiplier *= 128;
      } while ((digit & 0x80) != 0);
      byte[] body = in.readNBytes(length);
      if (body.length < length) {
        return null;
      }
      int type = (first >> 4) & 0x0f;
      int qos = (first >> 1) & 0x03;
      if (type == 3 && qos > 0) {
        int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        int packetId = ((body[2 + topicLength] & 0xff) << 8) | (body[3 + topicLength] & 0xff);
        lastPublishNanos = System.nanoTime();
        boolean drop = dropsNext();
        seen.add(new Seen(packetId, (first & 0x08) != 0, drop));
        if (drop) {
          continue;
        }
      }
      out.write(header.toByteArray());
      out.write(body);
      out.flush();
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // Closing anyway.
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (sockets) {
      sockets.forEach(PublishDroppingProxy::closeQuietly);
    }
  }
}
