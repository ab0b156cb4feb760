package dev.llmxds.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.llmxds.config.LoadConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Engine;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.Fixtures;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScraperTest {
  private HttpServer http;
  private Scraper scraper;
  private final Map<String, Object> outcomes = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    serve(
        "/metrics",
        200,
        "vllm:num_requests_running{model_name=\"m\"} 3\nvllm:num_requests_waiting{model_name=\"m\"} 7\nvllm:kv_cache_usage_perc{model_name=\"m\"} 0.5\n");
    serve(
        "/custom/path",
        200,
        "sglang:num_running_reqs 1\nsglang:num_queue_reqs 2\nsglang:token_usage 0.1\n");
    serve("/broken", 503, "overloaded");
    serve("/other", 200, "process_cpu_seconds_total 1\n");
    serve("/huge", 200, "x 1\n".repeat(10_000));
    serve("/triton-echo", 200, Fixtures.metrics(Fixtures.TRITON_NO_LLM));
    http.start();
    LoadConfig config = new LoadConfig(true, Duration.ofMillis(50), Duration.ofSeconds(1), 4, 4096);
    scraper =
        new Scraper(
            config,
            new Scraper.Listener() {
              @Override
              public void onLoad(
                  String service, String id, EngineLoad load, EngineKind engine, long nanos) {
                outcomes.put(id, List.of(load, engine));
              }

              @Override
              public void onFailure(String service, String id, String error) {
                outcomes.put(id, error);
              }
            },
            System::nanoTime);
  }

  private void serve(String path, int status, String body) {
    http.createContext(
        path,
        ex -> {
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
  }

  @AfterEach
  void stop() {
    scraper.close();
    http.stop(0);
  }

  private Endpoint endpoint(int servingPort, int metricsPort, String path, EngineKind kind) {
    return new Endpoint(
        "127.0.0.1",
        servingPort,
        Locality.NONE,
        1,
        EndpointHealth.HEALTHY,
        false,
        new Engine(kind, metricsPort, path));
  }

  @Test
  void scrapesEachEndpointAndReportsEveryKindOfFailure() {
    int port = http.getAddress().getPort();
    List<Endpoint> endpoints =
        List.of(
            endpoint(port, 0, "/metrics", EngineKind.AUTO), // detected vLLM, same port
            endpoint(1, port, "/custom/path", EngineKind.SGLANG), // metrics on another port
            endpoint(2, port, "/broken", EngineKind.AUTO),
            endpoint(3, port, "/other", EngineKind.AUTO),
            endpoint(4, port, "/huge", EngineKind.AUTO),
            endpoint(5, 1, "/metrics", EngineKind.VLLM)); // nothing listens on port 1
    scraper.update(Fleet.of(List.of(new InferenceService("svc", List.of("m"), endpoints))));

    Await.until(
        Duration.ofSeconds(10), () -> outcomes.size() == 6, () -> "all scraped: " + outcomes);
    assertEquals(
        List.of(new EngineLoad(3, 7, 0.5), EngineKind.VLLM), outcomes.get("127.0.0.1:" + port));
    assertEquals(
        List.of(new EngineLoad(1, 2, 0.1), EngineKind.SGLANG), outcomes.get("127.0.0.1:1"));
    assertTrue(outcomes.get("127.0.0.1:2").toString().startsWith("HTTP 503"), outcomes.toString());
    assertTrue(
        outcomes.get("127.0.0.1:3").toString().contains("no known engine metrics"),
        outcomes.toString());
    assertTrue(
        outcomes.get("127.0.0.1:4").toString().contains("larger than 4096 bytes"),
        outcomes.toString());
    assertEquals("connection refused", outcomes.get("127.0.0.1:5"));
    assertEquals(6, scraper.stats().targets());
  }

  @Test
  void theUrlIsAlwaysTheEndpointsOwnAddress() {
    Endpoint e =
        new Endpoint(
            "10.0.0.7",
            8000,
            Locality.NONE,
            1,
            EndpointHealth.HEALTHY,
            false,
            new Engine(EngineKind.AUTO, 9100, "/metrics"));
    assertEquals("http://10.0.0.7:9100/metrics", Scraper.metricsUri(e).toString());
    Endpoint v6 =
        new Endpoint(
            "fd00::7", 8000, Locality.NONE, 1, EndpointHealth.HEALTHY, false, Engine.DEFAULT);
    assertEquals("http://[fd00::7]:8000/metrics", Scraper.metricsUri(v6).toString());
    for (String path :
        List.of("http://evil.example/x", "//evil.example/x", "/m?x=1", "/m#f", "/a@b", "/a b")) {
      assertThrows(
          IllegalArgumentException.class, () -> new Engine(EngineKind.AUTO, 0, path), path);
    }
  }

  @Test
  void goneEndpointsStopBeingScraped() {
    int port = http.getAddress().getPort();
    scraper.update(
        Fleet.of(
            List.of(
                new InferenceService(
                    "svc", List.of(), List.of(endpoint(port, 0, "/metrics", EngineKind.AUTO))))));
    Await.until(Duration.ofSeconds(5), () -> !outcomes.isEmpty(), "first scrape");
    scraper.update(Fleet.EMPTY);
    assertEquals(0, scraper.stats().targets());
  }

  @Test
  void anEngineNamedByTwoServicesIsScrapedOnceAndEachGetsItsWholeLoad() {
    // one vLLM serving two LoRA adapters, each routed as its own service: vLLM labels every series
    // with its one served name, so the series are the engine's whole load for both services
    AtomicInteger requests =
        countingEngine(
            "/shared",
            """
            vllm:num_requests_running{engine="0",model_name="base"} 6
            vllm:num_requests_waiting{engine="0",model_name="base"} 2
            vllm:kv_cache_usage_perc{engine="0",model_name="base"} 0.5
            """);
    Map<String, List<Object>> reports = new ConcurrentHashMap<>();
    try (Scraper shared = reportingPerService(reports)) {
      Endpoint engine = endpoint(http.getAddress().getPort(), 0, "/shared", EngineKind.AUTO);
      shared.update(
          Fleet.of(
              List.of(
                  new InferenceService("adapter-a", List.of("adapter-a"), List.of(engine)),
                  new InferenceService("adapter-b", List.of("adapter-b"), List.of(engine)))));
      assertEquals(1, shared.stats().targets());
      Await.until(
          Duration.ofSeconds(20),
          () -> count(reports, "adapter-a") >= 5 && count(reports, "adapter-b") >= 5,
          () -> "both services fed: " + reports);
    }
    // every scrape feeds both services; at most one request per engine is still unanswered
    int scrapes = Math.min(count(reports, "adapter-a"), count(reports, "adapter-b"));
    assertTrue(requests.get() <= scrapes + 2, requests.get() + " requests for " + reports);
    for (String service : List.of("adapter-a", "adapter-b")) {
      assertEquals(
          Set.of(new EngineLoad(6, 2, 0.5)), Set.copyOf(reports.get(service)), "engine's load");
    }
  }

  @Test
  void servicesNamingDifferentModelsOfOneMetricsEndpointGetTheirOwnSeriesFromOneScrape() {
    // a body carrying two models' series (several engines behind one metrics port) is still split
    // by the service's model names, as before; it is fetched once for both
    AtomicInteger requests =
        countingEngine(
            "/two-models",
            """
            vllm:num_requests_running{model_name="a"} 4
            vllm:num_requests_running{model_name="b"} 40
            vllm:num_requests_waiting{model_name="a"} 1
            vllm:num_requests_waiting{model_name="b"} 10
            """);
    Map<String, List<Object>> reports = new ConcurrentHashMap<>();
    try (Scraper shared = reportingPerService(reports)) {
      Endpoint engine = endpoint(http.getAddress().getPort(), 0, "/two-models", EngineKind.VLLM);
      shared.update(
          Fleet.of(
              List.of(
                  new InferenceService("svc-a", List.of("a"), List.of(engine)),
                  new InferenceService("svc-b", List.of("b"), List.of(engine)))));
      assertEquals(1, shared.stats().targets());
      Await.until(
          Duration.ofSeconds(20),
          () -> count(reports, "svc-a") >= 3 && count(reports, "svc-b") >= 3,
          () -> "both services fed: " + reports);
    }
    int scrapes = Math.min(count(reports, "svc-a"), count(reports, "svc-b"));
    assertTrue(requests.get() <= scrapes + 2, requests.get() + " requests for " + reports);
    assertEquals(Set.of(new EngineLoad(4, 1, Double.NaN)), Set.copyOf(reports.get("svc-a")));
    assertEquals(Set.of(new EngineLoad(40, 10, Double.NaN)), Set.copyOf(reports.get("svc-b")));
  }

  /** Serves {@code body} on {@code path} and counts the requests for it. */
  private AtomicInteger countingEngine(String path, String body) {
    AtomicInteger requests = new AtomicInteger();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    http.createContext(
        path,
        ex -> {
          requests.incrementAndGet();
          ex.sendResponseHeaders(200, bytes.length);
          ex.getResponseBody().write(bytes);
          ex.close();
        });
    return requests;
  }

  /** A scraper on a 50 ms cycle whose outcomes (loads or errors) are kept per service. */
  private static Scraper reportingPerService(Map<String, List<Object>> reports) {
    LoadConfig config = new LoadConfig(true, Duration.ofMillis(50), Duration.ofSeconds(1), 4, 4096);
    return new Scraper(
        config,
        new Scraper.Listener() {
          @Override
          public void onLoad(
              String service, String id, EngineLoad load, EngineKind engine, long nanos) {
            reports.computeIfAbsent(service, k -> new CopyOnWriteArrayList<>()).add(load);
          }

          @Override
          public void onFailure(String service, String id, String error) {
            reports.computeIfAbsent(service, k -> new CopyOnWriteArrayList<>()).add(error);
          }
        },
        System::nanoTime);
  }

  private static int count(Map<String, List<Object>> reports, String service) {
    List<Object> r = reports.get(service);
    return r == null ? 0 : r.size();
  }

  @Test
  void aTritonServingNoLlmIsAFailedScrapeNotAnIdleEngine() {
    int port = http.getAddress().getPort();
    scraper.update(
        Fleet.of(
            List.of(
                new InferenceService(
                    "svc",
                    List.of("echo"),
                    List.of(
                        endpoint(1, port, "/triton-echo", EngineKind.AUTO),
                        endpoint(2, port, "/triton-echo", EngineKind.TRITON))))));
    Await.until(
        Duration.ofSeconds(10), () -> outcomes.size() == 2, () -> "all scraped: " + outcomes);
    assertTrue(
        outcomes.get("127.0.0.1:1").toString().contains("no known engine metrics"),
        outcomes.toString());
    assertTrue(
        outcomes.get("127.0.0.1:2").toString().contains("not an LLM engine"), outcomes.toString());
  }

  @Test
  void scrapeDelaysStayInsideTheJitterBandAndStartOnATick() {
    java.util.Random random = new java.util.Random(3);
    long interval = TimeUnit.SECONDS.toNanos(1);
    for (long tick : List.of(1L, 1_600_000L, 10_000_000L)) {
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int i = 0; i < 20_000; i++) {
        long now = random.nextLong() / 4;
        double r = i == 0 ? 0 : i == 1 ? Math.nextDown(1.0) : random.nextDouble();
        long delay = Scraper.nextDelay(interval, tick, r, now);
        assertTrue(delay >= interval * 9 / 10 && delay <= interval * 11 / 10, tick + ": " + delay);
        assertEquals(0, Math.floorMod(now + delay, tick), "starts on a tick");
        min = Math.min(min, delay);
        max = Math.max(max, delay);
      }
      assertTrue(min < interval * 91 / 100 && max > interval * 109 / 100, "uses the whole band");
    }
  }
}
