package io.connectmqtt.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Serves the demo's browser page (the live users table and the device presence panel, from the
 * classpath folder {@code web/}), a {@code config.json} telling the page where the broker's
 * WebSocket listener is, and {@code presence.json}, every device's latest presence.
 */
final class WebServer implements AutoCloseable {

  private static final Map<String, String> CONTENT_TYPES =
      Map.of(
          "html",
          "text/html; charset=utf-8",
          "js",
          "text/javascript; charset=utf-8",
          "json",
          "application/json",
          "md",
          "text/plain; charset=utf-8");

  private final HttpServer server;

  private WebServer(HttpServer server) {
    this.server = server;
  }

  static WebServer start(
      int port, int websocketPort, String topicPrefix, Supplier<byte[]> presence) {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
      byte[] config =
          ("{\"websocketUrl\":\"ws://127.0.0.1:"
                  + websocketPort
                  + "/mqtt\",\"prefix\":\""
                  + topicPrefix
                  + "\"}")
              .getBytes(StandardCharsets.UTF_8);
      server.createContext("/", exchange -> serve(exchange, config, presence));
      server.setExecutor(
          Executors.newFixedThreadPool(
              2,
              runnable -> {
                Thread thread = new Thread(runnable, "demo-web");
                thread.setDaemon(true);
                return thread;
              }));
      server.start();
      return new WebServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serve the demo page on port " + port, e);
    }
  }

  private static void serve(HttpExchange exchange, byte[] config, Supplier<byte[]> presence)
      throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/")) {
        path = "/index.html";
      }
      byte[] body;
      if (path.equals("/config.json")) {
        body = config;
      } else if (path.equals("/presence.json")) {
        body = presence.get();
      } else if (path.contains("..") || !path.matches("/[A-Za-z0-9._/-]+")) {
        body = null;
      } else {
        try (InputStream resource = WebServer.class.getResourceAsStream("/web" + path)) {
          body = resource == null ? null : resource.readAllBytes();
        }
      }
      if (body == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      String extension = path.substring(path.lastIndexOf('.') + 1);
      exchange
          .getResponseHeaders()
          .set("Content-Type", CONTENT_TYPES.getOrDefault(extension, "application/octet-stream"));
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
