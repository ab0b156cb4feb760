package dev.llmxds.bench;

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
import dev.llmxds.load.JdkScrapeClient;
import dev.llmxds.load.NettyScrapeClient;
import dev.llmxds.load.Scraper;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.FilteredParser;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.testing.Fixtures;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;

/**
 * Cost of scraping: CPU seconds per 1,000 endpoint scrapes at 1 Hz, bytes allocated per scrape and
 * scrape latency, measured on the scraper's own threads (its scheduler and its HTTP client's I/O
 * threads), for today's transport and parser ({@link NettyScrapeClient} + {@link FilteredParser})
 * side by side with the previous ones (the JDK {@code HttpClient} + decode-then-parse {@link
 * PrometheusParser}), against local fake vLLM engines and against loopback servers replaying the
 * real vLLM V1 capture; beside them, the parse alone and the cost of inflating a gzip'd body. One
 * run, one table.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.bench.ScrapeBenchmark [-Dexec.args="200 20"] [-Dendpoints=10000]
 * </pre>
 *
 * Arguments: endpoints per target kind (default 200), seconds per run (default 20). With {@code
 * -Dendpoints=N} it runs only the current scraper against N replay endpoints (servers in child
 * processes, 5,000 ports each) and adds the observed scrape period against the configured jitter.
 */
public final class ScrapeBenchmark {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  private static final int PORTS_PER_CHILD = 5_000;

  /**
   * Before measuring: connections, and JIT compilation — at 200 scrapes/s the per-scrape code
   * reaches the optimising compiler's thresholds only after some tens of seconds ({@code
   * -Dwarmup=<seconds>}, default 5).
   */
  private static final Duration WARM_UP =
      Duration.ofSeconds(Long.parseLong(System.getProperty("warmup", "5")));

  private record Row(
      String what,
      long operations,
      double cpuSeconds,
      double userSeconds,
      double allocatedBytes,
      double p50Millis,
      double p99Millis,
      long skipped,
      long failed) {}

  private enum Transport {
    JDK("old: JDK HttpClient + String parse"),
    NETTY("new: Netty + byte filter parse");

    final String label;

    Transport(String label) {
      this.label = label;
    }
  }

  public static void main(String[] args) throws Exception {
    int endpoints = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String large = System.getProperty("endpoints");
    if (large != null && !large.isBlank()) {
      largeRun(Integer.parseInt(large.trim()), seconds);
      return;
    }
    String capture = Fixtures.metrics(Fixtures.VLLM_V1);
    byte[] body = capture.getBytes(StandardCharsets.UTF_8);
    List<Row> rows = new ArrayList<>();

    List<FakeEngine> engines = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      engines.add(new FakeEngine("llama", EngineModel.Spec.DEFAULT, "127.0.0.1", 0));
    }
    List<Integer> enginePorts = engines.stream().map(FakeEngine::port).toList();
    int fakeSize = engines.get(0).metrics().length();
    for (Transport t : transports()) {
      rows.add(
          scrape(
              "fake vLLM engines (" + fakeSize + " B), " + t.label,
              t,
              endpoints(enginePorts),
              seconds,
              null));
    }
    engines.forEach(FakeEngine::close);

    try (ReplayServers replays = new ReplayServers(endpoints, body, 1)) {
      for (Transport t : transports()) {
        rows.add(
            scrape(
                "real vLLM V1 capture (" + body.length + " B), " + t.label,
                t,
                endpoints(replays.ports()),
                seconds,
                null));
      }
    }

    FilteredParser filtered = new FilteredParser(EngineProfiles.METRIC_NAMES);
    rows.add(
        parseRun(
            "parse only: decode + String parse, filtered (old)",
            () ->
                EngineProfiles.of(dev.llmxds.fleet.EngineKind.VLLM)
                    .read(
                        PrometheusParser.parse(
                            new String(body, StandardCharsets.UTF_8),
                            EngineProfiles.METRIC_NAMES::contains),
                        List.of())));
    rows.add(
        parseRun(
            "parse only: FilteredParser on the bytes (new)",
            () ->
                EngineProfiles.of(dev.llmxds.fleet.EngineKind.VLLM)
                    .read(filtered.parse(body), List.of())));
    rows.add(
        parseRun(
            "parse only: String parse, every sample kept", () -> PrometheusParser.parse(capture)));
    byte[] gzipped = gzip(body);
    Inflater inflater = new Inflater(true);
    byte[] out = new byte[body.length + 64];
    rows.add(
        parseRun(
            "inflate only: gzip'd capture (" + gzipped.length + " B)",
            () -> inflate(inflater, gzipped, out)));

