package io.connectmqtt.demo;

import io.connectmqtt.testkit.SparkplugEdgeNode;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Sparkplug B edge node {@code plant/edge1} with the devices {@code pump} and {@code valve} (the
 * testkit's simulator: BIRTHs with aliases, DATA by alias only, every Sparkplug datatype), in a
 * cycle of {@link #CYCLE_SECONDS}: DATA every two seconds; the valve dies (DDEATH) at second 8; the
 * node drops off at second 14 and the broker publishes its Will (NDEATH); at second 20 it comes
 * back with the next bdSeq (NBIRTH, DBIRTHs). The presence stream shows every step.
 */
final class SparkplugPlant implements AutoCloseable {

  static final String GROUP = "plant";
  static final String NODE = "edge1";
  static final List<String> DEVICES = List.of("pump", "valve");
  static final int CYCLE_SECONDS = 20;
  private static final int VALVE_DIES_AT = 8;
  private static final int NODE_DIES_AT = 14;

  private static final Logger log = LoggerFactory.getLogger(SparkplugPlant.class);

  private final int port;
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sparkplug-plant");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong messages = new AtomicLong();
  private SparkplugEdgeNode node;
  private long bdSeq;
  private int second;
  private int round;

  SparkplugPlant(int port) {
    this.port = port;
  }

  void start() {
    scheduler.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.SECONDS);
  }

  /** One second of the cycle; runs on the scheduler's one thread only. */
  private void tick() {
    try {
      if (second == 0) {
        node = SparkplugEdgeNode.connect(port, GROUP, NODE, DEVICES, bdSeq);
        node.birth();
        messages.addAndGet(1 + DEVICES.size());
      } else if (second == VALVE_DIES_AT) {
        node.deviceDeath(DEVICES.indexOf("valve"));
        messages.incrementAndGet();
      } else if (second == NODE_DIES_AT) {
        node.vanish();
        node = null;
        bdSeq = (bdSeq + 1) % 256;
      } else if (node != null && second % 2 == 0) {
        node.data(++round);
        messages.addAndGet(second < VALVE_DIES_AT ? 1 + DEVICES.size() : DEVICES.size());
      }
      second = (second + 1) % CYCLE_SECONDS;
    } catch (RuntimeException e) {
      // The broker may be stopping; the next cycle connects anew.
      log.warn("Sparkplug edge node simulator: {}", e.toString());
      node = null;
      second = 0;
    }
  }

  /** BIRTH, DATA and DDEATH messages published so far (the broker publishes the NDEATHs). */
  long published() {
    return messages.get();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (node != null) {
      node.close();
    }
  }
}
