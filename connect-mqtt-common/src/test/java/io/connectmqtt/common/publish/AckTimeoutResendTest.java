package io.connectmqtt.common.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.common.OutboundMessage;
import io.connectmqtt.common.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class AckTimeoutResendTest {

  private static final PublishConnection CONNECTION =
      new PublishConnection() {
        @Override
        public CompletableFuture<Void> publish(OutboundMessage message) {
          return new CompletableFuture<>();
        }

        @Override
        public boolean isConnected() {
          return true;
        }

        @Override
        public Optional<Throwable> fatalError() {
          return Optional.empty();
        }

        @Override
        public void resendUnacknowledged() {}

        @Override
        public String broker() {
          return "tcp://fake:1883";
        }
      };

  /**
   * Entity sync's worker threads send replies at once: two publishes with one number would share
   * one entry, and the first acknowledgement would stop the other's timeout from being watched.
   */
  @Test
  void publishesSentFromSeveralThreadsAtOnceGetNumbersOfTheirOwn() throws Exception {
    int threads = 4;
    int perThread = 50_000;
    try (TaskMetrics metrics =
        new TaskMetrics("ack-timeout-test", "ack-timeout-test-" + System.nanoTime(), 0)) {
      AckTimeoutResend resend = new AckTimeoutResend(CONNECTION, 60_000_000_000L, metrics);
      Set<Long> numbers = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> sending = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          sending.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < perThread; i++) {
                      numbers.add(resend.sent(System.nanoTime()));
                    }
                  }));
        }
        for (Future<?> future : sending) {
          future.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(numbers).hasSize(threads * perThread);
    }
  }
}
