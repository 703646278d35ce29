package io.connectmqtt.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.HiveMqBroker;
import io.connectmqtt.testkit.Ports;
import io.connectmqtt.testkit.PostgresDatabase;
import io.connectmqtt.testkit.ProcessStack;
import io.connectmqtt.testkit.ProjectLayout;
import io.connectmqtt.testkit.PrometheusExporter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A Connect worker (separate JVM) started with the Prometheus JMX exporter agent and the rules we
 * ship (docker/prometheus/connect-mqtt-jmx.yml), as docker-compose, Strimzi and the demo start it.
 * Source, sink, entity-sync and entity-notify traffic (one live-subscription notification), then
 * /metrics over HTTP: our metrics under the names docs/operations.md lists, with the counts the
 * traffic implies; then every query of the Grafana dashboard (docker/grafana) refers only to metric
 * names that scrape has.
 */
class PrometheusMetricsIT {

  private static final String TAG = "prom";
  private static final String SOURCE = "compat-source-" + TAG;
  private static final String SINK = "compat-sink-" + TAG;
  private static final String SYNC = "compat-sync-" + TAG;
  private static final String NOTIFY = "compat-notify-" + TAG;

  /** Every message MqttRoundTrip publishes (its messages and the sentinel). */
  private static final int ROUND_TRIP = MqttRoundTrip.MESSAGES + 1;

  @Test
  void workerServesOurMetricsUnderTheDocumentedNamesAndTheDashboardQueriesOnlyThose()
      throws Exception {
    List<Path> pluginPath =
        List.of(
            ProjectLayout.pluginDirectory("connect-mqtt-source"),
            ProjectLayout.pluginDirectory("connect-mqtt-sink"),
            ProjectLayout.pluginDirectory("connect-entity-sync"));
    int metricsPort = Ports.free();
    String url = PrometheusExporter.scrapeUrl(metricsPort);
    try (HiveMqBroker broker = HiveMqBroker.start();
        PostgresDatabase postgres = PostgresDatabase.start();
        ProcessStack stack =
            ProcessStack.start(
                pluginPath,
                Map.of(),
                Ports.free(),
                Ports.free(),
                "512m",
                List.of(PrometheusExporter.javaAgentOption(metricsPort)))) {
      MqttRoundTrip.run(stack, broker, TAG);
      // Latencies are windowed (2 x 30 s): read them right after the traffic.
      PrometheusScrape afterRoundTrip =
          awaitScrape(
              url,
              s -> {
                assertThat(
                        s.value(
                            "connect_mqtt_source_messages_acknowledged_total", "connector", SOURCE))
                    .isEqualTo(ROUND_TRIP);
                assertThat(
                        s.value("connect_mqtt_sink_messages_acknowledged_total", "connector", SINK))
                    .isEqualTo(ROUND_TRIP);
              });
      assertSourceAndSink(afterRoundTrip);

      EntitySyncCrud.run(stack, broker, postgres, TAG);
      PrometheusScrape afterCrud =
          awaitScrape(
              url,
              s ->
                  assertThat(
                          s.value(
                              "connect_mqtt_entity_sync_outbox_relayed_total", "connector", SYNC))
                      .isEqualTo(3));
      assertEntitySync(afterCrud);

      startNotifySink(stack, broker);
      // EntitySyncCrud's three change events first, while nobody has subscribed: they notify no
      // one.
      awaitScrape(
          url,
          s ->
              assertThat(s.value("connect_mqtt_sink_records_in_total", "connector", NOTIFY))
                  .isEqualTo(3));
      LiveSubscription.notifyOnce(broker, TAG);
      // Then the create made after the subscription, whose notification the broker acknowledged.
      PrometheusScrape last =
          awaitScrape(
              url,
              s ->
                  assertThat(
                          s.value(
                              "connect_mqtt_sink_messages_acknowledged_total", "connector", NOTIFY))
                      .isEqualTo(1));
      assertThat(last.value("connect_mqtt_sink_records_in_total", "connector", NOTIFY))
          .isEqualTo(4);
      assertThat(last.value("connect_mqtt_sink_messages_published_total", "connector", NOTIFY))
          .isEqualTo(1);
      assertThat(last.value("connect_mqtt_sink_subscriptions_skipped_total", "connector", NOTIFY))
          .isZero();
      assertThat(
              last.value(
                  "connect_mqtt_entity_sync_request_outcomes_total",
                  "connector",
                  SYNC,
                  "operation",
                  "subscribe",
                  "outcome",
                  "ok"))
          .isEqualTo(1);
      assertThat(
              last.value(
                  "kafka_connect_connector_class",
                  "connector",
                  NOTIFY,
                  "connector_class",
                  "io.connectmqtt.entitysync.notify.EntityNotifySinkConnector"))
          .isEqualTo(1);
      for (String connector : List.of(SOURCE, SINK, SYNC, NOTIFY)) {
        assertThat(
                last.value(
                    "kafka_connect_connector_status", "connector", connector, "status", "running"))
            .as(connector + " status")
            .isEqualTo(1);
        assertThat(
                last.value(
                    "kafka_connect_task_status",
                    "connector",
                    connector,
                    "task",
                    "0",
                    "status",
                    "running"))
            .as(connector + " task 0 status")
            .isEqualTo(1);
        assertThat(
                last.value(
                    "kafka_connect_connector_tasks", "connector", connector, "state", "running"))
            .as(connector + " running tasks")
            .isEqualTo(1);
      }

      assertDashboardQueriesOnly(last.names());
    }
  }

