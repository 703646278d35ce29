package io.connectmqtt.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.util.clusters.EmbeddedConnectCluster;
import org.apache.kafka.connect.util.clusters.EmbeddedKafkaCluster;

/**
 * An in-process KRaft Kafka broker and Connect worker(s) (Kafka's own EmbeddedConnectCluster): the
 * fast stack for integration tests, one per test class or one per module ({@link
 * SharedFixtures#connectStack()}). Our connectors come from the test classpath here; the {@link
 * ProcessStack} loads them from plugin.path the way users do.
 */
public final class ConnectStack implements AutoCloseable {

  private final EmbeddedConnectCluster cluster;
  private final ConnectRest rest;

  private ConnectStack(EmbeddedConnectCluster cluster) {
    this.cluster = cluster;
    this.rest = new ConnectRest(cluster.endpointForResource("").replaceAll("/$", ""));
  }

  public static ConnectStack start() {
    return start(1, Map.of());
  }

  public static ConnectStack start(int workers, Map<String, String> extraWorkerProps) {
    // Kafka's test kit makes its folders in java.io.tmpdir (target/test-tmp) without creating it:
    // when an IT runs alone (-Dtest=NONE -Dit.test=...), nothing else has made it yet.
    ProjectLayout.scratch("connect-stack-");
    // Connect writes into the map it is given: it must be mutable.
    Map<String, String> workerProps = new HashMap<>();
    workerProps.put(WorkerConfig.PLUGIN_DISCOVERY_CONFIG, "service_load");
    workerProps.put("offset.flush.interval.ms", "1000");
    workerProps.put("connector.client.config.override.policy", "All");
    // A worker that misses a heartbeat on a loaded CI machine would otherwise keep its tasks
    // unassigned for the default 5 minutes before they move.
    workerProps.put("scheduled.rebalance.max.delay.ms", "0");
    // A worker that cannot reach its group coordinator for heartbeat.interval.ms stops all its
    // tasks (KAFKA-9184). Tests that stop Kafka watch the tasks while it is away: 10 s instead of
    // Connect's 3 s keeps them running that long even when stopping the broker is slow. The session
    // timeout must stay above it.
    workerProps.put("heartbeat.interval.ms", "10000");
    workerProps.put("session.timeout.ms", "30000");
    workerProps.putAll(extraWorkerProps);
    Properties brokerProps = new Properties();
    brokerProps.put("auto.create.topics.enable", "true");
    brokerProps.put("num.partitions", "1");
    brokerProps.putAll(KafkaBrokerProcess.IDLE_SETTINGS);
    EmbeddedConnectCluster.Builder builder =
        new EmbeddedConnectCluster.Builder().name("connect-mqtt-it").numWorkers(workers);
    builder.numBrokers(1);
    builder.workerProps(workerProps);
    builder.brokerProps(brokerProps);
    builder.maskExitProcedures(true);
    EmbeddedConnectCluster cluster = (EmbeddedConnectCluster) builder.build();
    cluster.start();
    return new ConnectStack(cluster);
  }

  public ConnectRest rest() {
    return rest;
  }

  public String bootstrapServers() {
    return cluster.kafka().bootstrapServers();
  }

  public KafkaTopics topics() {
    return new KafkaTopics(bootstrapServers());
  }

  public EmbeddedConnectCluster cluster() {
    return cluster;
  }

  public EmbeddedKafkaCluster kafka() {
    return cluster.kafka();
  }

  @Override
  public void close() {
    cluster.stop();
  }
}
