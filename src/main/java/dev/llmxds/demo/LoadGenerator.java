package dev.llmxds.demo;

import dev.llmxds.util.DaemonThreads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Drives completions at fake engines the way one Envoy would: Poisson arrivals at a fixed rate,
 * each request sent to the better of two endpoints picked at random in proportion to the weights
 * llm-xds publishes, scored {@code weight / (active + 1)} (weighted least request). Loopback only.
 */
public final class LoadGenerator implements AutoCloseable {
  private final Supplier<Map<Integer, Integer>> weightsByPort;
  private final double requestsPerSecond;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("load-generator");
  private final Random random = new Random(42);
  private final Map<Integer, AtomicInteger> active = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private volatile boolean closed;

  /**
   * @param weightsByPort the published weight of each engine (by port on 127.0.0.1)
   */
  public LoadGenerator(Supplier<Map<Integer, Integer>> weightsByPort, double requestsPerSecond) {
    this.weightsByPort = weightsByPort;
    this.requestsPerSecond = requestsPerSecond;
  }

  public LoadGenerator start() {
    scheduleNext();
    return this;
  }

  public long sent() {
    return sent.get();
  }

  public long failed() {
    return failed.get();
  }

  private void scheduleNext() {
    if (closed) {
      return;
    }
    double gapSeconds = -Math.log(1 - random.nextDouble()) / requestsPerSecond;
    scheduler.schedule(this::fire, (long) (gapSeconds * 1e9), TimeUnit.NANOSECONDS);
  }

  private void fire() {
    scheduleNext();
    Map<Integer, Integer> weights = weightsByPort.get();
    if (weights.isEmpty()) {
      return;
    }
    int port = pick(weights);
    AtomicInteger inFlight = active.computeIfAbsent(port, p -> new AtomicInteger());
    inFlight.incrementAndGet();
    int maxTokens = 32 + random.nextInt(96);
    String prompt = "x".repeat(200 + random.nextInt(1800));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/completions"))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"prompt\": \"" + prompt + "\", \"max_tokens\": " + maxTokens + "}"))
            .build();
    sent.incrementAndGet();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (r, e) -> {
              inFlight.decrementAndGet();
              if (e != null || r.statusCode() != 200) {
                failed.incrementAndGet();
              }
            });
  }

  /** Power of two choices, each drawn in proportion to weight, better score wins. */
  private int pick(Map<Integer, Integer> weights) {
    List<Map.Entry<Integer, Integer>> entries = List.copyOf(weights.entrySet());
    int a = draw(entries);
    int b = draw(entries);
    return score(a, weights) >= score(b, weights) ? a : b;
  }

  private int draw(List<Map.Entry<Integer, Integer>> entries) {
    long total = entries.stream().mapToLong(Map.Entry::getValue).sum();
    long x = (long) (random.nextDouble() * total);
    for (Map.Entry<Integer, Integer> e : entries) {
      x -= e.getValue();
      if (x < 0) {
        return e.getKey();
      }
    }
    return entries.get(entries.size() - 1).getKey();
  }

  private double score(int port, Map<Integer, Integer> weights) {
    AtomicInteger n = active.get(port);
    return weights.get(port) / (double) ((n == null ? 0 : n.get()) + 1);
  }

  @Override
  public void close() {
    closed = true;
    scheduler.shutdownNow();
  }
}