  private static void assertSourceAndSink(PrometheusScrape s) {
    String[] source = {"connector", SOURCE, "task", "0"};
    assertThat(s.value("connect_mqtt_source_messages_received_total", source))
        .isEqualTo(ROUND_TRIP);
    assertThat(s.value("connect_mqtt_source_records_written_total", source)).isEqualTo(ROUND_TRIP);
    assertThat(s.value("connect_mqtt_source_errors_total", source)).isZero();
    assertThat(s.value("connect_mqtt_source_dead_lettered_total", source)).isZero();
    assertThat(s.value("connect_mqtt_source_queue_depth", source)).isZero();
    assertThat(s.value("connect_mqtt_source_unacknowledged", source)).isZero();
    // mqtt.connections=auto: four members of one shared subscription where the broker has them
    // (HiveMQ CE does).
    assertThat(s.value("connect_mqtt_source_connections", source)).isEqualTo(4);
    assertThat(s.value("connect_mqtt_source_reconnects_total", source)).isZero();
    assertLatency(s, "connect_mqtt_source_receive_to_kafka_latency", source);
    assertThat(
            s.value(
                "kafka_connect_source_topic_records_sent_total",
                "connector",
                SOURCE,
                "task",
                "0",
                "topic",
                "compat-" + TAG + "-roundtrip"))
        .isEqualTo(ROUND_TRIP);
    assertThat(s.value("kafka_connect_task_source_record_poll_total", source))
        .isEqualTo(ROUND_TRIP);

    String[] sink = {"connector", SINK, "task", "0"};
    assertThat(s.value("connect_mqtt_sink_records_in_total", sink)).isEqualTo(ROUND_TRIP);
    assertThat(s.value("connect_mqtt_sink_messages_published_total", sink)).isEqualTo(ROUND_TRIP);
    assertThat(s.value("connect_mqtt_sink_in_flight", sink)).isZero();
    assertThat(s.value("connect_mqtt_sink_errors_total", sink)).isZero();
    assertThat(s.value("connect_mqtt_sink_messages_refused_total", sink)).isZero();
    assertThat(s.value("connect_mqtt_sink_reconnects_total", sink)).isZero();
    assertLatency(s, "connect_mqtt_sink_publish_latency", sink);
    assertThat(s.value("kafka_connect_task_sink_record_read_total", sink)).isEqualTo(ROUND_TRIP);
    assertThat(s.value("kafka_connect_sink_records_lag_max", sink)).isZero();
  }

  /** EntitySyncCrud: create, read, update, delete, then a read answered not_found. */
  private static void assertEntitySync(PrometheusScrape s) {
    String[] sync = {"connector", SYNC, "task", "0"};
    assertThat(s.value("connect_mqtt_entity_sync_requests_total", sync)).isEqualTo(5);
    assertThat(s.value("connect_mqtt_entity_sync_request_errors_total", sync)).isEqualTo(1);
    Map<String, Double> outcomes = new HashMap<>();
    s.samples().stream()
        .filter(
            sample ->
                sample.name().equals("connect_mqtt_entity_sync_request_outcomes_total")
                    && sample.labels().get("connector").equals(SYNC))
        .forEach(
            sample ->
                outcomes.put(
                    sample.labels().get("operation") + " " + sample.labels().get("outcome"),
                    sample.value()));
    assertThat(outcomes)
        .isEqualTo(
            Map.of(
                "create ok",
                1.0,
                "read ok",
                1.0,
                "update ok",
                1.0,
                "delete ok",
                1.0,
                "read not_found",
                1.0));
    assertThat(s.value("connect_mqtt_entity_sync_outbox_in_flight", sync)).isZero();
    assertThat(s.value("connect_mqtt_entity_sync_subscribe_replies_held", sync)).isZero();
    assertThat(s.value("connect_mqtt_entity_sync_pool_active_connections", sync))
        .isBetween(0.0, 10.0);
    assertThat(s.value("connect_mqtt_entity_sync_reconnects_total", sync)).isZero();
    assertThat(s.value("connect_mqtt_entity_sync_ack_timeout_reconnects_total", sync)).isZero();
    assertLatency(s, "connect_mqtt_entity_sync_request_latency", sync);
  }

