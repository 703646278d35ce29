package io.connectmqtt.testkit;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.LongFunction;

/**
 * Publishes numbered messages at a steady rate with QoS 1 and a persistent session, and retries
 * every message until the broker acknowledges it, across broker restarts. Payload: 8-byte sequence
 * number, 8-byte send time ({@link System#nanoTime()}, comparable across JVMs of one Linux host),
 * 8-byte wall-clock send time (ms), padding to the requested size. {@link #acknowledged()} counts
 * messages the broker owns. MQTT 5 by default; MQTT 3.1.1 for brokers that have nothing else (clean
 * session false there).
 */
public final class MqttLoadPublisher implements AutoCloseable {

  private final BiFunction<String, byte[], CompletableFuture<?>> publish;
  private final Runnable disconnect;
  private final Semaphore inFlight = new Semaphore(500);
  private final AtomicLong acknowledged = new AtomicLong();
  private final AtomicLong retries = new AtomicLong();

  public MqttLoadPublisher(String clientId, int port) {
    this(clientId, port, true);
  }

  /** A publisher speaking MQTT 5 if {@code mqtt5}, else MQTT 3.1.1. */
  public MqttLoadPublisher(String clientId, int port, boolean mqtt5) {
    var builder = MqttClients.reconnectingBuilder(clientId, port);
    if (mqtt5) {
      Mqtt5AsyncClient client = builder.useMqttVersion5().buildAsync();
      client.connectWith().cleanStart(false).sessionExpiryInterval(3600).send().join();
      publish =
          (topic, payload) ->
              client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
      disconnect = () -> client.disconnect().exceptionally(e -> null).join();
    } else {
      Mqtt3AsyncClient client = builder.useMqttVersion3().buildAsync();
      client.connectWith().cleanSession(false).send().join();
      publish =
          (topic, payload) ->
              client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
      disconnect = () -> client.disconnect().exceptionally(e -> null).join();
    }
  }

  public static long sequence(byte[] payload) {
    return ByteBuffer.wrap(payload).getLong(0);
  }

  public static long sentNanos(byte[] payload) {
    return ByteBuffer.wrap(payload).getLong(8);
  }

  public static long sentMillis(byte[] payload) {
    return ByteBuffer.wrap(payload).getLong(16);
  }

  /**
   * Sends messages {@code from} to {@code to - 1} to {@code topicOf(seq)} at about {@code
   * ratePerSecond} (0: as fast as the broker takes them), returning once every one was
   * acknowledged.
   */
  public void publish(
      long from, long to, int payloadSize, int ratePerSecond, LongFunction<String> topicOf)
      throws InterruptedException {
    long start = System.nanoTime();
    for (long seq = from; seq < to; seq++) {
      if (ratePerSecond > 0) {
        long due = start + (seq - from) * 1_000_000_000L / ratePerSecond;
        long wait = due - System.nanoTime();
        if (wait > 1_000_000) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
      inFlight.acquire();
      send(seq, payloadSize, topicOf.apply(seq));
    }
    inFlight.acquire(500);
    inFlight.release(500);
  }

  private void send(long seq, int payloadSize, String topic) {
    ByteBuffer payload = ByteBuffer.allocate(Math.max(24, payloadSize));
    payload.putLong(0, seq).putLong(8, System.nanoTime()).putLong(16, System.currentTimeMillis());
    CompletableFuture<?> sent = publish.apply(topic, payload.array());
    sent.whenComplete(
        (ack, error) -> {
          if (error == null) {
            acknowledged.incrementAndGet();
            inFlight.release();
          } else {
            retries.incrementAndGet();
            CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS)
                .execute(() -> send(seq, payloadSize, topic));
          }
        });
  }

  public long acknowledged() {
    return acknowledged.get();
  }

  public long retries() {
    return retries.get();
  }

  @Override
  public void close() {
    disconnect.run();
  }
}
