package io.connectmqtt.common.publish;

import io.connectmqtt.common.ConnectionValidation;
import io.connectmqtt.common.TaskConfigs;
import io.connectmqtt.common.Versions;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.sink.SinkConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connector side of a sink that publishes to MQTT (the MQTT sink, the entity-notify sink):
 * parse the config at start, give every task the same config with its index, and validate with a
 * live connection probe. Subclasses name their task, config and what they do.
 */
public abstract class PublishingSinkConnector extends SinkConnector {

  private final Logger log = LoggerFactory.getLogger(getClass());
  private final String description;
  private final String defaultName;
  private final ConfigDef configDef;
  private final Function<Map<String, String>, AbstractConfig> parse;
  private Map<String, String> props;

  /**
   * @param description what the connector is called in its log lines, e.g. "MQTT sink"
   * @param defaultName the connector name used where the config has none
   * @param configDef the connector's keys
   * @param parse the connector's config from its properties (throws on bad values)
   */
  protected PublishingSinkConnector(
      String description,
      String defaultName,
      ConfigDef configDef,
      Function<Map<String, String>, AbstractConfig> parse) {
    this.description = description;
    this.defaultName = defaultName;
    this.configDef = configDef;
    this.parse = parse;
  }

  /** What the start log line adds after the connector's name, e.g. where it publishes. */
  protected String startDetail(AbstractConfig config) {
    return "";
  }

  @Override
  public String version() {
    return Versions.version(getClass());
  }

  @Override
  public void start(Map<String, String> props) {
    this.props = Map.copyOf(props);
    AbstractConfig config = parse.apply(props);
    log.info(
        "Starting {} connector {}{}",
        description,
        props.get(TaskConfigs.CONNECTOR_NAME),
        startDetail(config));
  }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    return TaskConfigs.indexed(props, maxTasks);
  }

  @Override
  public void stop() {
    log.info(
        "Stopping {} connector {}",
        description,
        props == null ? "" : props.get(TaskConfigs.CONNECTOR_NAME));
  }

  @Override
  public ConfigDef config() {
    return configDef;
  }

  /** Field checks, cross-field checks, then a live connection probe when the fields are clean. */
  @Override
  public Config validate(Map<String, String> connectorConfigs) {
    return ConnectionValidation.validate(
        super.validate(connectorConfigs),
        () -> parse.apply(connectorConfigs),
        TaskConfigs.connectorName(connectorConfigs, defaultName));
  }
}
