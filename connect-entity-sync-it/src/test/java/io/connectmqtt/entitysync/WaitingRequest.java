package io.connectmqtt.entitysync;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;

/** A request sent in the background that waits for a lock another transaction holds. */
final class WaitingRequest {

  private WaitingRequest() {}

  /**
   * Sends {@code json} (request {@code id}) from {@code client} without waiting for the reply, and
   * returns once {@code lockWaits} (statements of the database waiting for a lock) sees it wait, at
   * most {@code within}; the future completes with its reply.
   */
  static CompletableFuture<JsonNode> send(
      ProtocolClient client, String json, String id, Callable<Long> lockWaits, Duration within) {
    CompletableFuture<JsonNode> reply = CompletableFuture.supplyAsync(() -> client.send(json, id));
    Awaitility.await("request " + id + " waits for the lock")
        .atMost(within)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> lockWaits.call() > 0);
    return reply;
  }
}
