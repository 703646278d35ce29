package io.connectmqtt.common;

import java.util.Collection;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The messages an MQTT session hands to a task, waiting for {@code poll()}, with at most {@code
 * capacity} of them unacknowledged at once: queued, or taken and not yet {@link #acknowledge
 * acknowledged}.
 *
 * <p>At the limit the MQTT client's own thread waits for room, so the client stops reading its
 * socket and the broker keeps the backlog. That bound holds whatever window the broker uses: it
 * does not rely on the broker respecting MQTT 5 flow control (mosquitto 2.0.11 does not;
 * docs/troubleshooting.md), MQTT 3.1.1 has none, and a client that floods a task with requests
 * cannot grow its heap. Keep the capacity below 65,535, the unacknowledged messages an MQTT 5
 * client tolerates.
 *
 * <p>A task whose acknowledgements wait for packets on the same connection must not let the
 * client's thread wait (the thread that would read them): it attaches with {@link #attachShedding}.
 */
public final class MqttIntake {

  /** Queued by {@link #wake()}: ends a poll's wait without a message. Compared by identity. */
  private static final InboundMessage WAKE =
      InboundMessage.withoutProperties("", new byte[0], 0, OptionalInt.empty(), 0, () -> {});

  private final int capacity;
  private final BlockingQueue<InboundMessage> queue;
  private final AtomicBoolean wakeQueued = new AtomicBoolean();

  /**
   * One permit per message that may be held unacknowledged; taken on receipt, given back on
   * acknowledgement.
   */
  private final Semaphore unacknowledged;

  // Counted without a Sensor per message (a lock and a clock read each); tasks record the sums once
  // per poll().
  private final LongAdder received = new LongAdder();
  private final LongAdder acknowledged = new LongAdder();
  private volatile boolean stopping;

  public MqttIntake(int capacity) {
    this.capacity = capacity;
    // Room for capacity messages and the one wake-up.
    this.queue = new ArrayBlockingQueue<>(capacity + 1);
    this.unacknowledged = new Semaphore(capacity);
  }

  /**
   * Takes every message of {@code connection}, on the client's own thread (see the class comment).
   */
  public void attach(MqttConnection connection) {
    connection.onMessage(this::offer, Runnable::run);
  }

  /**
   * As {@link #attach(MqttConnection)}, running {@code onEach} (which must not block) before each
   * message is taken.
   */
  public void attach(MqttConnection connection, Runnable onEach) {
    connection.onMessage(
        message -> {
          onEach.run();
          offer(message);
        },
        Runnable::run);
  }

  /**
   * Takes every message of {@code connection} without ever waiting on the client's thread: a
   * message that finds {@code capacity} messages unacknowledged goes to {@code whenFull} with the
   * action that acknowledges it, is not counted in {@link #unacknowledged()}, and is never queued.
   * {@code whenFull} must not block. For entity sync, which acknowledges a request once the broker
   * has acknowledged its reply: a client thread waiting for room would never read that
   * acknowledgement, and the task would serve nothing more. What bounds the shed messages is the
   * broker's window: send a Receive Maximum of {@code capacity} so that a broker honouring MQTT 5
   * flow control sheds none.
   */
  public void attachShedding(
      MqttConnection connection, BiConsumer<InboundMessage, Runnable> whenFull) {
    connection.onMessage(message -> offerOrShed(message, whenFull), Runnable::run);
  }

  /** See {@link #attachShedding}. */
  void offerOrShed(InboundMessage message, BiConsumer<InboundMessage, Runnable> whenFull) {
    received.increment();
    if (stopping) {
      return;
    }
    if (unacknowledged.tryAcquire()) {
      queue.add(message);
    } else {
      whenFull.accept(
          message,
          () -> {
            message.acknowledge();
            acknowledged.increment();
          });
    }
  }

  /**
   * On the MQTT client's thread: waits while the intake holds {@code capacity} unacknowledged
   * messages.
   */
  void offer(InboundMessage message) {
    received.increment();
    try {
      while (!unacknowledged.tryAcquire(100, TimeUnit.MILLISECONDS)) {
        if (stopping) {
          return;
        }
      }
      queue.add(message);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The next message, waiting up to {@code timeoutMs}; null when none came, or when {@link #wake()}
   * ended the wait.
   */
  public InboundMessage poll(long timeoutMs) throws InterruptedException {
    InboundMessage message = queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
    if (message == WAKE) {
      wakeQueued.set(false);
      return null;
    }
    return message;
  }

  /** Moves up to {@code max} waiting messages into {@code into}. */
  public int drainTo(Collection<InboundMessage> into, int max) {
    int drained = queue.drainTo(into, max);
    // The flag stays set until this consumer takes the wake-up: no scan of the batch otherwise.
    if (wakeQueued.get() && into.removeIf(message -> message == WAKE)) {
      wakeQueued.set(false);
      drained--;
    }
    return drained;
  }

  /**
   * Ends the wait of the {@link #poll} in progress, or else of the next one: the poll thread has
   * work other than messages (Kafka acknowledged a record that a reply waits for). Record that work
   * before calling this, so that the woken thread finds it.
   */
  public void wake() {
    if (wakeQueued.compareAndSet(false, true)) {
      queue.add(WAKE);
    }
  }

  /**
   * Acknowledges {@code message} on MQTT and makes room for the next one. Call once per message
   * taken.
   */
  public void acknowledge(InboundMessage message) {
    try {
      message.acknowledge();
    } finally {
      unacknowledged.release();
      acknowledged.increment();
    }
  }

  /**
   * Stops waiting for room: messages still arriving are left unacknowledged, for the broker to
   * redeliver.
   */
  public void stop() {
    stopping = true;
  }

  public int queued() {
    // Approximate for an instant around a wake-up (metrics only), never below 0.
    return Math.max(0, queue.size() - (wakeQueued.get() ? 1 : 0));
  }

  public int unacknowledged() {
    return capacity - unacknowledged.availablePermits();
  }

  /** Messages received since the last call (for counters recorded once per poll). */
  public long receivedSinceLastCall() {
    return received.sumThenReset();
  }

  /** Messages acknowledged since the last call. */
  public long acknowledgedSinceLastCall() {
    return acknowledged.sumThenReset();
  }
}
