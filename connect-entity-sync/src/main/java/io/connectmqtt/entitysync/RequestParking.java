package io.connectmqtt.entitysync;

import io.connectmqtt.common.InboundMessage;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one slow request from holding up every other: MQTT acknowledges a session's messages only
 * in order (MQTT-4.6.0-2), and HiveMQ sends a session nothing new until its batch is acknowledged,
 * so a request acknowledged only once answered would stall the task's whole subscription for as
 * long as it waits (up to the statement timeout, for a row lock or a costly read). A request whose
 * serving (its statements, until its reply is sent) takes longer than the park delay is stored in
 * {@link ParkedRequests} and acknowledged at once, and so are the requests of its client waiting
 * behind it; a row is deleted once its request is answered. Requests that only wait behind their
 * client's fast ones, or for the broker to acknowledge their reply, are not parked. The task renews
 * the lease of the rows it serves; a row whose lease ran out (its task died, or its reply failed)
 * is taken over and served again by any task.
 *
 * <p>Requests are tracked from receipt ({@link #admit}) to answer ({@link #answered}) or a lost
 * reply ({@link #unanswered}); the poll thread calls {@link #tick} to park, delete and take over,
 * and a thread of its own renews the leases.
 */
final class RequestParking implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RequestParking.class);

  private enum State {
    /** Being served, not acknowledged on MQTT. */
    SERVING,
    /** Being stored; its acknowledgement is decided once stored. */
    PARKING,
    /** Stored and acknowledged on MQTT; answered, its row is deleted. */
    PARKED
  }

  /** A request from receipt until answered. */
  static final class Request {
    private final InboundMessage message;
    private final String client;

    /** When it was received. */
    private final long admittedNanos = System.nanoTime();

    /** When a worker started serving it; 0 while it waits behind its client's requests. */
    private volatile long startedNanos;

    /** When the worker finished serving it (its reply sent, maybe not yet acknowledged); or 0. */
    private volatile long servedNanos;

    private State state;
    private String rowId;
    private boolean answeredWhileParking;
    private boolean unansweredWhileParking;

    /** Storing it failed once: not tried again (too large for the column, or the database away). */
    private boolean unparkable;

    private Request(InboundMessage message, String client, State state, String rowId) {
      this.message = message;
      this.client = client;
      this.state = state;
      this.rowId = rowId;
    }

    InboundMessage message() {
      return message;
    }

    /** Its client: the key its requests are served in order by. */
    String client() {
      return client;
    }
  }

  private final DataSource dataSource;
  private final ParkedRequests table;
  private final Consumer<InboundMessage> acknowledge;
  private final long parkAfterNanos;
  private final long leaseMillis;
  private final int maxParked;
  private final int maxBytes;

  /** Requests not yet answered, oldest first; guarded by {@code this}. */
  private final Set<Request> inService = new LinkedHashSet<>();

  /** How many requests of each client are in service; guarded by {@code this}. */
  private final Map<String, Integer> inServiceByClient = new HashMap<>();

  /** Rows of answered requests, to delete; guarded by {@code this}. */
  private final List<String> answeredRows = new ArrayList<>();

  private int parked;
  private long nextTakeOverMillis;

  /** When a worker last finished serving a request. */
  private volatile long lastServedNanos = System.nanoTime();

  /**
   * Renews the leases on a thread of its own: the poll thread may wait longer than a lease for
   * Kafka or the database, and another task would then serve this task's parked requests again,
   * beside it.
   */
  private final ScheduledExecutorService renewer;

  /**
   * @param acknowledge acknowledges a request on MQTT (the intake's)
   * @param parkAfterMillis how long a request is served before it is parked
   * @param leaseMillis how long a parked row stays this task's without renewal
   * @param maxParked most requests parked by this task at once: past it, slow requests hold the
   *     broker's window again rather than fill the table
   * @param maxBytes largest request parked: a larger one is refused, quickly, when its turn comes
   * @param threads makes the thread that renews the leases
   */
  RequestParking(
      DataSource dataSource,
      ParkedRequests table,
      Consumer<InboundMessage> acknowledge,
      long parkAfterMillis,
      long leaseMillis,
      int maxParked,
      int maxBytes,
      ThreadFactory threads) {
    this.dataSource = dataSource;
    this.table = table;
    this.acknowledge = acknowledge;
    this.parkAfterNanos = parkAfterMillis * 1_000_000;
    this.leaseMillis = leaseMillis;
    this.maxParked = maxParked;
    this.maxBytes = Math.min(maxBytes, ParkedRequests.MAX_PAYLOAD_BYTES);
    this.renewer = Executors.newSingleThreadScheduledExecutor(threads);
    long renewEvery = Math.max(1, leaseMillis / 4);
    renewer.scheduleWithFixedDelay(this::renew, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
  }

  /**
   * Whether {@code client}'s next request is refused rather than served: the client has requests in
   * service while this task has parked all it may, so the next one could neither be parked nor be
   * answered soon, and would hold up every other client.
   */
  synchronized boolean refuses(String client) {
    return parked >= maxParked && inServiceByClient.getOrDefault(client, 0) > 0;
  }

  /**
   * Starts tracking {@code message} of {@code client}, received from the broker and not yet
   * acknowledged.
   */
  synchronized Request admit(InboundMessage message, String client) {
    Request request = new Request(message, client, State.SERVING, null);
    track(request);
    return request;
  }

  private void track(Request request) {
    inService.add(request);
    inServiceByClient.merge(request.client, 1, Integer::sum);
  }

  /** Stops tracking {@code request}; whether it was tracked. */
  private boolean untrack(Request request) {
    if (!inService.remove(request)) {
      return false;
    }
    inServiceByClient.computeIfPresent(
        request.client, (client, count) -> count == 1 ? null : count - 1);
    return true;
  }

  /** A worker starts serving {@code request}: the park delay runs from now. */
  static void started(Request request, long nowNanos) {
    request.startedNanos = nowNanos;
  }

  /**
   * The worker finished serving {@code request}: the park delay stops running. A request that only
   * waits for the broker to acknowledge its reply is not parked: a slow broker holds up every
   * request alike, and a lost acknowledgement is resent ({@code mqtt.publish.ack.timeout.ms}).
   */
  void served(Request request, long nowNanos) {
    request.servedNanos = nowNanos;
    lastServedNanos = nowNanos;
  }

  /**
   * Whether {@code request} has been served (or was) for the park delay or longer, or has waited
   * that long for a worker while no worker finished a request (all of them wait for the database).
   */
  private boolean overdue(Request request, long nowNanos) {
    long started = request.startedNanos;
    if (started == 0) {
      return nowNanos - request.admittedNanos >= parkAfterNanos
          && nowNanos - lastServedNanos >= parkAfterNanos;
    }
    long served = request.servedNanos;
    return (served == 0 ? nowNanos : served) - started >= parkAfterNanos;
  }

  /**
   * {@code request} was answered (its reply acknowledged by the broker, and Kafka has what it
   * forwarded): acknowledges it on MQTT, or deletes its row; on any thread.
   */
  synchronized void answered(Request request) {
    switch (request.state) {
      case SERVING -> {
        untrack(request);
        acknowledge.accept(request.message);
      }
      case PARKING -> request.answeredWhileParking = true;
      case PARKED -> {
        forget(request);
        answeredRows.add(request.rowId);
      }
    }
  }

  /**
   * {@code request}'s reply was lost (the connection failed): an unparked request stays
   * unacknowledged for the broker to redeliver, a parked one is left to the lease's end, when a
   * task takes it over.
   */
  synchronized void unanswered(Request request) {
    switch (request.state) {
      case SERVING -> untrack(request);
      case PARKING -> request.unansweredWhileParking = true;
      case PARKED -> forget(request);
    }
  }

  /** Whether {@code client} has requests in service: its next one waits behind them. */
  synchronized boolean hasInService(String client) {
    return inServiceByClient.containsKey(client);
  }

  /** Requests being served, parked or not. */
  synchronized int inService() {
    return inService.size();
  }

  /** Requests parked by this task and not yet answered. */
  synchronized int parked() {
    return parked;
  }

  /** Milliseconds until the next request being served is due to be parked; at most {@code max}. */
  synchronized long millisUntilDue(long nowNanos, long max) {
    long until = max;
    for (Request request : inService) {
      long started = request.startedNanos;
      if (request.state == State.SERVING && started != 0 && request.servedNanos == 0) {
        until = Math.min(until, Math.max(1, (started + parkAfterNanos - nowNanos) / 1_000_000));
      }
    }
    return until;
  }

  /**
   * On the poll thread: parks the requests due, deletes the rows of answered ones and takes over
   * rows whose lease ran out (the leases of this task's rows are renewed on a thread of their own).
   * Returns the requests taken over, to serve; database failures are logged and the work is tried
   * again on the next call.
   */
  List<Request> tick(long nowNanos, long nowMillis, Function<InboundMessage, String> client) {
    park(nowNanos, nowMillis);
    deleteAnswered();
    if (nowMillis >= nextTakeOverMillis) {
      return takeOver(nowMillis, client);
    }
    return List.of();
  }

  private void park(long nowNanos, long nowMillis) {
    List<Request> due = new ArrayList<>();
    synchronized (this) {
      // Clients whose request being served is parked (or due): their waiting requests are due too.
      // A client's requests are served in the order they are held here.
      Set<String> held = new HashSet<>();
      for (Request request : inService) {
        if (request.state != State.SERVING) {
          held.add(request.client);
          continue;
        }
        if (!overdue(request, nowNanos) && !held.contains(request.client)) {
          continue;
        }
        held.add(request.client);
        if (parked + due.size() < maxParked
            && request.message.payload().length <= maxBytes
            && !request.unparkable) {
          request.state = State.PARKING;
          due.add(request);
        }
      }
    }
    if (due.isEmpty()) {
      return;
    }
    List<String> rows = null;
    try (Connection connection = dataSource.getConnection()) {
      rows = table.park(connection, due.stream().map(r -> r.message).toList(), leaseEnd(nowMillis));
    } catch (SQLException | RuntimeException e) {
      log.warn(
          "Could not park {} slow requests (they hold the broker's window until answered, and are not"
              + " parked again): {}",
          due.size(),
          e.toString());
    }
    synchronized (this) {
      for (int i = 0; i < due.size(); i++) {
        settleParking(due.get(i), rows == null ? null : rows.get(i));
      }
    }
    if (rows != null) {
      log.debug("Parked {} requests served for longer than the park delay", due.size());
    }
  }

  /** Decides the request {@code request} that was being parked: stored as {@code rowId}, or not. */
  private void settleParking(Request request, String rowId) {
    if (rowId == null) {
      request.state = State.SERVING;
      request.unparkable = true;
      if (request.answeredWhileParking) {
        answered(request);
      } else if (request.unansweredWhileParking) {
        unanswered(request);
      }
      return;
    }
    request.state = State.PARKED;
    request.rowId = rowId;
    parked++;
    // Stored: the broker need not keep it, whatever happened to it meanwhile.
    acknowledge.accept(request.message);
    if (request.answeredWhileParking) {
      answered(request);
    } else if (request.unansweredWhileParking) {
      unanswered(request);
    }
  }

  /** Stops tracking a parked request (answered, or its row left to expire). */
  private void forget(Request request) {
    if (untrack(request)) {
      parked--;
    }
  }

  private void deleteAnswered() {
    List<String> rows;
    synchronized (this) {
      if (answeredRows.isEmpty()) {
        return;
      }
      rows = new ArrayList<>(answeredRows);
      answeredRows.clear();
    }
    try (Connection connection = dataSource.getConnection()) {
      table.delete(connection, rows);
    } catch (SQLException | RuntimeException e) {
      log.warn("Could not delete {} answered parked requests (will retry): {}", rows.size(), e);
      synchronized (this) {
        answeredRows.addAll(rows);
      }
    }
  }

  private void renew() {
    long nowMillis = System.currentTimeMillis();
    List<String> rows = new ArrayList<>();
    synchronized (this) {
      for (Request request : inService) {
        if (request.state == State.PARKED) {
          rows.add(request.rowId);
        }
      }
    }
    if (!rows.isEmpty()) {
      try (Connection connection = dataSource.getConnection()) {
        table.renew(connection, rows, leaseEnd(nowMillis));
      } catch (SQLException | RuntimeException e) {
        // Past the lease's end another task serves them again: a duplicate reply, never a loss.
        log.warn("Could not renew the lease of {} parked requests: {}", rows.size(), e.toString());
      }
    }
  }

  /** Stops renewing leases; deletes the rows of requests answered since the last poll. */
  @Override
  public void close() {
    renewer.shutdownNow();
    deleteAnswered();
  }

  private List<Request> takeOver(long nowMillis, Function<InboundMessage, String> client) {
    int room;
    synchronized (this) {
      room = maxParked - parked;
    }
    if (room <= 0) {
      return List.of();
    }
    List<ParkedRequests.Parked> taken;
    try (Connection connection = dataSource.getConnection()) {
      taken = table.takeOver(connection, nowMillis, leaseEnd(nowMillis), room);
    } catch (SQLException e) {
      log.warn("Could not look for parked requests left by a stopped task: {}", e.toString());
      return List.of();
    }
    nextTakeOverMillis = nowMillis + leaseMillis / 2;
    List<Request> requests = new ArrayList<>();
    synchronized (this) {
      for (ParkedRequests.Parked row : taken) {
        Request request =
            new Request(row.message(), client.apply(row.message()), State.PARKED, row.id());
        track(request);
        parked++;
        requests.add(request);
      }
    }
    if (!requests.isEmpty()) {
      log.info("Serving {} parked requests whose task stopped before answering", requests.size());
    }
    return requests;
  }

  private long leaseEnd(long nowMillis) {
    return nowMillis + leaseMillis;
  }
}