  /**
   * p50 and p99 in seconds: above zero, below the time the test gave the traffic, p50 no larger
   * than p99.
   */
  private static void assertLatency(PrometheusScrape s, String prefix, String... labels) {
    double p50 = s.value(prefix + "_p50_seconds", labels);
    double p99 = s.value(prefix + "_p99_seconds", labels);
    assertThat(p99).as(prefix + "_p99_seconds").isGreaterThan(0).isLessThan(60);
    assertThat(p50).as(prefix + "_p50_seconds").isGreaterThan(0).isLessThanOrEqualTo(p99);
    assertThat(s.value(prefix + "_max_seconds", labels))
        .as(prefix + "_max_seconds")
        .isGreaterThanOrEqualTo(p50);
    assertThat(s.value(prefix + "_avg_seconds", labels))
        .as(prefix + "_avg_seconds")
        .isGreaterThan(0);
  }

  /**
   * The notify sink on entity sync's change topic, from its start (EntitySyncCrud wrote three
   * events there), and on entity sync's subscriptions topic (its default name).
   */
  private static void startNotifySink(ProcessStack stack, HiveMqBroker broker) {
    String subscriptions = "entity-subscriptions";
    stack.topics().createCompacted(subscriptions);
    Map<String, String> config = new HashMap<>();
    config.put("connector.class", "io.connectmqtt.entitysync.notify.EntityNotifySinkConnector");
    config.put("tasks.max", "1");
    config.put("topics", "compat-" + TAG + "-changes");
    config.put("mqtt.server.uris", broker.uri());
    config.put("mqtt.client.id", NOTIFY);
    config.put("entity.notify.subscriptions.topic", subscriptions);
    config.put("entity.notify.subscriptions.bootstrap.servers", stack.bootstrapServers());
    config.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    config.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
    config.put("value.converter.schemas.enable", "false");
    config.put("consumer.override.auto.offset.reset", "earliest");
    stack.rest().createOrReplace(NOTIFY, config);
    stack.rest().awaitRunning(NOTIFY, 1, Duration.ofSeconds(90));
  }

  private static void assertDashboardQueriesOnly(Set<String> scraped) throws Exception {
    List<GrafanaDashboard.Query> queries =
        GrafanaDashboard.queries(
            ProjectLayout.root().resolve("docker/grafana/dashboards/connect-mqtt.json"));
    assertThat(queries).as("dashboard queries").hasSizeGreaterThan(20);
    Set<String> referred = new TreeSet<>();
    List<String> missing = new ArrayList<>();
    for (GrafanaDashboard.Query query : queries) {
      Set<String> names = GrafanaDashboard.metricNames(query.promql());
      assertThat(names).as(query.where() + ": " + query.promql()).isNotEmpty();
      referred.addAll(names);
      names.stream()
          .filter(name -> !scraped.contains(name))
          .forEach(name -> missing.add(query.where() + ": " + name));
    }
    System.out.println(
        "Dashboard: "
            + queries.size()
            + " queries over "
            + referred.size()
            + " metric names, "
            + missing.size()
            + " missing from the scrape of "
            + scraped.size()
            + " names");
    assertThat(missing).as("dashboard queries naming metrics the worker does not serve").isEmpty();
  }

  /**
   * Scrapes until {@code ready} passes: counters follow the traffic by a commit or an
   * acknowledgement.
   */
  private static PrometheusScrape awaitScrape(
      String url, java.util.function.Consumer<PrometheusScrape> ready) {
    PrometheusScrape[] last = new PrometheusScrape[1];
    Awaitility.await("metrics at " + url)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              last[0] = PrometheusScrape.get(url);
              // The last scrape stays in target/ for reading when an assertion fails.
              Files.writeString(
                  ProjectLayout.root()
                      .resolve("connect-mqtt-compat-it/target/prometheus-scrape.txt"),
                  last[0].text());
              ready.accept(last[0]);
            });
    return last[0];
  }
}
