package io.connectmqtt.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** The Kafka Connect REST API, as users drive it: JSON over HTTP. */
public final class ConnectRest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final String baseUrl;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public ConnectRest(String baseUrl) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  public String baseUrl() {
    return baseUrl;
  }

  /** Reads a connector file of config/ ({"name": ..., "config": {...}}). */
  public static Map<String, String> readConnectorFile(Path file) {
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      Map<String, String> config = new LinkedHashMap<>();
      root.path("config")
          .fields()
          .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
      config.put("name", root.path("name").asText());
      return config;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public JsonNode createOrReplace(String name, Map<String, String> config) {
    return send("PUT", "/connectors/" + name + "/config", config, 200, 201);
  }

  /** The names of the connectors the worker has. */
  public List<String> connectors() {
    List<String> names = new ArrayList<>();
    send("GET", "/connectors", null, 200).forEach(name -> names.add(name.asText()));
    return names;
  }

  public JsonNode status(String name) {
    return send("GET", "/connectors/" + name + "/status", null, 200);
  }

  /** The state of the connector's first task (RUNNING, FAILED, ...), or "" when it has none. */
  public String taskState(String name) {
    return status(name).path("tasks").path(0).path("state").asText();
  }

  public JsonNode plugins() {
    return send("GET", "/connector-plugins", null, 200);
  }

  /**
   * Every plugin the worker found, not only connectors: converters, header converters,
   * transformations...
   */
  public JsonNode allPlugins() {
    return send("GET", "/connector-plugins?connectorsOnly=false", null, 200);
  }

  /**
   * PUT /connector-plugins/{class}/config/validate: the response with error_count and per-key
   * errors.
   */
  public JsonNode validate(String connectorClass, Map<String, String> config) {
    Map<String, String> body = new LinkedHashMap<>(config);
    body.put("connector.class", connectorClass);
    String simpleName = connectorClass.substring(connectorClass.lastIndexOf('.') + 1);
    return send("PUT", "/connector-plugins/" + simpleName + "/config/validate", body, 200);
  }

  /** The error messages per key of a validate response, only for keys that have some. */
  public static Map<String, List<String>> errorsByKey(JsonNode validation) {
    Map<String, List<String>> errors = new LinkedHashMap<>();
    for (JsonNode config : validation.path("configs")) {
      JsonNode value = config.path("value");
      List<String> messages = new ArrayList<>();
      value.path("errors").forEach(m -> messages.add(m.asText()));
      if (!messages.isEmpty()) {
        errors.put(value.path("name").asText(), messages);
      }
    }
    return errors;
  }

  public void delete(String name) {
    send("DELETE", "/connectors/" + name, null, 204, 404);
  }

  /**
   * Deletes the connector and waits until the worker no longer knows it: DELETE returns before the
   * tasks stopped, and a broker closed earlier would make them log reconnects.
   */
  public void deleteAndAwaitGone(String name, Duration timeout) {
    delete(name);
    Awaitility.await(name + " deleted")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        // Only a 404 means gone; another error (a worker restarting, a rebalance) is asked again.
        .ignoreExceptions()
        .until(
            () ->
                send("GET", "/connectors/" + name + "/status", null, 200, 404)
                        .path("error_code")
                        .asInt()
                    == 404);
  }

  /**
   * For try-with-resources on a worker that outlives the test ({@link SharedFixtures}): when
   * closed, deletes the connectors {@code names} and waits until they are gone, before the
   * resources opened earlier (a broker, a database) close under them.
   */
  public Deletion deletingOnClose(String... names) {
    return () -> {
      for (String name : names) {
        deleteAndAwaitGone(name, Duration.ofSeconds(30));
      }
    };
  }

  /** See {@link #deletingOnClose(String...)}. */
  public interface Deletion extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Stops the connector (Connect's stop, not pause) and waits up to {@code timeout} until Connect
   * reports it STOPPED with no tasks: each task was stopped, as on a worker's shutdown, while the
   * worker stays up. {@link #resume(String)} starts it again.
   */
  public void stopAndAwaitStopped(String name, Duration timeout) {
    send("PUT", "/connectors/" + name + "/stop", null, 202, 204);
    Awaitility.await(name + " stopped")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              JsonNode status = status(name);
              return "STOPPED".equals(status.path("connector").path("state").asText())
                  && status.path("tasks").isEmpty();
            });
  }

  /** Resumes a stopped or paused connector: its tasks start again. */
  public void resume(String name) {
    send("PUT", "/connectors/" + name + "/resume", null, 202, 204);
  }

  public void restart(String name) {
    send("POST", "/connectors/" + name + "/restart?includeTasks=true", null, 200, 202, 204);
  }

  /**
   * Waits until the connector and {@code tasks} tasks are RUNNING. A FAILED task is waited through
   * (a restart or a rebalance may bring it back); a timeout fails with the last status seen, traces
   * included, so a CI log says what the cluster was doing.
   */
  public void awaitRunning(String name, int tasks, Duration timeout) {
    AtomicReference<String> lastStatus = new AtomicReference<>("no status yet");
    try {
      Awaitility.await("connector " + name + " RUNNING with " + tasks + " tasks")
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                JsonNode status;
                try {
                  status = status(name);
                } catch (RuntimeException e) {
                  lastStatus.set(e.toString());
                  return false;
                }
                lastStatus.set(status.toString());
                long running = 0;
                for (JsonNode task : status.path("tasks")) {
                  if ("RUNNING".equals(task.path("state").asText())) {
                    running++;
                  }
                }
                return "RUNNING".equals(status.path("connector").path("state").asText())
                    && running == tasks;
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "connector "
              + name
              + " not RUNNING with "
              + tasks
              + " tasks after "
              + timeout
              + "; last status: "
              + lastStatus.get(),
          e);
    }
  }

  public boolean healthy() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(baseUrl + "/"))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private JsonNode send(String method, String path, Object body, int... expected) {
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(baseUrl + path))
              .timeout(Duration.ofSeconds(90))
              .header("Content-Type", "application/json")
              .header("Accept", "application/json");
      request.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      for (int code : expected) {
        if (response.statusCode() == code) {
          return response.body() == null || response.body().isBlank()
              ? JSON.nullNode()
              : JSON.readTree(response.body());
        }
      }
      throw new IllegalStateException(
          method + " " + path + " answered " + response.statusCode() + ": " + response.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(method + " " + baseUrl + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
