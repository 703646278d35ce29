package io.connectmqtt.demo;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.connectmqtt.testkit.MqttClients;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated devices: each publishes temperature and humidity readings as JSON to {@code
 * demo/sensors/<site>/<device>/<metric>} (QoS 1, MQTT 5 user properties), now and then an alarm,
 * and once in a while a payload that is not JSON, to show the dead letter topic.
 */
final class SensorFleet implements AutoCloseable {

  static final List<String> SITES = List.of("berlin", "lyon", "osaka");
  private final List<Mqtt5AsyncClient> devices = new ArrayList<>();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sensor-fleet");
            t.setDaemon(true);
            return t;
          });
  private final AtomicLong published = new AtomicLong();
  private final int devicesPerSite;

  SensorFleet(int port, int devicesPerSite) {
    this.devicesPerSite = devicesPerSite;
    for (String site : SITES) {
      for (int d = 0; d < devicesPerSite; d++) {
        Mqtt5AsyncClient client =
            MqttClients.builder(site + "-sensor-" + d, port)
                .useMqttVersion5()
                .automaticReconnectWithDefaultConfig()
                .buildAsync();
        client.connect().join();
        devices.add(client);
      }
    }
  }

  void start(int messagesPerDevicePerSecond) {
    long periodMicros = 1_000_000L / Math.max(1, messagesPerDevicePerSecond);
    scheduler.scheduleAtFixedRate(this::tick, 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  private void tick() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < devices.size(); i++) {
      String site = SITES.get(i / devicesPerSite);
      // Unique across sites: the activity log's presence names a device by this topic level.
      String device = site + "-sensor-" + (i % devicesPerSite);
      long seq = published.incrementAndGet();
      boolean temperature = random.nextBoolean();
      String metric = temperature ? "temperature" : "humidity";
      double value = temperature ? 18 + random.nextGaussian() * 3 : 45 + random.nextGaussian() * 10;
      String payload =
          String.format(
              Locale.ROOT,
              "{\"site\":\"%s\",\"device\":\"%s\",\"metric\":\"%s\",\"value\":%.2f,\"unit\":\"%s\",\"ts\":%d}",
              site,
              device,
              metric,
              value,
              temperature ? "C" : "%",
              System.currentTimeMillis());
      if (seq % 97 == 0) {
        metric = "alarm";
        payload =
            "{\"site\":\"" + site + "\",\"device\":\"" + device + "\",\"alarm\":\"door open\"}";
      } else if (seq % 251 == 0) {
        payload = "temperature=" + value;
      }
      devices
          .get(i)
          .publishWith()
          .topic("demo/sensors/" + site + "/" + device + "/" + metric)
          .qos(MqttQos.AT_LEAST_ONCE)
          .contentType("application/json")
          .userProperties()
          .add("firmware", "2.4." + (i % 3))
          .applyUserProperties()
          .payload(payload.getBytes(StandardCharsets.UTF_8))
          .send();
    }
  }

  long published() {
    return published.get();
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    devices.forEach(d -> d.disconnect().exceptionally(e -> null));
  }
}
