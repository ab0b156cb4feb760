package dev.llmxds.sim;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.load.EngineProfile;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.policy.WeightSource;
import dev.llmxds.weighting.EndpointWeights;
import dev.llmxds.weighting.LoadBook;
import dev.llmxds.weighting.WeightPolicy;
import dev.llmxds.weighting.WeightTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A control plane in simulated time, publishing weights that every sidecar applies at its own 1 s
 * update-merge-window boundary. Two kinds:
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
  static final double PUBLISH_INTERVAL = 1.0;
  static final double MERGE_WINDOW = 1.0;

  private final Clock clock;
  private final List<SimEngine> engines;
  private final boolean formula;
  private final LoadBook book;
  private final Fleet fleet;
  private final int[] published;
  private final int[][] applied;
  private final double[] connections;
  private final double[] latency;
  private long updates;
  private double measureFrom;

  private ControlPlane(
      Clock clock,
      List<SimEngine> engines,
      int sidecars,
      boolean formula,
      WeightsConfig weights,
      Random random) {
    this.clock = clock;
    this.engines = engines;
    this.formula = formula;
    this.book = new LoadBook(new WeightPolicy(weights));
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
    this.applied = new int[sidecars][];
    this.connections = new double[engines.size()];
    this.latency = new double[engines.size()];
    Arrays.fill(latency, Double.NaN);
    for (int s = 0; s < sidecars; s++) {
      applied[s] = published.clone();
      int sidecar = s;
      double phase = random.nextDouble() * MERGE_WINDOW;
      clock.at(phase, () -> applyLoop(sidecar));
    }
    for (SimEngine e : engines) {
      clock.at(random.nextDouble() * SCRAPE_INTERVAL, () -> scrapeLoop(e));
    }
    clock.at(PUBLISH_INTERVAL, this::publishLoop);
  }

  public static ControlPlane llmXds(
      Clock clock, List<SimEngine> engines, int sidecars, WeightsConfig weights, Random random) {
    return new ControlPlane(clock, engines, sidecars, false, weights, random);
  }

  public static ControlPlane formula(
      Clock clock, List<SimEngine> engines, int sidecars, Random random) {
    return new ControlPlane(clock, engines, sidecars, true, WeightsConfig.DEFAULT, random);
  }

  private void applyLoop(int sidecar) {
    applied[sidecar] = published.clone();
    clock.after(MERGE_WINDOW, () -> applyLoop(sidecar));
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
            + "# TYPE vllm:kv_cache_usage_perc gauge%nvllm:kv_cache_usage_perc%s%s",
        l,
        e.running(),
        l,
        e.waiting(),
        l,
        e.kvUsage());
  }

  private void record(SimEngine e, String body) {
    EngineLoad load =
        EngineProfile.VLLM.read(
            PrometheusParser.parse(body, EngineProfile.METRIC_NAMES::contains), List.of("m"));
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
    }
    clock.after(PUBLISH_INTERVAL, this::publishLoop);
  }

  private int[] llmXdsWeights() {
    WeightTable table = book.table(fleet, clock.nanos());
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
    return applied[sidecar][engine];
  }

  @Override
  public double updatesPerSecond() {
    return updates / Math.max(1e-9, clock.now() - measureFrom);
  }
}
