package dev.llmxds.bench;

import com.sun.net.httpserver.HttpServer;
import dev.llmxds.config.LoadConfig;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.load.Scraper;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.testing.Fixtures;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Cost of scraping: CPU seconds per 1,000 endpoint scrapes at 1 Hz and bytes allocated per scrape,
 * measured on the scraper's own threads (the HTTP client's and the scheduler), against local fake
 * vLLM engines and against servers replaying the real vLLM V1 capture; beside them, the parse
 * alone, filtered (what the scraper does) and unfiltered. One run, one table.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.bench.ScrapeBenchmark [-Dexec.args="200 20"]</pre>
 *
 * Arguments: endpoints per target kind (default 200), seconds per run (default 20).
 */
public final class ScrapeBenchmark {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private record Row(
      String what, long operations, double cpuSeconds, double allocatedBytes, double bytesPerOp) {}

  public static void main(String[] args) throws Exception {
    int endpoints = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String capture = Fixtures.metrics(Fixtures.VLLM_V1);
    List<Row> rows = new ArrayList<>();

    List<FakeEngine> engines = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      engines.add(new FakeEngine("llama", EngineModel.Spec.DEFAULT, "127.0.0.1", 0));
    }
    rows.add(
        scrapeRun(
            "fake vLLM engines (" + engines.get(0).metrics().length() + " B body)",
            engines.stream().map(FakeEngine::port).toList(),
            seconds));
    engines.forEach(FakeEngine::close);

    byte[] body = capture.getBytes(StandardCharsets.UTF_8);
    var replayThreads = java.util.concurrent.Executors.newFixedThreadPool(4);
    List<HttpServer> replays = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      HttpServer replay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      replay.createContext(
          "/metrics",
          ex -> {
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
          });
      replay.setExecutor(replayThreads);
      replay.start();
      replays.add(replay);
    }
    rows.add(
        scrapeRun(
            "real vLLM V1 capture (" + body.length + " B body)",
            replays.stream().map(r -> r.getAddress().getPort()).toList(),
            seconds));
    replays.forEach(r -> r.stop(0));
    replayThreads.shutdownNow();

    rows.add(parseRun("parse only, filtered (as the scraper does)", capture, true));
    rows.add(parseRun("parse only, every sample kept", capture, false));

    System.out.printf(
        Locale.ROOT,
        "%nScrape benchmark: %d endpoints per target kind, %d s at 1 Hz, JDK %s, %d cores%n%n",
        endpoints,
        seconds,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    System.out.printf(
        Locale.ROOT,
        "| %-45s | %10s | %22s | %20s |%n",
        "what",
        "operations",
        "CPU s per 1,000 scrapes",
        "allocated per scrape");
    System.out.printf(
        Locale.ROOT,
        "|%s|%s|%s|%s|%n",
        "-".repeat(47),
        "-".repeat(12),
        "-".repeat(24),
        "-".repeat(22));
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "| %-45s | %10d | %22.3f | %17.1f KB |%n",
          r.what(),
          r.operations(),
          r.cpuSeconds() / r.operations() * 1000,
          r.allocatedBytes() / r.operations() / 1024);
    }
    Row fake = rows.get(0);
    Row real = rows.get(1);
    Row filtered = rows.get(2);
    System.out.printf(
        Locale.ROOT,
        "%nratios: real capture / fake engine CPU per scrape = %.2f; parse share of a real-capture scrape = %.0f %%%n",
        (real.cpuSeconds() / real.operations()) / (fake.cpuSeconds() / fake.operations()),
        100
            * (filtered.cpuSeconds() / filtered.operations())
            / (real.cpuSeconds() / real.operations()));
  }

  private static Row scrapeRun(String what, List<Integer> ports, int seconds) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int port : ports) {
      endpoints.add(
          new Endpoint("127.0.0.1", port, Locality.NONE, 1, EndpointHealth.HEALTHY, false));
    }
    return scrape(what, endpoints, seconds);
  }

  private static Row scrape(String what, List<Endpoint> endpoints, int seconds) {
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    Scraper scraper =
        new Scraper(
            new LoadConfig(true, Duration.ofSeconds(1), Duration.ofSeconds(2), 64, 4 << 20),
            new Scraper.Listener() {
              @Override
              public void onLoad(
                  String s, String id, EngineLoad load, EngineKind engine, long nanos) {
                ok.incrementAndGet();
              }

              @Override
              public void onFailure(String s, String id, String error) {
                failed.incrementAndGet();
              }
            },
            System::nanoTime);
    scraper.update(Fleet.of(List.of(new InferenceService("llama", List.of(), endpoints))));
    LockSupport.parkNanos(Duration.ofSeconds(2).toNanos()); // warm-up: connections, JIT
    java.util.Map<Long, long[]> before = scraperThreads();
    long ok0 = ok.get();
    LockSupport.parkNanos(Duration.ofSeconds(seconds).toNanos()); // the measured period
    java.util.Map<Long, long[]> after = scraperThreads();
    long done = ok.get() - ok0;
    long cpu = 0;
    long alloc = 0;
    for (var e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[2]);
      cpu += e.getValue()[0] - b[0];
      alloc += e.getValue()[1] - b[1];
    }
    scraper.close();
    if (failed.get() > 0) {
      System.out.println(what + ": " + failed.get() + " scrapes failed");
    }
    return new Row(what, done, cpu / 1e9, alloc, 0);
  }

  /**
   * CPU nanoseconds and allocated bytes per live scraper thread (HTTP client and scheduler), by
   * thread id: the caller takes per-thread deltas, so threads that come and go are not miscounted
   * (a thread that ends inside the window loses its share: a lower bound).
   */
  private static java.util.Map<Long, long[]> scraperThreads() {
    java.util.Map<Long, long[]> out = new java.util.HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String n = t.getName();
      if (n.startsWith("HttpClient-") || n.equals("scraper")) {
        out.put(
            t.getId(),
            new long[] {
              Math.max(0, THREADS.getThreadCpuTime(t.getId())),
              Math.max(0, THREADS.getThreadAllocatedBytes(t.getId()))
            });
      }
    }
    return out;
  }

  private static Row parseRun(String what, String body, boolean filtered) {
    long id = Thread.currentThread().getId();
    for (int i = 0; i < 2_000; i++) {
      parse(body, filtered);
    }
    int n = 5_000;
    long cpu0 = THREADS.getThreadCpuTime(id);
    long alloc0 = THREADS.getThreadAllocatedBytes(id);
    for (int i = 0; i < n; i++) {
      parse(body, filtered);
    }
    return new Row(
        what,
        n,
        (THREADS.getThreadCpuTime(id) - cpu0) / 1e9,
        THREADS.getThreadAllocatedBytes(id) - alloc0,
        0);
  }

  private static void parse(String body, boolean filtered) {
    var e =
        filtered
            ? PrometheusParser.parse(body, EngineProfiles.METRIC_NAMES::contains)
            : PrometheusParser.parse(body);
    if (filtered) {
      EngineProfiles.of(EngineKind.VLLM).read(e, List.of());
    }
  }
}
