package dev.llmxds.sim.control;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.envoy.MergeWindow;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.policy.WeightSource;
import dev.llmxds.sim.workload.Request;
import dev.llmxds.weighting.EndpointWeights;
import dev.llmxds.weighting.LoadBook;
import dev.llmxds.weighting.WeightPolicy;
import dev.llmxds.weighting.WeightTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * A control plane in simulated time. It publishes weights when they change; each sidecar's Envoy
 * receives the update after an xDS delivery delay (uniform {@value #DELIVERY_MIN_MS}–{@value
 * #DELIVERY_MAX_MS} ms, in order), writes the weights into its hosts at once and lets its {@link
 * MergeWindow} decide when the load balancers rebuild with them (Envoy's {@code
 * update_merge_window}, default 1 s). Two kinds:
 *
 * <ul>
 *   <li>{@link #llmXds}: llm-xds's real loop — each engine's /metrics rendered in vLLM's format
 *       every scrape interval, read back by the real Prometheus parser and vLLM profile after a
 *       scrape delay, folded into the real {@link LoadBook}/{@link WeightPolicy}, published once
 *       per publish interval as {@link EndpointWeights} integers;
 *   <li>{@link #formula}: {@code weight = 0.7 / connections + 0.3 / latency} from the same scrapes
 *       (connections = running + waiting) and each engine's recent mean request latency.
 * </ul>
 */
public final class ControlPlane implements WeightSource {
  static final double SCRAPE_INTERVAL = 1.0;
  static final double SCRAPE_DELAY = 0.05;

  /** Envoy's default {@code common_lb_config.update_merge_window}. */
  public static final long MERGE_WINDOW_MS = 1000;

  static final long DELIVERY_MIN_MS = 5;
  static final long DELIVERY_MAX_MS = 30;

  private final Clock clock;
  private final List<SimEngine> engines;
  private final boolean formula;
  private final LoadBook book;
  private WeightTable lastTable = WeightTable.EMPTY;
  private final Fleet fleet;
  private final int[] published;
  private final int[][] received;
  private final MergeWindow[] windows;
  private final double[] lastDelivery;
  private final Random delivery;
  private final List<IntConsumer> listeners = new ArrayList<>();
  private final double[] connections;
  private final double[] latency;
  private final double publishInterval;
  private long updates;
  private double measureFrom;

  private ControlPlane(
      Clock clock,
      List<SimEngine> engines,
      int sidecars,
      boolean formula,
      WeightsConfig weights,
      Random random,
      long mergeWindowMs) {
    this.clock = clock;
    this.engines = engines;
    this.formula = formula;
    this.book = new LoadBook(new WeightPolicy(weights));
    this.publishInterval = weights.publishInterval().toNanos() / 1e9;
    List<Endpoint> endpoints = new ArrayList<>();
    for (SimEngine e : engines) {
      endpoints.add(
          new Endpoint(
              "127.0.0.1",
              10_000 + e.id,
              Locality.of("r", e.zone),
              1,
              EndpointHealth.HEALTHY,
              false));
    }
    this.fleet = Fleet.of(List.of(new InferenceService("llm", List.of("m"), endpoints)));
    this.published = new int[engines.size()];
    Arrays.fill(published, EndpointWeights.weight(1, 1.0));
    this.received = new int[sidecars][];
    this.windows = new MergeWindow[sidecars];
    this.lastDelivery = new double[sidecars];
    this.connections = new double[engines.size()];
    this.latency = new double[engines.size()];
    Arrays.fill(latency, Double.NaN);
    for (int s = 0; s < sidecars; s++) {
      received[s] = published.clone();
      int sidecar = s;
      windows[s] =
          new MergeWindow(
              mergeWindowMs,
              (nanos, action) -> clock.at(nanos / 1e9, action),
              () -> listeners.forEach(l -> l.accept(sidecar)));
    }
    for (SimEngine e : engines) {
      clock.at(random.nextDouble() * SCRAPE_INTERVAL, () -> scrapeLoop(e));
    }
    this.delivery = new Random(random.nextLong());
    clock.at(publishInterval, this::publishLoop);
  }

  public static ControlPlane llmXds(
      Clock clock, List<SimEngine> engines, int sidecars, WeightsConfig weights, Random random) {
    return llmXds(clock, engines, sidecars, weights, random, MERGE_WINDOW_MS);
  }

  public static ControlPlane llmXds(
      Clock clock,
      List<SimEngine> engines,
      int sidecars,
      WeightsConfig weights,
      Random random,
      long mergeWindowMs) {
    return new ControlPlane(clock, engines, sidecars, false, weights, random, mergeWindowMs);
  }

  public static ControlPlane formula(
      Clock clock, List<SimEngine> engines, int sidecars, Random random) {
    return formula(clock, engines, sidecars, random, MERGE_WINDOW_MS);
  }

  public static ControlPlane formula(
      Clock clock, List<SimEngine> engines, int sidecars, Random random, long mergeWindowMs) {
    return new ControlPlane(
        clock, engines, sidecars, true, WeightsConfig.DEFAULT, random, mergeWindowMs);
  }

  private void scrapeLoop(SimEngine e) {
    if (e.alive()) {
      String body = metrics(e); // what the engine says at scrape time...
      clock.after(SCRAPE_DELAY, () -> record(e, body)); // ...read after the request's round trip
    }
    clock.after(SCRAPE_INTERVAL, () -> scrapeLoop(e));
  }

  /** The engine's state in vLLM V1's /metrics format. */
  static String metrics(SimEngine e) {
    String l = "{engine=\"0\",model_name=\"m\"} ";
    return String.format(
        Locale.ROOT,
        "# TYPE vllm:num_requests_running gauge%nvllm:num_requests_running%s%d.0%n"
            + "# TYPE vllm:num_requests_waiting gauge%nvllm:num_requests_waiting%s%d.0%n"
            + "# TYPE vllm:kv_cache_usage_perc gauge%nvllm:kv_cache_usage_perc%s%s%n"
            + "# TYPE vllm:generation_tokens_total counter%n"
            + "vllm:generation_tokens_total%s%d.0%n",
        l,
        e.running(),
        l,
        e.waiting(),
        l,
        e.kvUsage(),
        l,
        e.generatedTokens());
  }

  private void record(SimEngine e, String body) {
    EngineLoad load =
        EngineProfiles.of(EngineKind.VLLM)
            .read(
                PrometheusParser.parse(body, EngineProfiles.METRIC_NAMES::contains), List.of("m"));
    connections[e.id] = load.running() + load.waiting();
    book.record("llm", "127.0.0.1:" + (10_000 + e.id), load, "vllm", clock.nanos());
  }

  /** Mean latency of a request that finished on {@code engine} (EWMA), for the formula. */
  public void observe(Request r) {
    if (Double.isNaN(r.done)) {
      return;
    }
    double l = r.done - r.arrival;
    latency[r.engine] = Double.isNaN(latency[r.engine]) ? l : 0.8 * latency[r.engine] + 0.2 * l;
  }

  private void publishLoop() {
    int[] next = formula ? formulaWeights() : llmXdsWeights();
    if (!Arrays.equals(next, published)) {
      System.arraycopy(next, 0, published, 0, next.length);
      if (clock.now() >= measureFrom) {
        updates++;
      }
      for (int s = 0; s < received.length; s++) {
        int sidecar = s;
        int[] update = published.clone();
        double delay =
            (DELIVERY_MIN_MS + delivery.nextDouble() * (DELIVERY_MAX_MS - DELIVERY_MIN_MS)) / 1e3;
        // one ordered xDS stream per sidecar: an update never overtakes the previous one
        lastDelivery[s] = Math.max(lastDelivery[s], clock.now() + delay);
        clock.at(lastDelivery[s], () -> receive(sidecar, update));
      }
    }
    clock.after(publishInterval, this::publishLoop);
  }

  /** The sidecar's Envoy gets the update: weights into the hosts now, rebuild when merged. */
  private void receive(int sidecar, int[] update) {
    received[sidecar] = update;
    windows[sidecar].update(clock.nanos());
  }

  private int[] llmXdsWeights() {
    WeightTable table = book.table(fleet, lastTable, clock.nanos());
    lastTable = table;
    int[] w = new int[engines.size()];
    for (SimEngine e : engines) {
      w[e.id] = EndpointWeights.weight(1, table.factor("llm", "127.0.0.1:" + (10_000 + e.id)));
    }
    return w;
  }

  private int[] formulaWeights() {
    double[] raw = new double[engines.size()];
    double max = 0;
    for (SimEngine e : engines) {
      double lat = Double.isNaN(latency[e.id]) ? 1.0 : latency[e.id];
      raw[e.id] = 0.7 / Math.max(1, connections[e.id]) + 0.3 / Math.max(0.05, lat);
      max = Math.max(max, raw[e.id]);
    }
    int[] w = new int[engines.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = (int) Math.max(1, Math.round(1000 * raw[i] / max));
    }
    return w;
  }

  public void measureFrom(double t) {
    measureFrom = t;
  }

  @Override
  public int weight(int sidecar, int engine) {
    return received[sidecar][engine];
  }

  @Override
  public void onApplied(IntConsumer listener) {
    listeners.add(listener);
  }

  /** The sidecar's merge window, for its counters. */
  public MergeWindow mergeWindow(int sidecar) {
    return windows[sidecar];
  }

  @Override
  public double updatesPerSecond() {
    return updates / Math.max(1e-9, clock.now() - measureFrom);
  }
}
