package io.connectmqtt.entitysync;

import com.zaxxer.hikari.HikariDataSource;
import io.connectmqtt.common.InboundMessage;
import io.connectmqtt.common.JsonValues;
import io.connectmqtt.common.MqttConnection;
import io.connectmqtt.common.MqttConnectionConfig;
import io.connectmqtt.common.MqttConnectionFactory;
import io.connectmqtt.common.MqttIntake;
import io.connectmqtt.common.TaskMetrics;
import io.connectmqtt.common.TopicFilters;
import io.connectmqtt.common.Versions;
import io.connectmqtt.common.connect.DeferredStart;
import io.connectmqtt.common.connect.MqttConnectAtStart;
import io.connectmqtt.common.publish.AckTimeoutResend;
import io.connectmqtt.common.publish.DeliveryConfig;
import io.connectmqtt.entitysync.hooks.RequestHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Serves protocol requests: takes them from the MQTT subscription, runs them against the database
 * and publishes the reply; change events and subscription records are written to the outbox in the
 * change's transaction and sent to Kafka by the {@link OutboxRelay}. A request is acknowledged on
 * MQTT only when its reply was acknowledged by the broker (and a pass-through message by Kafka);
 * until then the broker would redeliver it, and the processor recognises the repeat and answers
 * with the original reply. A request that takes longer than the park delay is stored and
 * acknowledged first ({@link RequestParking}), so that it does not hold up the requests behind it.
 */
public class EntitySyncTask extends SourceTask {

  private static final Logger log = LoggerFactory.getLogger(EntitySyncTask.class);

  private EntitySyncConfig config;
  private String connectorName;
  private int taskIndex;
  private String prefix;
  private String changesTopic;
  private String subscriptionsTopic;
  private volatile HikariDataSource dataSource;

  /**
   * The task's own few connections (outbox relay, held replies, parking), apart from the requests':
   * requests waiting for locks cannot starve them.
   */
  private HikariDataSource stateDataSource;

  private DeferredStart database;
  private RequestProcessor processor;
  private OutboxRelay relay;
  private HeldReplies heldReplies;
  private ReplyPublisher replies;
  private final MqttConnectionFactory connections;
  private MqttConnection session;

  /** Answers the requests that found the intake full ({@link #shed}). */
  private ExecutorService refusals;

  private MqttIntake intake;
  private volatile Throwable subscribeFailure;

  private TaskMetrics metrics;
  private RequestMetrics requestMetrics;
  private String passThroughTopic;
  private ClientOrderedWorkers workers;
  private RequestParking parking;
  private long parkAfterMillis;

  /** Pass-through records of served requests, for the next poll. */
  private final Queue<SourceRecord> served = new ConcurrentLinkedQueue<>();

  private volatile Throwable servingFailure;
  private StateHousekeeping housekeeping;

  public EntitySyncTask() {
    this(MqttConnectionFactory.HIVEMQ);
  }

  /** For tests: a task whose MQTT connection {@code connections} makes. */
  EntitySyncTask(MqttConnectionFactory connections) {
    this.connections = connections;
  }

  @Override
  public String version() {
    return Versions.version(EntitySyncTask.class);
  }