    header(
        "%d endpoints per target kind, %d s at 1 Hz per client after %d s warm-up"
            .formatted(endpoints, seconds, WARM_UP.toSeconds()));
    table(rows);
    if (transports().size() == 1) {
      return;
    }
    Row oldReal = rows.get(2);
    Row newReal = rows.get(3);
    Row newParse = rows.get(5);
    Row gunzip = rows.get(7);
    System.out.printf(
        Locale.ROOT,
        "%nreal capture, old / new: CPU per scrape %.1fx, allocation per scrape %.1fx;"
            + " parse share of a new scrape %.0f %%; inflating a gzip'd body alone would add %.0f %%"
            + " to a new scrape%n",
        perOp(oldReal.cpuSeconds(), oldReal) / perOp(newReal.cpuSeconds(), newReal),
        perOp(oldReal.allocatedBytes(), oldReal) / perOp(newReal.allocatedBytes(), newReal),
        100 * perOp(newParse.cpuSeconds(), newParse) / perOp(newReal.cpuSeconds(), newReal),
        100 * perOp(gunzip.cpuSeconds(), gunzip) / perOp(newReal.cpuSeconds(), newReal));
  }

  /** Both, or only the new one with {@code -Dclients=new} (quicker, for trying changes). */
  private static List<Transport> transports() {
    return "new".equals(System.getProperty("clients"))
        ? List.of(Transport.NETTY)
        : List.of(Transport.values());
  }

  private static double perOp(double total, Row r) {
    return total / Math.max(1, r.operations());
  }

  /** {@code count} replay endpoints in child processes; the current scraper only. */
  private static void largeRun(int count, int seconds) throws Exception {
    boolean fake = "fake".equals(System.getProperty("body"));
    Path capture = Fixtures.METRICS.resolve(Fixtures.VLLM_V1);
    String what = "real vLLM V1 capture";
    if (fake) {
      // the fake engine's body (a seventh of the real one): the replay servers keep up on a
      // small machine where 10,000 x 47 KB/s over loopback would not
      FakeEngine engine = new FakeEngine("llama", EngineModel.Spec.DEFAULT, "127.0.0.1", 0);
      capture = Files.createTempFile("fake-engine", ".prom");
      capture.toFile().deleteOnExit();
      Files.writeString(capture, engine.metrics());
      engine.close();
      what = "fake vLLM engine body";
    }
    List<Process> children = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int left = count; left > 0; left -= PORTS_PER_CHILD) {
        Process p =
            new ProcessBuilder(
                    java,
                    "-Xmx256m",
                    "-cp",
                    classpath(),
                    ReplayServers.class.getName(),
                    String.valueOf(Math.min(left, PORTS_PER_CHILD)),
                    capture.toString(),
                    "1")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        children.add(p);
      }
      for (Process p : children) {
        String line =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        if (line == null) {
          throw new IllegalStateException("a replay server process did not start");
        }
        for (String port : line.trim().split(" ")) {
          ports.add(Integer.parseInt(port));
        }
      }
      long bodyBytes = Files.size(capture);
      PeriodSpread spread = new PeriodSpread(count, seconds);
      Row row =
          scrape(
              what + " (" + bodyBytes + " B), " + Transport.NETTY.label,
              Transport.NETTY,
              endpoints(ports),
              seconds,
              spread);
      header(
          "%d endpoints (replay servers in %d child processes), %d s at 1 Hz after %d s warm-up"
              .formatted(count, children.size(), seconds, WARM_UP.toSeconds()));
      table(List.of(row));
      spread.print(row);
    } finally {
      for (Process p : children) {
        p.getOutputStream().close();
        p.destroy();
      }
    }
  }

  private static String classpath() throws Exception {
    List<String> parts = new ArrayList<>();
    for (ClassLoader cl = Thread.currentThread().getContextClassLoader();
        cl != null;
        cl = cl.getParent()) {
      if (cl instanceof URLClassLoader u) {
        for (URL url : u.getURLs()) {
          parts.add(Path.of(url.toURI()).toString());
        }
      }
    }
    parts.add(System.getProperty("java.class.path"));
    return String.join(File.pathSeparator, parts);
  }

  private static List<Endpoint> endpoints(List<Integer> ports) {
    List<Endpoint> out = new ArrayList<>();
    for (int port : ports) {
      out.add(new Endpoint("127.0.0.1", port, Locality.NONE, 1, EndpointHealth.HEALTHY, false));
    }
    return out;
  }

  /**
   * Start-to-start intervals of each endpoint's successful scrapes, seen at completion: the
   * configured interval ± its 10 % jitter, plus the difference of two scrape latencies.
   */
  private static final class PeriodSpread {
    final Map<String, Integer> index = new HashMap<>();
    final long[] last;
    final long[] lastStart;
    final long[] intervals;
    final long[] startIntervals;
    final AtomicInteger n = new AtomicInteger();

    PeriodSpread(int endpoints, int seconds) {
      last = new long[endpoints];
      lastStart = new long[endpoints];
      intervals = new long[endpoints * (seconds + 5) * 2];
      startIntervals = new long[intervals.length];
    }

    void register(List<Endpoint> endpoints) {
      for (int i = 0; i < endpoints.size(); i++) {
        index.put(endpoints.get(i).id(), i);
      }
    }

    void reset() {
      Arrays.fill(last, 0);
      Arrays.fill(lastStart, 0);
      n.set(0);
    }

    void onLoad(String id, long now, long duration) {
      Integer i = index.get(id);
      if (i == null) {
        return;
      }
      long previous = last[i];
      long previousStart = lastStart[i];
      last[i] = now;
      lastStart[i] = now - duration;
      if (previous != 0) {
        int k = n.getAndIncrement();
        if (k < intervals.length) {
          intervals[k] = now - previous;
          startIntervals[k] = now - duration - previousStart;
        }
      }
    }

    void print(Row row) {
      int count = Math.min(n.get(), intervals.length);
      if (count == 0) {
        System.out.println("no scrape periods observed");
        return;
      }
      print(
          "scrape period, start to start (the schedule; a skipped cycle shows as a double period)",
          Arrays.copyOf(startIntervals, count),
          0);
      print(
          "scrape period, completion to completion (adds the latency's variation)",
          Arrays.copyOf(intervals, count),
          Math.round(row.p99Millis() * 2e6));
    }

    private static void print(String what, long[] v, long slack) {
      Arrays.sort(v);
      int count = v.length;
      long interval = INTERVAL.toNanos();
      long lo = interval - interval / 10;
      long hi = interval + interval / 10;
      int within = 0;
      int withinSlack = 0;
      for (long x : v) {
        within += x >= lo && x <= hi ? 1 : 0;
        withinSlack += x >= lo - slack && x <= hi + slack ? 1 : 0;
      }
      System.out.printf(
          Locale.ROOT,
          "%n%s: configured %.3f s ± 10 %%"
              + " (%.3f-%.3f s); observed over %d periods: min %.3f, p0.1 %.3f, p50 %.3f,"
              + " p99.9 %.3f, max %.3f s; inside the jitter band %.2f %%, inside it widened by"
              + " ±%.1f ms (two p99 latencies) %.2f %%%n",
          what,
          interval / 1e9,
          lo / 1e9,
          hi / 1e9,
          count,
          v[0] / 1e9,
          v[(int) (count * 0.001)] / 1e9,
          v[count / 2] / 1e9,
          v[Math.min(count - 1, (int) (count * 0.999))] / 1e9,
          v[count - 1] / 1e9,
          100.0 * within / count,
          slack / 1e6,
          100.0 * withinSlack / count);
    }
  }

  private static Row scrape(
      String what,
      Transport transport,
      List<Endpoint> endpoints,
      int seconds,
      PeriodSpread spread) {
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicInteger durations = new AtomicInteger();
    long[] latency = new long[endpoints.size() * (seconds + 5) * 2];
    if (spread != null) {
      spread.register(endpoints);
    }
    LoadConfig config =
        new LoadConfig(
            true, INTERVAL, Duration.ofSeconds(2), Math.max(64, endpoints.size() / 10), 4 << 20);
    Scraper.Listener listener =
        new Scraper.Listener() {
          long lastDuration;

          @Override
          public void onLoad(String s, String id, EngineLoad load, EngineKind engine, long nanos) {
            ok.incrementAndGet();
            if (spread != null) {
              spread.onLoad(id, nanos, lastDuration);
            }
          }

          @Override
          public void onFailure(String s, String id, String error) {
            failed.incrementAndGet();
          }

          @Override
          public void onDuration(long nanos) {
            lastDuration = nanos; // followed by this scrape's onLoad, on the same I/O thread
            int k = durations.getAndIncrement();
            if (k < latency.length) {
              latency[k] = nanos;
            }
          }
        };
    Scraper scraper =
        transport == Transport.NETTY
            ? new Scraper(config, listener, System::nanoTime)
            : new Scraper(
                config,
                listener,
                System::nanoTime,
                new JdkScrapeClient(config.timeout()),
                JdkScrapeClient.STRING_PARSE);
    scraper.update(Fleet.of(List.of(new InferenceService("llama", List.of(), endpoints))));
    LockSupport.parkNanos(WARM_UP.toNanos()); // warm-up: connections, JIT
    Map<Long, long[]> before = scraperThreads();
    long ok0 = ok.get();
    long failed0 = failed.get();
    long skipped0 = scraper.stats().skipped();
    durations.set(0);
    if (spread != null) {
      spread.reset();
    }
    LockSupport.parkNanos(Duration.ofSeconds(seconds).toNanos()); // the measured period
    Map<Long, long[]> after = scraperThreads();
    long done = ok.get() - ok0;
    long skipped = scraper.stats().skipped() - skipped0;
    long failures = failed.get() - failed0;
    int measured = Math.min(durations.get(), latency.length);
    scraper.close();
    long cpu = 0;
    long alloc = 0;
    long user = 0;
    for (var e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[3]);
      cpu += e.getValue()[0] - b[0];
      alloc += e.getValue()[1] - b[1];
      user += e.getValue()[2] - b[2];
    }
    long[] sorted = Arrays.copyOf(latency, measured);
    Arrays.sort(sorted);
    double p50 = measured == 0 ? 0 : sorted[measured / 2] / 1e6;
    double p99 = measured == 0 ? 0 : sorted[Math.min(measured - 1, (int) (measured * 0.99))] / 1e6;
    return new Row(what, done, cpu / 1e9, user / 1e9, alloc, p50, p99, skipped, failures);
  }

  /**
   * CPU nanoseconds and allocated bytes per live scraper thread (the scheduler {@code scraper}, the
   * JDK client's {@code HttpClient-*} and its deadline timer, the Netty client's {@code
   * scraper-io-*}), by thread id: the caller takes per-thread deltas, so threads that come and go
   * are not miscounted (a thread that ends inside the window loses its share: a lower bound).
   */
  private static Map<Long, long[]> scraperThreads() {
    Map<Long, long[]> out = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String n = t.getName();
      if (n.startsWith("HttpClient-") || n.startsWith("scraper")) {
        out.put(
            t.getId(),
            new long[] {
              Math.max(0, THREADS.getThreadCpuTime(t.getId())),
              Math.max(0, THREADS.getThreadAllocatedBytes(t.getId())),
              Math.max(0, THREADS.getThreadUserTime(t.getId()))
            });
      }
    }
    return out;
  }

  private static Row parseRun(String what, Runnable op) {
    long id = Thread.currentThread().getId();
    for (int i = 0; i < 3_000; i++) {
      op.run();
    }
    int n = 5_000;
    long cpu0 = THREADS.getThreadCpuTime(id);
    long alloc0 = THREADS.getThreadAllocatedBytes(id);
    for (int i = 0; i < n; i++) {
      op.run();
    }
    return new Row(
        what,
        n,
        (THREADS.getThreadCpuTime(id) - cpu0) / 1e9,
        Double.NaN, // a tenth of a second of CPU: too short for the tick-based user time
        THREADS.getThreadAllocatedBytes(id) - alloc0,
        Double.NaN,
        Double.NaN,
        0,
        0);
  }

  private static byte[] gzip(byte[] body) throws java.io.IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(body);
    }
    return b.toByteArray();
  }

  /** Inflates the deflate stream inside a gzip member (10-byte header, no optional fields). */
  private static void inflate(Inflater inflater, byte[] gzipped, byte[] out) {
    inflater.reset();
    inflater.setInput(gzipped, 10, gzipped.length - 10 - 8);
    try {
      int n = inflater.inflate(out);
      if (n <= 0) {
        throw new IllegalStateException("inflated nothing");
      }
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void header(String what) {
    System.out.printf(
        Locale.ROOT,
        "%nScrape benchmark: %s; JDK %s, %d cores%n%n",
        what,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
  }

  private static void table(List<Row> rows) {
    System.out.printf(
        Locale.ROOT,
        "| %-74s | %10s | %14s | %8s | %12s | %8s | %8s | %7s | %6s |%n",
        "what",
        "operations",
        "CPU s / 1,000",
        "kernel",
        "alloc / op",
        "p50 ms",
        "p99 ms",
        "skipped",
        "failed");
    System.out.printf(
        Locale.ROOT,
        "|%s|%s|%s|%s|%s|%s|%s|%s|%s|%n",
        "-".repeat(76),
        "-".repeat(12),
        "-".repeat(16),
        "-".repeat(10),
        "-".repeat(14),
        "-".repeat(10),
        "-".repeat(10),
        "-".repeat(9),
        "-".repeat(8));
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "| %-74s | %10d | %14.3f | %8s | %9.1f KB | %8s | %8s | %7d | %6d |%n",
          r.what(),
          r.operations(),
          r.cpuSeconds() / Math.max(1, r.operations()) * 1000,
          Double.isNaN(r.userSeconds()) || r.cpuSeconds() == 0
              ? "-"
              : String.format(
                  Locale.ROOT,
                  "%.0f %%",
                  Math.max(0, 100 * (r.cpuSeconds() - r.userSeconds()) / r.cpuSeconds())),
          r.allocatedBytes() / Math.max(1, r.operations()) / 1024,
          Double.isNaN(r.p50Millis()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p50Millis()),
          Double.isNaN(r.p99Millis()) ? "-" : String.format(Locale.ROOT, "%.2f", r.p99Millis()),
          r.skipped(),
          r.failed());
    }
  }
}
