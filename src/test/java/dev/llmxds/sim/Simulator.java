package dev.llmxds.sim;

import dev.llmxds.config.ClusterConfig;
import dev.llmxds.config.WeightsConfig;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.sim.control.ControlPlane;
import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.policy.CacheOracle;
import dev.llmxds.sim.policy.EnvoyLeastRequest;
import dev.llmxds.sim.policy.NginxLeastConn;
import dev.llmxds.sim.policy.Oracle;
import dev.llmxds.sim.policy.Policy;
import dev.llmxds.sim.policy.RoundRobin;
import dev.llmxds.sim.policy.SidecarHash;
import dev.llmxds.sim.policy.SidecarLeastRequest;
import dev.llmxds.sim.policy.TrueSpeeds;
import dev.llmxds.sim.report.Percentiles;
import dev.llmxds.sim.report.Result;
import dev.llmxds.sim.workload.MultiTurn;
import dev.llmxds.sim.workload.Request;
import dev.llmxds.sim.workload.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Runs one scenario under one policy: the same seeded request stream split over the sidecars, the
 * same engines, the same events. Sidecars pick a priority the way Envoy does (priority 0 = own zone
 * gets {@code min(100 %, 1.4 × healthy share)} of the traffic, the rest spills over).
 */
public final class Simulator {
  /** The policies compared, in table order. */
  public enum Kind {
    ROUND_ROBIN("round robin"),
    NGINX_LEAST_CONN("one global least_conn"),
    SIDECAR_LEAST_REQUEST("least request"),
    FORMULA("0.7/0.3 formula"),
    LLM_XDS("llm-xds"),
    TRUE_SPEEDS("true speeds (bound)"),
    ORACLE("oracle"),
    RING_HASH("ring hash"),
    RING_HASH_BOUNDED("ring hash, bounded load 150"),
    RING_HASH_BOUNDED_LLM_XDS("ring hash, bounded load 150 + llm-xds weights"),
    MAGLEV_BOUNDED_LLM_XDS("maglev, bounded load 150 + llm-xds weights"),
    CACHE_ORACLE("cache-aware oracle");

    /** The routing comparison's policies (the ones before the affinity policies). */
    public static final List<Kind> ROUTING =
        List.of(
            ROUND_ROBIN,
            NGINX_LEAST_CONN,
            SIDECAR_LEAST_REQUEST,
            FORMULA,
            LLM_XDS,
            TRUE_SPEEDS,
            ORACLE);

    /** Envoy's {@code hash_balance_factor} the bounded-load policies run with. */
    public static final int HASH_BALANCE_FACTOR = 150;

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** A short column name. */
    public String label() {
      return label;
    }
  }

  private final Scenario scenario;
  private final long seed;
  private final WeightsConfig weights;
  private final ClusterConfig cluster;

  /**
   * One run of {@code scenario} with {@code seed}; llm-xds's settings come from {@code settings}.
   */
  public Simulator(Scenario scenario, long seed, SimSettings settings) {
    this.scenario = scenario;
    this.seed = seed;
    this.weights = settings.weights();
    this.cluster = settings.cluster();
  }

  /** What llm-xds's Cluster asks of each sidecar's least-request balancer. */
  static EnvoyLeastRequest.Config leastRequest(ClusterConfig cluster) {
    Double bias = cluster.leastRequest().activeRequestBias();
    return new EnvoyLeastRequest.Config(
        cluster.leastRequest().choiceCount(),
        bias == null ? OptionalDouble.empty() : OptionalDouble.of(bias),
        true);
  }