  @Override
  public void start(Map<String, String> props) {
    config = new EntitySyncConfig(props);
    connectorName = props.getOrDefault("name", "entity-sync");
    taskIndex = Integer.parseInt(props.getOrDefault(EntitySyncConfig.TASK_INDEX_CONFIG, "0"));
    int taskCount = Integer.parseInt(props.getOrDefault(EntitySyncConfig.TASK_COUNT_CONFIG, "1"));
    MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
    List<RequestHook> hooks = EntitySyncConnector.hooks(config);
    String unauthenticated = AuthenticationRequirement.problem(config, hooks);
    if (unauthenticated != null) {
      throw new ConnectException(unauthenticated);
    }
    String openWarning = AuthenticationRequirement.warning(config, hooks);
    if (openWarning != null) {
      log.warn("Entity sync task {}: {}", taskIndex, openWarning);
    }
    prefix = config.getString(ProtocolConfig.PREFIX_CONFIG);
    changesTopic = config.getString(ProtocolConfig.CHANGES_TOPIC_CONFIG);
    subscriptionsTopic = config.getString(ProtocolConfig.SUBSCRIPTIONS_TOPIC_CONFIG);
    passThroughTopic = config.getString(ProtocolConfig.PASS_THROUGH_TOPIC_CONFIG).trim();
    intake = new MqttIntake(config.getInt(LimitsConfig.QUEUE_CAPACITY_CONFIG));

    metrics = new TaskMetrics("entity-sync-task-metrics", connectorName, taskIndex);
    requestMetrics = new RequestMetrics(metrics);

    refusals = Executors.newSingleThreadExecutor(r -> taskThread(r, "refusals"));
    AtomicInteger workerCount = new AtomicInteger();
    workers =
        new ClientOrderedWorkers(
            config.getInt(DatabaseConfig.WORKERS_CONFIG),
            r -> taskThread(r, "worker-" + workerCount.incrementAndGet()),
            failure -> {
              log.error("Serving a request failed unexpectedly", failure);
              servingFailure = failure;
              intake.wake();
            });
    metrics.gauge(
        "pool-active-connections",
        "Database connections in use",
        () -> {
          HikariDataSource pool = dataSource;
          return pool == null || pool.getHikariPoolMXBean() == null
              ? 0
              : pool.getHikariPoolMXBean().getActiveConnections();
        });
    // The database may be away when the task starts (a worker restarted during an outage): then
    // poll keeps trying, and the task subscribes to requests only once it can serve them.
    database =
        new DeferredStart(
            "database",
            () -> {
              openDatabase(hooks);
              startServing(taskCount);
            },
            1_000,
            30_000,
            metrics,
            System::nanoTime);
    database.attempt();
  }

  /**
   * Opens the pool, checks the server, reads the catalog and creates the state tables; closes the
   * pool again when any of it fails.
   */
  private void openDatabase(List<RequestHook> hooks) throws SQLException {
    // One connection attempt here: DeferredStart does the waiting, with backoff, outside start.
    HikariDataSource pool =
        EntitySyncConnector.dataSource(config, connectorName + "-" + taskIndex, 1);
    HikariDataSource statePool = null;
    try {
      statePool =
          EntitySyncConnector.dataSource(
              config,
              connectorName + "-" + taskIndex + "-state",
              1,
              2,
              EntitySyncConnector.STATE_CONNECTION_WAIT_MS);
      Dialect dialect = Dialect.forUrl(config.getString(DatabaseConfig.DATABASE_URL_CONFIG));
      Catalog catalog = EntitySyncConnector.catalog(config, pool, dialect);
      RequestProcessor opened = new RequestProcessor(pool, dialect, catalog, config, hooks);
      String serverProblem = EntitySyncConnector.serverProblem(pool, dialect);
      if (serverProblem != null) {
        throw new ConnectException("Entity sync cannot run on this database: " + serverProblem);
      }
      catalog.refresh();
      opened.createStateTable();
      // Before any request is served: a write would put an event in another connector's outbox.
      try (Connection connection = pool.getConnection()) {
        opened.outbox().refuseSharedLease(connection, connectorName, System.currentTimeMillis());
      }
      log.info(
          "Entity sync task {} serving {} entities: {}",
          taskIndex,
          catalog.all().size(),
          catalog.all().stream().map(Catalog.Entity::qualifiedName).toList());
      dataSource = pool;
      stateDataSource = statePool;
      processor = opened;
    } catch (SQLException | RuntimeException e) {
      if (statePool != null) {
        statePool.close();
      }
      pool.close();
      throw e;
    }
  }

