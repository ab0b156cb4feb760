package dev.llmxds.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmxds.app.LlmXds;
import dev.llmxds.config.AdminConfig;
import dev.llmxds.util.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server: {@code /} (HTML), {@code /api/fleet}, {@code /api/nodes}, {@code
 * /api/config_dump?zone=…[&region=…][&kind=sidecar|proxyless]}, {@code /healthz}, {@code /readyz},
 * {@code /metrics} (Prometheus). Read-only; loopback by default.
 */
public final class AdminHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminHttpServer.class);
  private static final String JSON = "application/json; charset=utf-8";

  private final LlmXds app;
  private final AdminViews views;
  private final LlmXdsMetrics metrics;
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newFixedThreadPool(2, DaemonThreads.named("admin-http"));

  public AdminHttpServer(AdminConfig config, LlmXds app, AdminViews views, LlmXdsMetrics metrics)
      throws IOException {
    this.app = app;
    this.views = views;
    this.metrics = metrics;
    this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
        send(ex, 405, "text/plain", "read-only: use GET\n");
        return;
      }
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/" ->
            send(
                ex, 200, "text/html; charset=utf-8", HtmlPage.render(views.fleet(), views.nodes()));
        case "/api/fleet" -> send(ex, 200, JSON, AdminViews.json(views.fleet()));
        case "/api/nodes" -> send(ex, 200, JSON, AdminViews.json(views.nodes()));
        case "/api/config_dump" -> configDump(ex);
        case "/healthz" -> send(ex, 200, "text/plain", "ok\n");
        case "/readyz" -> readyz(ex);
        case "/metrics" ->
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        default -> send(ex, 404, "text/plain", "no such page: " + path + "\n");
      }
    } catch (RuntimeException e) {
      log.warn("admin request {} failed", ex.getRequestURI(), e);
      send(ex, 500, "text/plain", "internal error: " + e.getMessage() + "\n");
    }
  }

  private void readyz(HttpExchange ex) throws IOException {
    boolean discovered = app.source().status().lastSuccess() != null;
    boolean published = app.reconciler().publications() > 0;
    if (discovered && published) {
      send(ex, 200, "text/plain", "ready\n");
    } else {
      send(
          ex,
          503,
          "text/plain",
          "not ready: "
              + (discovered
                  ? "first snapshot not published yet"
                  : "waiting for the first discovery")
              + "\n");
    }
  }

  private void configDump(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    String kind = q.getOrDefault("kind", "sidecar");
    if (!kind.equals("sidecar") && !kind.equals("proxyless")) {
      send(ex, 400, JSON, "{\"error\": \"kind must be sidecar or proxyless\"}\n");
      return;
    }
    send(ex, 200, JSON, AdminViews.json(views.configDump(kind, q.get("region"), q.get("zone"))));
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(
              URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
              URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("Content-Security-Policy", HtmlPage.CONTENT_SECURITY_POLICY);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
