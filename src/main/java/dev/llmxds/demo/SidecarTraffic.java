package dev.llmxds.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The requests one simulated sidecar sends: Poisson arrivals at a fixed rate, each balanced by
 * Envoy's {@link WeightedLeastRequest} over the endpoints this sidecar was last given, counting
 * only its own requests in flight (as one Envoy does). A sidecar of a group that ignores weights
 * balances as if every weight were equal (plain least request). Streams each completion and records
 * its time to first token in {@link DemoStats}. Loopback only.
 */
public final class SidecarTraffic implements AutoCloseable {
  /** An endpoint as the sidecar received it. */
  public record Target(String address, int port, int weight) {
    public String id() {
      return address + ":" + port;
    }
  }

  private final String name;
  private final String group;
  private final boolean useWeights;
  private final double requestsPerSecond;
  private final HttpClient http;
  private final DemoStats stats;
  private final ScheduledExecutorService scheduler;
  private final Random random;
  private final WeightedLeastRequest balancer;
  private final Map<String, Integer> active = new HashMap<>();
  private List<Target> targets = List.of();
  private volatile boolean closed;

  /**
   * @param useWeights false: every weight counts as 1 (plain least request)
   * @param scheduler the timer of the arrivals, shared by every sidecar; its owner shuts it down
   */
  public SidecarTraffic(
      String name,
      String group,
      boolean useWeights,
      double requestsPerSecond,
      HttpClient http,
      DemoStats stats,
      ScheduledExecutorService scheduler,
      long seed) {
    if (!(requestsPerSecond > 0)) {
      throw new IllegalArgumentException("requestsPerSecond must be positive");
    }
    this.name = name;
    this.group = group;
    this.useWeights = useWeights;
    this.requestsPerSecond = requestsPerSecond;
    this.http = http;
    this.stats = stats;
    this.random = new Random(seed);
    this.balancer = new WeightedLeastRequest(new Random(seed + 1));
    this.scheduler = scheduler;
  }

  public String name() {
    return name;
  }

  public String group() {
    return group;
  }

  public boolean usesWeights() {
    return useWeights;
  }

  public SidecarTraffic start() {
    scheduleNext();
    return this;
  }

  /** The endpoints (one priority level, healthy ones) and weights this sidecar balances over. */
  public synchronized void update(List<Target> newTargets) {
    targets = List.copyOf(newTargets);
    List<Integer> weights = new ArrayList<>(targets.size());
    for (Target t : targets) {
      weights.add(useWeights ? t.weight() : 1);
    }
    balancer.update(weights, this::activeAt);
  }

  public synchronized List<Target> targets() {
    return targets;
  }

  private int activeAt(int host) {
    return active.getOrDefault(targets.get(host).id(), 0);
  }

  private void scheduleNext() {
    if (closed) {
      return;
    }
    double gapSeconds = -Math.log(1 - random.nextDouble()) / requestsPerSecond;
    try {
      scheduler.schedule(this::fire, (long) (gapSeconds * 1e9), TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void fire() {
    scheduleNext();
    Target target;
    synchronized (this) {
      int host = balancer.pick(this::activeAt);
      if (host < 0) {
        return;
      }
      target = targets.get(host);
      active.merge(target.id(), 1, Integer::sum);
    }
    stats.sent(group, target.id());
    int maxTokens = 32 + random.nextInt(96);
    String prompt = "x".repeat(200 + random.nextInt(1800));
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://" + target.address() + ":" + target.port() + "/v1/completions"))
            .timeout(Duration.ofSeconds(120))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"prompt\": \""
                        + prompt
                        + "\", \"max_tokens\": "
                        + maxTokens
                        + ", \"stream\": true}"))
            .build();
    long start = System.nanoTime();
    FirstLine first = new FirstLine();
    http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(first))
        .whenComplete(
            (r, e) -> {
              synchronized (this) {
                active.computeIfPresent(target.id(), (k, v) -> v <= 1 ? null : v - 1);
              }
              if (e != null || r.statusCode() != 200 || first.seenAt < 0) {
                stats.failed(group);
              } else {
                stats.firstToken(group, (first.seenAt - start) / 1e9);
              }
            });
  }

  /** Notes when the first streamed chunk ({@code data: ...}) arrives; reads and drops the rest. */
  private static final class FirstLine implements Flow.Subscriber<String> {
    volatile long seenAt = -1;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (seenAt < 0 && line.startsWith("data: {")) {
        seenAt = System.nanoTime();
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }

  @Override
  public void close() {
    closed = true; // no new arrival is scheduled; requests in flight finish or time out
  }
}