  /** Starts the outbox relay, the purger and the MQTT session, once the database is open. */
  private void startServing(int taskCount) {
    relay =
        new OutboxRelay(
            stateDataSource,
            processor.outbox(),
            processor.json(),
            changesTopic,
            subscriptionsTopic,
            config.getLong(StateTablesConfig.OUTBOX_LEASE_MS_CONFIG),
            config.getInt(StateTablesConfig.OUTBOX_MAX_IN_FLIGHT_CONFIG),
            System::currentTimeMillis,
            connectorName);
    heldReplies = new HeldReplies(stateDataSource, processor.outbox());
    parkAfterMillis = config.getLong(StateTablesConfig.PARK_AFTER_MS_CONFIG);
    parking =
        new RequestParking(
            stateDataSource,
            processor.parkedRequests(),
            intake::acknowledge,
            parkAfterMillis,
            config.getLong(StateTablesConfig.OUTBOX_LEASE_MS_CONFIG),
            config.getInt(LimitsConfig.QUEUE_CAPACITY_CONFIG),
            config.getInt(LimitsConfig.REQUEST_MAX_BYTES_CONFIG),
            r -> taskThread(r, "parked-leases"));
    metrics.gauge(
        "requests-in-service", "Requests received and not yet answered", parking::inService);
    metrics.gauge(
        "requests-parked",
        "Requests stored and acknowledged before they were answered, not yet answered",
        parking::parked);
    metrics.gauge(
        "subscribe-replies-held",
        "Replies to subscribe waiting for Kafka to have the subscription",
        heldReplies::size);
    metrics.gauge(
        "outbox-in-flight",
        "Outbox records sent and not yet acknowledged by Kafka",
        relay::inFlight);
    metrics.gauge("outbox-relayed", "Outbox records sent by this task", relay::relayed);
    housekeeping =
        new StateHousekeeping(
            processor,
            config.getLong(StateTablesConfig.STATE_RETENTION_CONFIG),
            r -> taskThread(r, "purge"));

    String clientId = MqttConnectionConfig.clientIdPrefix(config, connectorName) + "-" + taskIndex;
    // The broker sends at most queue.capacity requests unacknowledged (MQTT 5 flow control), so
    // that the intake need not shed any.
    session =
        connections.create(
            MqttConnectionConfig.settings(config, clientId),
            config.getInt(LimitsConfig.QUEUE_CAPACITY_CONFIG));
    intake.attachShedding(session, this::shed);
    replies =
        new ReplyPublisher(
            session,
            config.getInt(ProtocolConfig.REPLY_QOS_CONFIG),
            prefix,
            processor.json(),
            processor.responseTopics(),
            heldReplies,
            new AckTimeoutResend(session, DeliveryConfig.ackTimeoutNanos(config), metrics));
    metrics.gauge(
        "reconnects", "Times the MQTT connection was lost and re-established", session::reconnects);
    String filter = prefix + "/+/request";
    if (taskCount > 1) {
      filter =
          TopicFilters.shared(
              TopicFilters.sharedGroup(
                  config.getString(ProtocolConfig.SHARED_GROUP_CONFIG), connectorName),
              filter);
    }
    String subscription = filter;
    AtomicInteger subscribed = new AtomicInteger();
    session.onConnected(
        () -> {
          if (subscribed.getAndIncrement() == 0) {
            session
                .subscribe(List.of(subscription), 1)
                .whenComplete(
                    (ok, error) -> {
                      if (error != null) {
                        subscribeFailure = error;
                      } else {
                        log.info("Entity sync task {} subscribed to {}", taskIndex, subscription);
                      }
                    });
          }
        });
    MqttConnectAtStart.connect(session, this::stop);
  }

