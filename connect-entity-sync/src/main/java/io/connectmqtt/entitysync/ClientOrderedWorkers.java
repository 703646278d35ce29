package io.connectmqtt.entitysync;

import io.connectmqtt.common.InboundMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Serves a batch of requests on a fixed pool: different clients in parallel, each client's requests
 * one after another in the order they arrived.
 */
final class ClientOrderedWorkers implements AutoCloseable {

  private final ExecutorService pool;

  ClientOrderedWorkers(int threads, ThreadFactory threadFactory) {
    pool = Executors.newFixedThreadPool(threads, threadFactory);
  }

  /**
   * The records of serving every message of {@code messages}, grouped by {@code client}, each
   * client's in order; waits until all are served.
   */
  List<SourceRecord> serve(
      List<InboundMessage> messages,
      Function<InboundMessage, String> client,
      Function<InboundMessage, List<SourceRecord>> serve)
      throws InterruptedException {
    Map<String, List<InboundMessage>> byClient = new LinkedHashMap<>();
    for (InboundMessage message : messages) {
      byClient.computeIfAbsent(client.apply(message), c -> new ArrayList<>()).add(message);
    }
    List<Future<List<SourceRecord>>> served = new ArrayList<>();
    for (List<InboundMessage> ofOneClient : byClient.values()) {
      served.add(
          pool.submit(
              () -> {
                List<SourceRecord> out = new ArrayList<>();
                for (InboundMessage message : ofOneClient) {
                  out.addAll(serve.apply(message));
                }
                return out;
              }));
    }
    List<SourceRecord> results = new ArrayList<>();
    for (Future<List<SourceRecord>> future : served) {
      try {
        results.addAll(future.get());
      } catch (ExecutionException e) {
        throw new ConnectException("Serving a request failed unexpectedly", e.getCause());
      }
    }
    return results;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
