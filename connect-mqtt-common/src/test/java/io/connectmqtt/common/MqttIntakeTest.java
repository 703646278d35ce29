package io.connectmqtt.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class MqttIntakeTest {

  private final AtomicInteger pubacks = new AtomicInteger();

  private InboundMessage message(int n) {
    return FakeMqttConnection.message(
        "t/" + n, new byte[] {(byte) n}, 1, OptionalInt.of(n), pubacks::incrementAndGet);
  }

  @Test
  void theClientWaitsWhileCapacityMessagesAreUnacknowledgedEvenWhenNoneIsQueued() throws Exception {
    MqttIntake intake = new MqttIntake(2);
    intake.offer(message(1));
    intake.offer(message(2));
    List<InboundMessage> taken = new ArrayList<>();
    intake.drainTo(taken, 10);
    assertThat(taken).hasSize(2);
    assertThat(intake.queued()).isZero();
    assertThat(intake.unacknowledged()).as("taken, not yet acknowledged").isEqualTo(2);

    CompletableFuture<Void> third = CompletableFuture.runAsync(() -> intake.offer(message(3)));
    // The third must still be waiting: the intake is full although its queue is empty. It cannot be
    // done before an acknowledgement, which comes only after this check.
    assertThat(intake.poll(200)).as("nothing accepted while two are unacknowledged").isNull();
    assertThat(third).isNotDone();

    intake.acknowledge(taken.get(0));
    third.get();
    assertThat(intake.poll(1_000).topic()).isEqualTo("t/3");
    assertThat(pubacks).hasValue(1);
    assertThat(intake.unacknowledged()).isEqualTo(2);
    assertThat(intake.receivedSinceLastCall()).isEqualTo(3);
    assertThat(intake.acknowledgedSinceLastCall()).isEqualTo(1);
  }

  @Test
  void aSheddingIntakeHandsAMessageThatFindsItFullElsewhereWithoutWaiting() throws Exception {
    MqttIntake intake = new MqttIntake(1);
    List<InboundMessage> shed = new ArrayList<>();
    List<Runnable> acknowledgements = new ArrayList<>();
    intake.offerOrShed(
        message(1),
        (message, acknowledge) -> {
          throw new AssertionError("shed although there was room");
        });
    intake.offerOrShed(
        message(2),
        (message, acknowledge) -> {
          shed.add(message);
          acknowledgements.add(acknowledge);
        });
    assertThat(shed).extracting(InboundMessage::topic).containsExactly("t/2");
    assertThat(intake.queued()).as("only the first is queued").isEqualTo(1);
    assertThat(pubacks).as("nothing acknowledged yet").hasValue(0);

    acknowledgements.get(0).run();
    assertThat(pubacks).hasValue(1);
    assertThat(intake.unacknowledged()).as("the shed one never counted").isEqualTo(1);
    assertThat(intake.receivedSinceLastCall()).isEqualTo(2);
    assertThat(intake.acknowledgedSinceLastCall()).isEqualTo(1);
    assertThat(intake.poll(0).topic()).isEqualTo("t/1");
  }

  @Test
  void aSheddingIntakeThatIsStoppingNeitherQueuesNorShedsAndAFreedSlotQueuesAgain()
      throws Exception {
    MqttIntake intake = new MqttIntake(1);
    List<InboundMessage> shed = new ArrayList<>();
    intake.offerOrShed(message(1), (message, acknowledge) -> shed.add(message));
    intake.offerOrShed(message(2), (message, acknowledge) -> shed.add(message));
    assertThat(shed).extracting(InboundMessage::topic).containsExactly("t/2");

    InboundMessage first = intake.poll(0);
    intake.acknowledge(first);
    intake.offerOrShed(message(3), (message, acknowledge) -> shed.add(message));
    assertThat(shed).as("the freed slot took the third").hasSize(1);
    assertThat(intake.poll(0).topic()).isEqualTo("t/3");

    intake.stop();
    intake.offerOrShed(message(4), (message, acknowledge) -> shed.add(message));
    assertThat(shed).as("left unacknowledged for the broker to send again").hasSize(1);
    assertThat(intake.queued()).isZero();
    assertThat(pubacks).as("only the first was acknowledged").hasValue(1);
  }

  @Test
  void aWakeEndsTheWaitOfAPollWithoutAMessageAndIsNeverTaken() throws Exception {
    MqttIntake intake = new MqttIntake(1);
    CompletableFuture<InboundMessage> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return intake.poll(60_000);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    // Whether the wake-up comes during the wait or just before it, the poll ends long before 60 s.
    intake.wake();
    assertThat(waiting.get(10, java.util.concurrent.TimeUnit.SECONDS))
        .as("woken before its 60 s")
        .isNull();

    // A wake-up before the poll ends the next one; behind a message, it is never drained as one.
    intake.wake();
    intake.wake();
    assertThat(intake.poll(60_000)).isNull();
    intake.offer(message(1));
    intake.wake();
    assertThat(intake.queued()).isEqualTo(1);
    List<InboundMessage> taken = new ArrayList<>();
    assertThat(intake.drainTo(taken, 10)).isEqualTo(1);
    assertThat(taken).extracting(InboundMessage::topic).containsExactly("t/1");
    assertThat(intake.poll(0)).as("the wake-up went with the drain").isNull();
    intake.wake();
    assertThat(intake.poll(60_000)).isNull();
  }

  @Test
  void stoppingReleasesAWaitingClientWithoutQueueingItsMessage() throws Exception {
    MqttIntake intake = new MqttIntake(1);
    intake.offer(message(1));
    CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> intake.offer(message(2)));
    intake.stop();
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(waiting::isDone);
    assertThat(intake.queued()).as("only the first; the second stays with the broker").isEqualTo(1);
    assertThat(pubacks).hasValue(0);
  }
}
