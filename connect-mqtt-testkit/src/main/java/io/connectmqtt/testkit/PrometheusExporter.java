package io.connectmqtt.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Prometheus JMX exporter agent (laid out by connect-mqtt-kafka-dist from Maven Central) with
 * the rules we ship in docker/prometheus, for Connect workers started as separate JVMs (the demo,
 * {@code PrometheusMetricsIT}).
 */
public final class PrometheusExporter {
  private PrometheusExporter() {}

  public static Path agent() {
    Path agent =
        ProjectLayout.root()
            .resolve("connect-mqtt-kafka-dist/target/jmx-exporter/jmx_prometheus_javaagent.jar");
    if (!Files.isRegularFile(agent)) {
      throw new IllegalStateException(
          agent + " is missing; build first: ./mvnw -DskipTests package");
    }
    return agent;
  }

  /** The rules file that docker-compose and the Strimzi ConfigMap use too. */
  public static Path rules() {
    return ProjectLayout.root().resolve("docker/prometheus/connect-mqtt-jmx.yml");
  }

  /**
   * The JVM option that serves the worker's metrics at {@link #scrapeUrl(int)}, on 127.0.0.1 only.
   */
  public static String javaAgentOption(int port) {
    return "-javaagent:"
        + agent().toAbsolutePath()
        + "=127.0.0.1:"
        + port
        + ":"
        + rules().toAbsolutePath();
  }

  public static String scrapeUrl(int port) {
    return "http://127.0.0.1:" + port + "/metrics";
  }
}
