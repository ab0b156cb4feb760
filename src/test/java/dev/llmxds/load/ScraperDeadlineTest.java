package dev.llmxds.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Engines that answer their headers and then drip the body one byte at a time. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScraperDeadlineTest {
  private static final String VLLM =
      "vllm:num_requests_running{model_name=\"m\"} 1\n"
          + "vllm:num_requests_waiting{model_name=\"m\"} 0\n"
          + "vllm:kv_cache_usage_perc{model_name=\"m\"} 0.1\n";

  private HttpServer http;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private Scraper scraper;
  private final Map<String, String> failures = new ConcurrentHashMap<>();
  private final List<Long> healthyScrapes = new CopyOnWriteArrayList<>();
  private final List<Long> dripsAbandonedAfterNanos = new CopyOnWriteArrayList<>();
  private volatile boolean closing;

  @BeforeEach
  void start() throws Exception {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    http.setExecutor(handlers);
    http.createContext(
        "/metrics",
        ex -> {
          byte[] b = VLLM.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    http.createContext(
        "/drip",
        ex -> {
          long started = System.nanoTime();
          ex.sendResponseHeaders(200, 0);
          OutputStream out = ex.getResponseBody();
          try {
            // one byte every 100 ms for up to 30 s: a simulated slow peer, not synchronisation
            while (!closing && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(30)) {
              out.write('#');
              out.flush();
              LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
          } catch (IOException e) {
            dripsAbandonedAfterNanos.add(System.nanoTime() - started);
          } finally {
            ex.close();
          }
        });
    http.start();
  }

  private void startScraper(LoadConfig config) {
    scraper =
        new Scraper(
            config,
            new Scraper.Listener() {
              @Override
              public void onLoad(
                  String service, String id, EngineLoad load, EngineKind engine, long nanos) {
                if (id.equals("127.0.0.1:1000")) {
                  healthyScrapes.add(System.nanoTime());
                }
              }

              @Override
              public void onFailure(String service, String id, String error) {
                failures.put(id, error);
              }
            },
            System::nanoTime);
  }

  @AfterEach
  void stop() {
    closing = true;
    if (scraper != null) {
      scraper.close();
    }
    http.stop(0);
    handlers.shutdownNow();
  }

  private Endpoint endpoint(int servingPort, String path) {
    return new Endpoint(
        "127.0.0.1",
        servingPort,
        Locality.NONE,
        1,
        EndpointHealth.HEALTHY,
        false,
        new Engine(EngineKind.VLLM, http.getAddress().getPort(), path));
  }

  @Test
  void aDrippingEngineIsAbandonedAtTheDeadlineAndCountedAsAFailedScrape() {
    startScraper(new LoadConfig(true, Duration.ofSeconds(1), Duration.ofMillis(500), 4, 4096));
    long started = System.nanoTime();
    scraper.update(
        Fleet.of(
            List.of(new InferenceService("svc", List.of("m"), List.of(endpoint(1, "/drip"))))));
    Await.until(
        Duration.ofSeconds(5),
        () -> failures.containsKey("127.0.0.1:1"),
        () -> "the dripping scrape ends: " + failures);
    assertEquals("scrape timed out", failures.get("127.0.0.1:1"));
    assertTrue(
        System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(1000 + 500 + 1000),
        "within the first cycle's phase (< interval) plus the deadline, with 1 s to spare");
    assertTrue(scraper.stats().failures() >= 1, "counted as a failed scrape");
    Await.until(
        Duration.ofSeconds(5),
        () -> !dripsAbandonedAfterNanos.isEmpty(),
        "the engine sees its connection closed");
  }

  @Test
  void aHealthyEngineIsScrapedEveryIntervalWhileDrippingOnesHoldTheSlots() {
    // more dripping engines than scrape slots: without a whole-exchange deadline they hold every
    // slot for 30 s and the healthy engine is never scraped again
    startScraper(new LoadConfig(true, Duration.ofMillis(100), Duration.ofMillis(300), 4, 4096));
    List<Endpoint> endpoints = new ArrayList<>();
    endpoints.add(endpoint(1000, "/metrics"));
    for (int i = 1; i <= 8; i++) {
      endpoints.add(endpoint(i, "/drip"));
    }
    scraper.update(Fleet.of(List.of(new InferenceService("svc", List.of("m"), endpoints))));
    Await.until(
        Duration.ofSeconds(10),
        () -> failures.size() == 8,
        () -> "every dripping engine timed out once: " + failures);
    int before = healthyScrapes.size();
    long from = System.nanoTime();
    Await.until(
        Duration.ofSeconds(10),
        () -> System.nanoTime() - from > TimeUnit.SECONDS.toNanos(2),
        "a 2 s window");
    List<Long> window = List.copyOf(healthyScrapes).subList(before, healthyScrapes.size());
    assertTrue(window.size() >= 10, window.size() + " healthy scrapes in 2 s at a 100 ms interval");
    long maxGap = 0;
    for (int i = 1; i < window.size(); i++) {
      maxGap = Math.max(maxGap, window.get(i) - window.get(i - 1));
    }
    assertTrue(
        maxGap < TimeUnit.MILLISECONDS.toNanos(700),
        "longest gap between healthy scrapes " + maxGap / 1_000_000 + " ms");
    assertTrue(scraper.stats().skipped() > 0, "dripping engines beyond their share are skipped");
  }
}
