package io.connectmqtt.entitysync;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * Serves requests on a fixed pool: different clients in parallel, each client's requests one after
 * another in the order they were submitted. Submitting never waits, so a client whose request waits
 * for the database holds up no other client's.
 */
final class ClientOrderedWorkers implements AutoCloseable {

  private final ExecutorService pool;
  private final Consumer<Throwable> failure;

  /** Work waiting behind the running work of each client that has some; guarded by {@code this}. */
  private final Map<String, Queue<Runnable>> waiting = new HashMap<>();

  /**
   * @param failure told of work that threw (a defect: serving answers every request, errors
   *     included); the client's later work still runs
   */
  ClientOrderedWorkers(int threads, ThreadFactory threadFactory, Consumer<Throwable> failure) {
    this.pool = Executors.newFixedThreadPool(threads, threadFactory);
    this.failure = failure;
  }

  /** Runs {@code work} after the work submitted before for {@code client}. */
  void submit(String client, Runnable work) {
    synchronized (this) {
      Queue<Runnable> queue = waiting.get(client);
      if (queue != null) {
        queue.add(work);
        return;
      }
      waiting.put(client, new ArrayDeque<>());
    }
    pool.execute(() -> runInOrder(client, work));
  }

  /**
   * Runs {@code work}, then hands the client's next work back to the pool's queue, behind other
   * clients' work: a client with a backlog takes its turn rather than a thread.
   */
  private void runInOrder(String client, Runnable work) {
    try {
      work.run();
    } catch (Throwable e) {
      // An Error too (a hook's): the client's later work must not wait behind it for good.
      failure.accept(e);
    }
    Runnable next;
    synchronized (this) {
      next = waiting.get(client).poll();
      if (next == null) {
        waiting.remove(client);
        return;
      }
    }
    try {
      pool.execute(() -> runInOrder(client, next));
    } catch (RejectedExecutionException stopping) {
      // The task stops: the unserved requests stay unacknowledged, for the broker to redeliver.
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