  public Result run(Kind kind) {
    Clock clock = new Clock();
    List<SimEngine> engines = new ArrayList<>();
    List<Request> finished = new ArrayList<>();
    Policy[] policy = new Policy[1];
    ControlPlane[] control = new ControlPlane[1];
    int sidecars = scenario.sidecarZones().size();
    MultiTurn.Stream[] sessions = new MultiTurn.Stream[1];
    @SuppressWarnings("unchecked")
    Consumer<Request>[] enter = new Consumer[1];
    long[] ids = {0};
    for (int i = 0; i < scenario.speeds().size(); i++) {
      String zone = scenario.zones() == null ? "a" : scenario.zones().get(i);
      engines.add(
          new SimEngine(
              i,
              zone,
              EngineModel.Spec.DEFAULT.withSpeed(scenario.speeds().get(i)),
              scenario.multiTurn() != null,
              clock,
              r -> {
                policy[0].done(r);
                if (control[0] != null) {
                  control[0].observe(r);
                }
                finished.add(r);
                if (sessions[0] != null && !Double.isNaN(r.done)) {
                  double think = sessions[0].thinkAfter(r);
                  if (!Double.isNaN(think)) {
                    clock.after(
                        think, () -> enter[0].accept(sessions[0].next(ids[0]++, clock.now(), r)));
                  }
                }
              }));
    }
    Random lbRandom = new Random(seed + 1);
    policy[0] =
        switch (kind) {
          case ROUND_ROBIN -> new RoundRobin(sidecars);
          case NGINX_LEAST_CONN -> new NginxLeastConn(engines.size());
          case SIDECAR_LEAST_REQUEST ->
              new SidecarLeastRequest(
                  "Envoy least request (per sidecar)", sidecars, engines.size(), seed, null);
          case FORMULA -> {
            control[0] = ControlPlane.formula(clock, engines, sidecars, lbRandom);
            yield new SidecarLeastRequest(
                "0.7/connections + 0.3/latency weights",
                sidecars,
                engines.size(),
                seed,
                control[0]);
          }
          case LLM_XDS -> {
            control[0] =
                ControlPlane.llmXds(
                    clock,
                    engines,
                    sidecars,
                    weights,
                    lbRandom,
                    cluster.updateMergeWindow().toMillis());
            yield new SidecarLeastRequest(
                "llm-xds (weighted least request)",
                sidecars,
                engines.size(),
                seed,
                control[0],
                leastRequest(cluster));
          }
          case TRUE_SPEEDS ->
              new SidecarLeastRequest(
                  "true speeds as weights, instantly (a bound)",
                  sidecars,
                  engines.size(),
                  seed,
                  new TrueSpeeds(clock, engines, sidecars),
                  leastRequest(cluster));
          case ORACLE -> new Oracle(engines);
          case RING_HASH ->
              new SidecarHash(
                  "Envoy ring hash (session key)",
                  SidecarHash.Table.RING_HASH,
                  0,
                  sidecars,
                  engines.size(),
                  seed,
                  null);
          case RING_HASH_BOUNDED ->
              new SidecarHash(
                  "Envoy ring hash, hash_balance_factor " + Kind.HASH_BALANCE_FACTOR,
                  SidecarHash.Table.RING_HASH,
                  Kind.HASH_BALANCE_FACTOR,
                  sidecars,
                  engines.size(),
                  seed,
                  null);
          case RING_HASH_BOUNDED_LLM_XDS, MAGLEV_BOUNDED_LLM_XDS -> {
            control[0] =
                ControlPlane.llmXds(
                    clock,
                    engines,
                    sidecars,
                    weights,
                    lbRandom,
                    cluster.updateMergeWindow().toMillis());
            boolean ring = kind == Kind.RING_HASH_BOUNDED_LLM_XDS;
            yield new SidecarHash(
                (ring ? "Envoy ring hash" : "Envoy maglev")
                    + ", hash_balance_factor "
                    + Kind.HASH_BALANCE_FACTOR
                    + ", llm-xds weights",
                ring ? SidecarHash.Table.RING_HASH : SidecarHash.Table.MAGLEV,
                Kind.HASH_BALANCE_FACTOR,
                sidecars,
                engines.size(),
                seed,
                control[0]);
          }
          case CACHE_ORACLE -> new CacheOracle(engines);
        };
    if (control[0] != null) {
      control[0].measureFrom(scenario.warmup());
    }
    scenario.events().accept(clock, engines);
    Random routing = new Random(seed + 2);
    enter[0] =
        r -> {
          int[] candidates = candidates(engines, scenario.sidecarZones().get(r.sidecar), routing);
          if (candidates.length == 0) {
            r.engine = -1;
            finished.add(r);
          } else {
            engines.get(policy[0].route(r, candidates)).submit(r);
          }
        };
    if (scenario.multiTurn() != null) {
      sessions[0] = scenario.multiTurn().new Stream(seed, sidecars);
      clock.repeat(
          sessions[0]::nextGap, () -> enter[0].accept(sessions[0].start(ids[0]++, clock.now())));
    } else {
      Workload workload =
          new Workload(
              seed, scenario.rate(), scenario.bursty(), scenario.mix(), sidecars, scenario.skew());
      clock.repeat(
          workload::nextGap,
          () ->
              enter[0].accept(
                  new Request(
                      ids[0]++,
                      clock.now(),
                      workload.promptTokens(),
                      workload.outputTokens(),
                      workload.sidecar())));
    }
    clock.run(scenario.warmup());
    engines.forEach(SimEngine::resetStats);
    clock.run(scenario.duration());
    return result(policy[0], engines, finished);
  }