  /** A daemon thread of this task, with the connector and task in the MDC. */
  private Thread taskThread(Runnable work, String role) {
    Thread thread =
        new Thread(
            () -> {
              MDC.put("connector.context", "[" + connectorName + "|task-" + taskIndex + "] ");
              work.run();
            },
            "entity-sync-" + connectorName + "-" + taskIndex + "-" + role);
    thread.setDaemon(true);
    return thread;
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    if (!database.ready(1_000)) {
      return null;
    }
    if (subscribeFailure != null) {
      throw new ConnectException(
          "MQTT subscription failed: " + subscribeFailure.getMessage(), subscribeFailure);
    }
    session
        .fatalError()
        .ifPresent(
            error -> {
              throw new ConnectException(
                  "MQTT broker refused the connection for good: " + error, error);
            });
    if (servingFailure != null) {
      throw new ConnectException("Serving a request failed unexpectedly", servingFailure);
    }
    List<SourceRecord> records = new ArrayList<>(relay.poll());
    heldReplies.release();
    replies.resendIfDue();
    for (RequestParking.Request takenOver :
        parking.tick(System.nanoTime(), System.currentTimeMillis(), this::clientKey)) {
      submit(takenOver, () -> {});
    }
    drainServed(records);
    InboundMessage first =
        intake.poll(
            records.isEmpty() ? parking.millisUntilDue(System.nanoTime(), idleWaitMillis()) : 0);
    if (first != null) {
      List<InboundMessage> messages = new ArrayList<>();
      messages.add(first);
      intake.drainTo(messages, 99);
      // The batch is served before poll returns, as long as it takes less than the park delay: its
      // change events are then relayed together at the next poll. A request still being served
      // then, or waiting behind a request of its client from an earlier batch, goes on without
      // holding up the poll, and is parked.
      Set<String> busy = new HashSet<>();
      for (InboundMessage message : messages) {
        String client = clientKey(message);
        if (parking.hasInService(client)) {
          busy.add(client);
        }
      }
      List<RequestParking.Request> admitted = new ArrayList<>();
      for (InboundMessage message : messages) {
        String client = clientKey(message);
        // A message on a topic of another shape is only logged and acknowledged: never refused.
        if (!client.isEmpty() && parking.refuses(client)) {
          refuse(message);
        } else {
          admitted.add(parking.admit(message, client));
        }
      }
      CountDownLatch batch =
          new CountDownLatch(
              (int) admitted.stream().filter(r -> !busy.contains(r.client())).count());
      for (RequestParking.Request request : admitted) {
        submit(request, busy.contains(request.client()) ? () -> {} : batch::countDown);
      }
      batch.await(parkAfterMillis, TimeUnit.MILLISECONDS);
      drainServed(records);
    }
    return records.isEmpty() ? null : records;
  }

  /**
   * Hands {@code request} to the workers, behind the requests of its client; {@code onServed} runs
   * once it is served.
   */
  private void submit(RequestParking.Request request, Runnable onServed) {
    workers.submit(
        request.client(),
        () -> {
          RequestParking.started(request, System.nanoTime());
          try {
            List<SourceRecord> records = serve(request);
            if (!records.isEmpty()) {
              served.addAll(records);
              intake.wake();
            }
          } finally {
            parking.served(request, System.nanoTime());
            onServed.run();
          }
        });
  }

  /**
   * Answers {@code message} with {@code unavailable} at once, ahead of its client's requests in
   * service, and acknowledges it once the answer is.
   */
  private void refuse(InboundMessage message) {
    refuse(
        message,
        "the connector is busy with slow requests, some of them this client's: wait for their"
            + " replies before sending more",
        () -> intake.acknowledge(message));
  }

  /**
   * On the MQTT client's thread, a request that found the intake full (the broker sent more than
   * the Receive Maximum, or speaks MQTT 3.1.1): answered {@code unavailable} at once, never waited
   * for, since the acknowledgements of the replies that make room come on this very thread.
   */
  private void shed(InboundMessage message, Runnable acknowledge) {
    if (clientKey(message).isEmpty()) {
      acknowledge.run();
      return;
    }
    try {
      // Published from a thread of its own: the MQTT client's publish waits while the client's
      // queue of publishes is full, and only this thread empties it (mosquitto 2.0.11 resending a
      // few hundred requests at once after a reconnect filled it).
      refusals.execute(
          () ->
              refuse(
                  message,
                  "the connector is busy: it holds as many requests as it may ("
                      + LimitsConfig.QUEUE_CAPACITY_CONFIG
                      + "); send this one again once your earlier requests are answered",
                  acknowledge));
    } catch (RejectedExecutionException stopping) {
      // Left unacknowledged: the broker sends it again to the next session.
    }
  }

