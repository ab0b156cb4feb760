package dev.llmxds.testing.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An in-process stand-in for the parts of Consul's HTTP API llm-xds uses, with Consul's blocking
 * semantics: {@code /v1/catalog/services} and {@code /v1/health/service/<name>} answer with {@code
 * X-Consul-Index} and, given {@code index} and {@code wait}, hold the request until that index
 * moves or the wait ends. Registrations go through the real agent endpoints ({@code
 * /v1/agent/service/register}, {@code deregister}, {@code check/pass|warn|fail}, {@code
 * service/maintenance}), so the same test driver works against real Consul. Faults can be injected.
 */
public final class ConsulDouble implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Object lock = new Object();
  private final Map<String, ObjectNode> services = new TreeMap<>(); // by service ID
  private final Map<String, Map<String, String>> checks =
      new HashMap<>(); // service ID → check → status
  private final Map<String, Long> serviceIndex = new HashMap<>(); // service name → last change
  private final Map<String, String> nodeMeta = new LinkedHashMap<>();
  private final Deque<Fault> faults = new ConcurrentLinkedDeque<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private long index = 10;
  private long catalogIndex = 10;
  private long epoch;
  private int blocked;
  private int stalled;
  private long stallGeneration;
  private volatile String requiredToken;
  private volatile boolean down;

  /** One request the double received. */
  public record Request(String path, Map<String, String> query, String token) {}

  private record Fault(int status, String body, Duration delay, boolean stall) {
    Fault(int status, String body, Duration delay) {
      this(status, body, delay, false);
    }
  }

  public ConsulDouble() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI address() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Queries being held right now (blocking queries waiting for a change). */
  public int blockedQueries() {
    synchronized (lock) {
      return blocked;
    }
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  public void nodeMeta(String key, String value) {
    synchronized (lock) {
      nodeMeta.put(key, value);
      bumpAll();
    }
  }

  // ---- faults -----------------------------------------------------------------------------

  /** The next {@code n} reads answer {@code status} with {@code body}. */
  public void failNext(int n, int status, String body) {
    for (int i = 0; i < n; i++) {
      faults.add(new Fault(status, body, Duration.ZERO));
    }
  }

  /** The next {@code n} reads answer 200 with a body that is not JSON. */
  public void garbageNext(int n) {
    failNext(n, 200, "{\"Node\": [not json");
  }

  /** The next read answers correctly, but only after {@code delay}. */
  public void delayNext(Duration delay) {
    faults.add(new Fault(0, null, delay));
  }

  /**
   * The next {@code n} reads answer 200 with their headers and the first byte of a body, then stall
   * until the double is closed or {@link #releaseStalls()} (a peer that hangs mid-answer).
   */
  public void stallNext(int n) {
    for (int i = 0; i < n; i++) {
      faults.add(new Fault(200, null, Duration.ZERO, true));
    }
  }

  /** Ends every stalled answer (its connection is closed without the rest of the body). */
  public void releaseStalls() {
    synchronized (lock) {
      stallGeneration++;
      lock.notifyAll();
    }
  }

  /** Answers stalled right now. */
  public int stalled() {
    synchronized (lock) {
      return stalled;
    }
  }

  /** Reads without this token get 403, as Consul's ACL system answers. */
  public void requireToken(String token) {
    requiredToken = token;
  }

  /** While down, every request's connection is closed without an answer. */
  public void down(boolean isDown) {
    down = isDown;
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /**
   * Moves every index backwards, as after a snapshot restore; like Consul's state store, the
   * restore wakes every blocking query, which answers with the new, lower index.
   */
  public void resetIndex(long to) {
    synchronized (lock) {
      epoch++;
      index = to;
      catalogIndex = to;
      serviceIndex.replaceAll((k, v) -> to);
      lock.notifyAll();
    }
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      URI uri = ex.getRequestURI();
      Map<String, String> query = query(uri.getRawQuery());
      String token = ex.getRequestHeaders().getFirst("X-Consul-Token");
      requests.add(new Request(uri.getPath(), query, token));
      if (down) {
        return; // no status line: the client sees the connection close
      }
      String path = uri.getPath();
      if (ex.getRequestMethod().equals("PUT")) {
        agent(ex, path, query);
        return;
      }
      if (requiredToken != null && !requiredToken.equals(token)) {
        send(ex, 403, "Permission denied", -1);
        return;
      }
      Fault fault = faults.poll();
      if (fault != null && fault.stall()) {
        stall(ex);
        return;
      }
      if (fault != null && fault.delay().isZero()) {
        send(ex, fault.status(), fault.body(), index);
        return;
      }
      if (fault != null) {
        sleep(fault.delay());
      }
      if (path.equals("/v1/catalog/services")) {
        long[] at = block(query, () -> catalogIndex);
        send(ex, 200, JSON.writeValueAsString(catalog()), at[0]);
      } else if (path.startsWith("/v1/health/service/")) {
        String name =
            URLDecoder.decode(
                path.substring("/v1/health/service/".length()), StandardCharsets.UTF_8);
        long[] at = block(query, () -> serviceIndex.getOrDefault(name, catalogIndex));
        send(ex, 200, JSON.writeValueAsString(health(name)), at[0]);
      } else {
        send(ex, 404, "unknown path " + path, -1);
      }
    } catch (RuntimeException e) {
      throw new IOException(e);
    }
  }

  private void stall(HttpExchange ex) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.getResponseHeaders().set("X-Consul-Index", "1");
    ex.sendResponseHeaders(200, 0); // chunked: the client cannot know the body is incomplete
    ex.getResponseBody().write('[');
    ex.getResponseBody().flush();
    synchronized (lock) {
      long generation = stallGeneration;
      stalled++;
      try {
        while (!down && generation == stallGeneration) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      } finally {
        stalled--;
      }
    }
  }

  /** Holds the request while its index has not moved past {@code index=} and the wait lasts. */
  private long[] block(Map<String, String> query, java.util.function.LongSupplier current) {
    long wanted = Long.parseLong(query.getOrDefault("index", "0"));
    long waitMillis = parseWait(query.getOrDefault("wait", "5m"));
    long deadline = System.currentTimeMillis() + waitMillis;
    synchronized (lock) {
      long startEpoch = epoch;
      blocked++;
      try {
        while (wanted > 0 && current.getAsLong() <= wanted && !down && epoch == startEpoch) {
          long left = deadline - System.currentTimeMillis();
          if (left <= 0) {
            break;
          }
          try {
            lock.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      } finally {
        blocked--;
      }
      return new long[] {current.getAsLong()};
    }
  }

  private static long parseWait(String w) {
    if (w.endsWith("ms")) {
      return Long.parseLong(w.substring(0, w.length() - 2));
    }
    long n = Long.parseLong(w.substring(0, w.length() - 1));
    return switch (w.charAt(w.length() - 1)) {
      case 's' -> n * 1000;
      case 'm' -> n * 60_000;
      default -> n;
    };
  }

  private ObjectNode catalog() {
    synchronized (lock) {
      Map<String, TreeSet<String>> tags = new TreeMap<>();
      for (ObjectNode s : services.values()) {
        TreeSet<String> t = tags.computeIfAbsent(s.path("Service").asText(), k -> new TreeSet<>());
        s.path("Tags").forEach(n -> t.add(n.asText()));
      }
      ObjectNode out = JSON.createObjectNode();
      out.putArray("consul");
      tags.forEach(
          (name, t) -> {
            ArrayNode arr = out.putArray(name);
            t.forEach(arr::add);
          });
      return out;
    }
  }

  private ArrayNode health(String name) {
    synchronized (lock) {
      ArrayNode out = JSON.createArrayNode();
      for (Map.Entry<String, ObjectNode> e : services.entrySet()) {
        ObjectNode svc = e.getValue();
        if (!svc.path("Service").asText().equals(name)) {
          continue;
        }
        ObjectNode entry = out.addObject();
        ObjectNode node = entry.putObject("Node");
        node.put("Node", "node-1").put("Address", "127.0.0.1").put("Datacenter", "dc1");
        ObjectNode meta = node.putObject("Meta");
        nodeMeta.forEach(meta::put);
        entry.set("Service", svc.deepCopy());
        ArrayNode cs = entry.putArray("Checks");
        cs.addObject()
            .put("Node", "node-1")
            .put("CheckID", "serfHealth")
            .put("Name", "Serf Health Status")
            .put("Status", "passing")
            .put("ServiceID", "")
            .put("ServiceName", "");
        checks
            .getOrDefault(e.getKey(), Map.of())
            .forEach(
                (id, status) ->
                    cs.addObject()
                        .put("Node", "node-1")
                        .put("CheckID", id)
                        .put("Status", status)
                        .put("ServiceID", e.getKey())
                        .put("ServiceName", name));
      }
      return out;
    }
  }

  private void agent(HttpExchange ex, String path, Map<String, String> query) throws IOException {
    synchronized (lock) {
      if (path.equals("/v1/agent/service/register")) {
        ObjectNode body = (ObjectNode) JSON.readTree(ex.getRequestBody());
        register(body);
      } else if (path.startsWith("/v1/agent/service/deregister/")) {
        String id = path.substring("/v1/agent/service/deregister/".length());
        ObjectNode gone = services.remove(id);
        checks.remove(id);
        if (gone != null) {
          touch(gone.path("Service").asText(), true);
        }
      } else if (path.startsWith("/v1/agent/check/")) {
        String[] parts = path.substring("/v1/agent/check/".length()).split("/", 2);
        String status =
            switch (parts[0]) {
              case "pass" -> "passing";
              case "warn" -> "warning";
              default -> "critical";
            };
        for (Map.Entry<String, Map<String, String>> e : checks.entrySet()) {
          if (e.getValue().containsKey(parts[1])) {
            e.getValue().put(parts[1], status);
            touch(services.get(e.getKey()).path("Service").asText(), false);
          }
        }
      } else if (path.startsWith("/v1/agent/service/maintenance/")) {
        String id = path.substring("/v1/agent/service/maintenance/".length());
        Map<String, String> cs = checks.get(id);
        if (cs == null) {
          send(ex, 404, "Unknown service ID " + id, -1);
          return;
        }
        if (Boolean.parseBoolean(query.get("enable"))) {
          cs.put("_service_maintenance:" + id, "critical");
        } else {
          cs.remove("_service_maintenance:" + id);
        }
        touch(services.get(id).path("Service").asText(), false);
      } else {
        send(ex, 404, "unknown path " + path, -1);
        return;
      }
    }
    send(ex, 200, "", -1);
  }

  /** Registers many services at once, as that many agent calls would (one index bump each). */
  public void registerAll(List<Map<String, Object>> bodies) {
    synchronized (lock) {
      for (Map<String, Object> b : bodies) {
        register(JSON.valueToTree(b));
      }
      lock.notifyAll();
    }
  }

  private void register(ObjectNode body) {
    String name = body.path("Name").asText();
    String id = body.path("ID").asText(name);
    ObjectNode svc = JSON.createObjectNode();
    svc.put("ID", id).put("Service", name);
    svc.set("Tags", body.has("Tags") ? body.get("Tags") : JSON.createArrayNode());
    svc.put("Address", body.path("Address").asText(""));
    svc.put("Port", body.path("Port").asInt());
    svc.set("Meta", body.has("Meta") ? body.get("Meta") : JSON.createObjectNode());
    ObjectNode weights = svc.putObject("Weights");
    weights.put("Passing", body.path("Weights").path("Passing").asInt(1));
    weights.put("Warning", body.path("Weights").path("Warning").asInt(1));
    if (body.has("Locality")) {
      svc.set("Locality", body.get("Locality"));
    }
    services.put(id, svc);
    Map<String, String> cs = new LinkedHashMap<>();
    List<JsonNode> defs = new ArrayList<>();
    if (body.has("Check")) {
      defs.add(body.get("Check"));
    }
    body.path("Checks").forEach(defs::add);
    for (int i = 0; i < defs.size(); i++) {
      JsonNode c = defs.get(i);
      String checkId =
          c.has("CheckID")
              ? c.get("CheckID").asText()
              : "service:" + id + (defs.size() > 1 ? ":" + (i + 1) : "");
      cs.put(checkId, c.path("Status").asText("critical"));
    }
    checks.put(id, cs);
    touch(name, true);
  }

  private void touch(String serviceName, boolean catalogChanged) {
    index++;
    serviceIndex.put(serviceName, index);
    if (catalogChanged) {
      catalogIndex = index;
    }
    lock.notifyAll();
  }

  private void bumpAll() {
    index++;
    catalogIndex = index;
    serviceIndex.replaceAll((k, v) -> index);
    lock.notifyAll();
  }

  private static void send(HttpExchange ex, int status, String body, long consulIndex)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (consulIndex >= 0) {
      ex.getResponseHeaders().set("X-Consul-Index", Long.toString(consulIndex));
    }
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  /** Simulated server latency (not test synchronisation). */
  private static void sleep(Duration d) {
    java.util.concurrent.locks.LockSupport.parkNanos(d.toNanos());
  }

  @Override
  public void close() {
    down = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    server.stop(0);
    executor.shutdownNow();
  }
}