  /** Envoy's priority choice for a sidecar in {@code zone}; flat fleets have one priority. */
  private int[] candidates(List<SimEngine> engines, String zone, Random random) {
    List<SimEngine> p0 = engines.stream().filter(e -> e.zone.equals(zone)).toList();
    List<SimEngine> p1 = engines.stream().filter(e -> !e.zone.equals(zone)).toList();
    long alive0 = p0.stream().filter(SimEngine::alive).count();
    double share = p0.isEmpty() ? 0 : Math.min(1.0, 1.4 * alive0 / p0.size());
    List<SimEngine> chosen = alive0 > 0 && random.nextDouble() < share ? p0 : p1;
    int[] out = chosen.stream().filter(SimEngine::alive).mapToInt(e -> e.id).toArray();
    if (out.length == 0) {
      out = engines.stream().filter(SimEngine::alive).mapToInt(e -> e.id).toArray();
    }
    return out;
  }

  private Result result(Policy policy, List<SimEngine> engines, List<Request> finished) {
    List<Double> ttft = new ArrayList<>();
    List<Double> e2e = new ArrayList<>();
    long failed = 0;
    for (Request r : finished) {
      if (r.arrival < scenario.warmup()) {
        continue;
      }
      if (Double.isNaN(r.done)) {
        failed++;
        continue;
      }
      ttft.add(r.firstToken - r.arrival);
      e2e.add(r.done - r.arrival);
    }
    double measured = scenario.duration() - scenario.warmup();
    double max = 0;
    double min = Double.MAX_VALUE;
    for (SimEngine e : engines) {
      if (e.alive()) {
        double m = e.meanInFlight(scenario.warmup());
        max = Math.max(max, m);
        min = Math.min(min, m);
      }
    }
    long queried = 0;
    long hits = 0;
    long submitted = 0;
    long hottest = 0;
    for (SimEngine en : engines) {
      queried += en.prefixQueriedTokens();
      hits += en.prefixHitTokens();
      submitted += en.submitted();
      hottest = Math.max(hottest, en.submitted());
    }
    double[] t = ttft.stream().mapToDouble(Double::doubleValue).toArray();
    double[] e = e2e.stream().mapToDouble(Double::doubleValue).toArray();
    return new Result(
        policy.name(),
        Percentiles.of(t, 50),
        Percentiles.of(t, 99),
        Percentiles.of(e, 99),
        ttft.size() / measured,
        min > 0 ? max / min : Double.POSITIVE_INFINITY,
        policy.weightUpdatesPerSecond(),
        ttft.size(),
        failed,
        queried == 0 ? 0 : (double) hits / queried,
        submitted == 0 ? 0 : (double) hottest / submitted);
  }
}
