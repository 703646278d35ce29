package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What HiveMQ CE 2025.5 (file persistence, its default) does to a shared group while one member
 * holds a message unacknowledged, measured with plain HiveMQ clients and no connector
 * (docs/troubleshooting.md, "Source stops receiving from HiveMQ CE"). HiveMQ offers a group's queue
 * to every member only when the queue's size turns from 0 to 1, and counts in that size the
 * messages in flight to members; so while one member holds a message, a member that has had one
 * empty read is never offered the queue again, however long it grows. A SUBSCRIBE again by a member
 * makes HiveMQ read the queue for it: the backlog flows. The source task relies on that when its
 * whole group falls silent (IdleMembers). If the first assertion fails, HiveMQ CE no longer stalls
 * here; if the second does, a SUBSCRIBE no longer wakes a member and the source needs another way.
 */
class HiveMqSharedGroupStallIT {

  private static final String TOPIC = "stall/a";
  private static final int MEMBERS = 4;
  private static final int MESSAGES = 2_000;

  @Test
  void aHeldMessageStallsTheGroupAndASubscribeAgainDrainsIt() throws Exception {
    try (HiveMqBroker broker = HiveMqBroker.start(200_000, true);
        MqttLoadPublisher publisher = new MqttLoadPublisher("stall-publisher", broker.port())) {
      List<Member> members = new ArrayList<>();
      AtomicInteger groupReceived = new AtomicInteger();
      for (int i = 0; i < MEMBERS; i++) {
        members.add(new Member("stall-member-" + i, broker.port(), groupReceived));
      }
      try {
        // The first message is held by whichever member gets it; every later one is acknowledged
        // at once.
        publisher.publish(0, 1, 64, 0, seq -> TOPIC);
        Awaitility.await("the first message held")
            .atMost(Duration.ofSeconds(30))
            .until(() -> total(members) == 1);

        publisher.publish(1, 1 + MESSAGES, 64, 1_000, seq -> TOPIC);
        // The stall is the subject: nothing else can signal that nothing comes. Two seconds
        // after the publisher's last PUBACK, at 1,000/s, the members would have had them all.
        Awaitility.await("the group stays silent")
            .during(Duration.ofSeconds(2))
            .atMost(Duration.ofSeconds(5))
            .until(() -> total(members) == 1);
        assertThat(total(members))
            .as("messages delivered of %d, with one member holding the first", 1 + MESSAGES)
            .isEqualTo(1);

        Member woken = members.stream().filter(m -> m.received.get() == 0).findFirst().get();
        woken.subscribe();
        Awaitility.await("the backlog after a member subscribed again")
            .atMost(Duration.ofSeconds(30))
            .until(() -> total(members) == 1 + MESSAGES);
        assertThat(woken.received).as("messages the woken member received").hasValue(MESSAGES);
        assertThat(broker.droppedMessageCount()).hasValue(0);
      } finally {
        members.forEach(Member::close);
      }
    }
  }

  private static long total(List<Member> members) {
    return members.stream().mapToLong(m -> m.received.get()).sum();
  }

  /** A persistent member of {@code $share/stall/stall/#}, holding the group's first message. */
  private static final class Member implements AutoCloseable {

    final AtomicLong received = new AtomicLong();
    final ConcurrentLinkedQueue<Mqtt5Publish> held = new ConcurrentLinkedQueue<>();
    final Mqtt5AsyncClient client;

    Member(String clientId, int port, AtomicInteger groupReceived) throws Exception {
      client = MqttClients.builder(clientId, port).useMqttVersion5().buildAsync();
      client.publishes(
          MqttGlobalPublishFilter.ALL,
          publish -> {
            received.incrementAndGet();
            if (groupReceived.getAndIncrement() == 0) {
              held.add(publish);
            } else {
              publish.acknowledge();
            }
          },
          true);
      client
          .connectWith()
          .cleanStart(false)
          .sessionExpiryInterval(3600)
          .restrictions()
          .receiveMaximum(100)
          .applyRestrictions()
          .send()
          .get(30, TimeUnit.SECONDS);
      subscribe();
    }

    void subscribe() throws Exception {
      client
          .subscribeWith()
          .topicFilter("$share/stall/stall/#")
          .qos(MqttQos.AT_LEAST_ONCE)
          .send()
          .get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      held.forEach(Mqtt5Publish::acknowledge);
      client.disconnect().exceptionally(e -> null).join();
    }
  }
}