  private void refuse(InboundMessage message, String reason, Runnable acknowledge) {
    Outcome outcome = processor.refuse(message.payload(), reason);
    requestMetrics.handled(outcome);
    replies.send(clientKey(message), message, outcome, acknowledge, () -> {});
  }

  /** The client whose requests are served in order: its id, or "" for a topic of another shape. */
  private String clientKey(InboundMessage message) {
    return clientId(message.topic()).orElse("");
  }

  private void drainServed(List<SourceRecord> records) {
    for (SourceRecord record = served.poll(); record != null; record = served.poll()) {
      records.add(record);
    }
  }

  /**
   * How long an idle poll waits for requests. While replies are held, their records may be relayed
   * by another task, whose Kafka acknowledgement cannot wake this one: then briefly, so that a
   * subscribe is answered within milliseconds of its record's deletion, not 100 ms later.
   */
  private long idleWaitMillis() {
    return heldReplies.waiting() ? 10 : 100;
  }

  private List<SourceRecord> serve(RequestParking.Request request) {
    InboundMessage message = request.message();
    Optional<String> clientId = clientId(message.topic());
    if (clientId.isEmpty()) {
      log.warn(
          "Ignoring a message on '{}', which is not {}/<client id>/request",
          message.topic(),
          prefix);
      parking.answered(request);
      return List.of();
    }
    Map<String, List<String>> userProperties = new java.util.HashMap<>();
    message
        .userProperties()
        .forEach(
            p ->
                userProperties
                    .computeIfAbsent(p.getKey(), k -> new ArrayList<>())
                    .add(p.getValue()));
    Outcome outcome =
        processor.handle(
            clientId.get(), message.payload(), userProperties, message.responseTopic());
    requestMetrics.handled(outcome);
    boolean forwarded = outcome.forwarded() != null;
    AtomicInteger pending = new AtomicInteger(1 + (forwarded ? 1 : 0));
    Runnable done =
        () -> {
          if (pending.decrementAndGet() == 0) {
            parking.answered(request);
            requestMetrics.completed(message.receivedNanos());
          }
        };
    replies.send(clientId.get(), message, outcome, done, () -> parking.unanswered(request));
    List<SourceRecord> records = new ArrayList<>();
    if (forwarded) {
      @SuppressWarnings("unchecked")
      Map<String, Object> value = (Map<String, Object>) JsonValues.plain(outcome.forwarded());
      AckingRecord record = new AckingRecord(passThroughTopic, clientId.get(), value, done);
      record
          .headers()
          .addString("mqtt.topic", message.topic())
          .addString("mqtt.client.id", clientId.get());
      records.add(record);
    }
    return records;
  }

  /**
   * The client id of a request topic {prefix}/{cid}/request, or empty when the topic has another
   * shape.
   */
  Optional<String> clientId(String topic) {
    String start = prefix + "/";
    String end = "/request";
    if (!topic.startsWith(start)
        || !topic.endsWith(end)
        || topic.length() <= start.length() + end.length()) {
      return Optional.empty();
    }
    String cid = topic.substring(start.length(), topic.length() - end.length());
    return cid.contains("/") || cid.isEmpty() ? Optional.empty() : Optional.of(cid);
  }

  @Override
  public void commitRecord(SourceRecord record, RecordMetadata metadata) {
    if (record instanceof AckingRecord acking) {
      acking.done.run();
    } else {
      relay.acknowledged(record);
      if (heldReplies.waiting()) {
        // The relaying task deletes the row and sends the replies waiting for it now, not after
        // its idle wait for requests.
        intake.wake();
      }
    }
  }

  @Override
  public void stop() {
    if (database != null) {
      database.stop();
    }
    if (intake != null) {
      intake.stop();
    }
    if (session != null) {
      session.close();
    }
    if (refusals != null) {
      refusals.shutdownNow();
    }
    if (housekeeping != null) {
      housekeeping.close();
    }
    if (workers != null) {
      workers.close();
    }
    if (parking != null) {
      parking.close();
    }
    if (relay != null) {
      relay.release();
    }
    if (stateDataSource != null) {
      stateDataSource.close();
    }
    if (dataSource != null) {
      dataSource.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }
}
